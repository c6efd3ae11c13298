"""The mark an action leaves on a turn's inbound message: its effect is in the database.

The channel passes ``inbox_key(id)`` as Rasa's ``message_id``; every custom action run
for the turn calls ``mark_handled`` with ``tracker.latest_message["message_id"]`` once it
has done its work (actions/base.py). After the turn the channel reads the mark: absent
(action server or database down), the message is retried. Light on imports: the action
server loads this module.
"""

from __future__ import annotations

import re
from typing import Optional

from sqlalchemy import update

from bot.store.db import get_engine
from bot.store.models import InboundMessage, utcnow

PREFIX = "inbox-"
_KEY = re.compile(r"^inbox-([1-9][0-9]{0,17})$")


def inbox_key(message_id: int) -> str:
    """Rasa's ``message_id`` of the turn of inbound message ``message_id``."""
    return f"{PREFIX}{message_id}"


def parse_key(value: object) -> Optional[int]:
    """The inbound message id in a Rasa ``message_id``, or None (not from the inbox)."""
    match = _KEY.match(value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def mark_handled(message_key: object) -> bool:
    """Mark the turn's inbound message handled; False when the turn has no inbox message.

    Raises when the database is unreachable: the action then fails, Rasa reports it, and
    the channel retries the message.
    """
    message_id = parse_key(message_key)
    if message_id is None:
        return False
    with get_engine().begin() as conn:
        conn.execute(update(InboundMessage.__table__)
                     .where(InboundMessage.__table__.c.id == message_id)
                     .values(handled_at=utcnow()))
    return True
