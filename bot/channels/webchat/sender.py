"""Officers' replies to web chat tips: queued for the resident's chat session.

``officer_sender`` is ``bot.outbound``'s Sender for the ``webchat`` channel. It needs
neither Rasa nor a socket: any process (officers' console, CLI) queues the message in
``webchat_outbox`` within the caller's transaction, and the Rasa process holding the chat
delivers it (bot/channels/webchat/delivery.py).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.channels.webchat import store
from bot.outbound import Delivery
from bot.store.models import Tip


def officer_sender(session: Session, tip: Tip, text: str) -> Delivery:
    """Queue ``text`` (already in the tipster's language) for the tip's chat session."""
    row = store.enqueue(session, tip.conversation_id, text, tip_id=tip.id, kind="officer",
                        language=tip.language)
    return Delivery("queued", f"webchat outbox {row.id}")
