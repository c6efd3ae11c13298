"""The mark an action leaves on a turn's inbound message: its effect is in the database.

The channel passes ``inbox_key(id)`` as Rasa's ``message_id``; every custom action run
for the turn calls ``mark_handled`` with ``tracker.latest_message["message_id"]`` once it
has done its work (actions/base.py): the first writes the mark, the others find it
(``action_receive_tip`` writes it with the tip, in the same transaction: ``mark_in``).
After the turn the channel reads the mark: absent (action server or database down), the
message is retried; a failed attempt's marks are cleared (``store.postpone``). Light on
imports: the action server loads this module.
"""

from __future__ import annotations

import re
from typing import Optional

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.store.db import get_engine
from bot.store.models import InboundMessage, utcnow

PREFIX = "inbox-"
_KEY = re.compile(r"^inbox-([1-9][0-9]{0,17})$")
_INBOX = InboundMessage.__table__


def inbox_key(message_id: int) -> str:
    """Rasa's ``message_id`` of the turn of inbound message ``message_id``."""
    return f"{PREFIX}{message_id}"


def parse_key(value: object) -> Optional[int]:
    """The inbound message id in a Rasa ``message_id``, or None (not from the inbox)."""
    match = _KEY.match(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def mark_handled(message_key: object) -> bool:
    """Mark the turn's inbound message handled; False when the turn has no inbox message.

    A message already marked in this attempt (by an earlier action of the turn, or in the
    tip's own transaction: ``mark_in``) is only read, not written again: one commit, one
    fsync, per turn instead of one per action. Raises when the database is unreachable:
    the action then fails, Rasa reports it, and the channel retries the message.
    """
    message_id = parse_key(message_key)
    if message_id is None:
        return False
    with get_engine().connect() as conn:
        if conn.execute(select(_INBOX.c.handled_at).where(_INBOX.c.id == message_id)
                        ).scalar() is not None:
            return True
    with get_engine().begin() as conn:
        mark_in(conn, message_key)
    return True


def mark_in(conn: Connection | Session, message_key: object) -> bool:
    """Mark the turn's message handled inside the caller's transaction (the tip's: the
    tip and its mark are committed together). Keeps the first mark of the attempt."""
    message_id = parse_key(message_key)
    if message_id is None:
        return False
    conn.execute(update(_INBOX).where(_INBOX.c.id == message_id, _INBOX.c.handled_at.is_(None))
                 .values(handled_at=utcnow()))
    return True
