"""What the web chat persists: officers' replies waiting for the resident's open chat.

The officers' console runs in another process than Rasa (and Rasa may run as several
replicas), so an officer's reply is not pushed to a socket directly: the console writes it
to ``webchat_outbox`` (``sender.officer_sender``) and the Rasa process that holds the
resident's chat session delivers it (``delivery.OutboxDelivery``), at once if the chat is
open (polled every few seconds) or when the session comes back (same session id).

Row lifecycle (``status``): ``pending`` ──claim──> ``delivered`` (``delivered_at`` set).
Nothing here identifies the resident: ``session_id`` is the random chat session id (the
tip's conversation id), never an IP address or a device identifier.
Synchronous functions, called from worker threads; parameterised SQL only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text, select, update
from sqlalchemy.orm import Session

from bot.store.models import Base, utcnow

PENDING = "pending"
DELIVERED = "delivered"
# a resident's session id as the widget keeps it (uuid4 hex, issued by the server)
SESSION_ID_LENGTH = 32


class WebchatOutbox(Base):
    """One message for a web chat session, waiting to be (or already) delivered."""

    __tablename__ = "webchat_outbox"
    id = Column(Integer, primary_key=True)
    session_id = Column(String(128), nullable=False)
    tip_id = Column(Integer, ForeignKey("tips.id"), index=True)
    kind = Column(String(16), nullable=False, default="officer")  # officer | notice
    text = Column(Text, nullable=False)  # already in the resident's language
    language = Column(String(8))
    status = Column(String(16), nullable=False, default=PENDING)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    delivered_at = Column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_webchat_outbox_session_status", "session_id", "status"),
    )


@dataclass(frozen=True)
class OutboxMessage:
    """A claimed message, ready to be emitted to its session's room."""

    id: int
    session_id: str
    text: str
    language: Optional[str]


def enqueue(session: Session, session_id: str, text: str, *, tip_id: Optional[int] = None,
            kind: str = "officer", language: Optional[str] = None) -> WebchatOutbox:
    """Queue ``text`` for the chat session ``session_id`` (in the caller's transaction)."""
    row = WebchatOutbox(session_id=session_id, tip_id=tip_id, kind=kind, text=text,
                        language=language, status=PENDING)
    session.add(row)
    session.flush()
    return row


def claim_pending(session: Session, session_ids: Iterable[str],
                  limit: int = 200) -> List[OutboxMessage]:
    """Take the pending messages of these sessions (oldest first) for delivery.

    Each row is claimed with a conditional UPDATE, so that when several Rasa replicas hold
    sessions of the same id (two tabs on two replicas) a message is delivered once.
    """
    ids = sorted(set(session_ids))
    claimed: List[OutboxMessage] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = session.execute(
            select(WebchatOutbox.id, WebchatOutbox.session_id, WebchatOutbox.text,
                   WebchatOutbox.language)
            .where(WebchatOutbox.status == PENDING, WebchatOutbox.session_id.in_(chunk))
            .order_by(WebchatOutbox.id).limit(limit)
        ).all()
        for row_id, session_id, text, language in rows:
            result = session.execute(
                update(WebchatOutbox)
                .where(WebchatOutbox.id == row_id, WebchatOutbox.status == PENDING)
                .values(status=DELIVERED, delivered_at=utcnow())
            )
            if result.rowcount == 1:
                claimed.append(OutboxMessage(row_id, session_id, text, language))
    return claimed


def pending_count(session: Session, session_id: str) -> int:
    """How many messages wait for ``session_id`` (tests, diagnostics)."""
    return len(session.execute(
        select(WebchatOutbox.id).where(WebchatOutbox.session_id == session_id,
                                       WebchatOutbox.status == PENDING)
    ).all())
