"""The tips confirmed during one action run, noted by ``actions.receipts.confirm``.

The actions' executor (actions/engagement.py) opens a note before each action and reads
it after: a confirmed tip may then get the one feedback question. Outside the executor
(unit tests calling an action directly) no note is open and nothing is noted.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import List, Optional, Tuple

_NOTE: ContextVar[Optional[List[Tuple[str, str]]]] = ContextVar("confirmed_tips", default=None)


def open_note() -> List[Tuple[str, str]]:
    """A new, empty note for the action about to run."""
    note: List[Tuple[str, str]] = []
    _NOTE.set(note)
    return note


def note_confirmed(reference: str, language: str) -> None:
    """Tip ``reference`` was confirmed in ``language`` (no-op outside the executor)."""
    note = _NOTE.get()
    if note is not None:
        note.append((reference, language))
