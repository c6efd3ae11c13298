"""Tracker fixtures for the actions, as RasaHQ/financial-demo tests them: a real rasa_sdk
Tracker built from parse data, a CollectingDispatcher, and a fresh SQLite tips store."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def parse_data(text: str, intent: str, *, language: str = "en", confidence: float = 0.9,
               urgent: bool = False, ranking: Optional[list] = None,
               entities: Optional[list] = None) -> Dict[str, Any]:
    """What the tip line's NLU pipeline leaves in ``latest_message``."""
    return {
        "text": text, "original_text": text, "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
        "entities": entities or [], "language": language, "language_confidence": 0.95,
        "language_reliable": True, "urgency": {"urgent": urgent, "confidence": 0.9,
                                               "by": "model"},
        "message_id": "m-" + text[:8],
    }


def tracker(message: Dict[str, Any], slots: Optional[Dict[str, Any]] = None,
            sender: str = "conversation-1") -> Tracker:
    return Tracker(sender, slots or {}, message, [], False, None, {}, "rest")


@pytest.fixture()
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture()
def tips_store(tmp_path: Path) -> Iterator[str]:
    """A migrated SQLite tips store the actions write to, translation off."""
    from harness.env import tipline_env

    with tipline_env(tmp_path) as env:
        yield env["TIPLINE_DATABASE_URL"]
