"""What the SMS channel keeps: contacts, inbound messages (idempotency, no loss), outbound
records. Synchronous functions, called from worker threads; parameterised SQL only.

Inbound message lifecycle (``inbound_messages.status``)::

    received ──claim──> processing ──> processed
    deferred (over the rate limit) ──claim──> processing      failed (turn raised; retried
                                                               at the next start)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.store.models import Attachment, Base, Contact, InboundMessage, Tip, utcnow

CHANNEL = "sms"
PENDING = ("received", "deferred")
RECOVERABLE = ("received", "deferred", "processing", "failed")


class OutboundMessage(Base):
    """One message sent (or refused) to a tipster: Twilio sid, status, segments.

    Never the number or the text: the text of officer replies is in ``tip_messages``.
    """

    __tablename__ = "outbound_messages"
    id = Column(Integer, primary_key=True)
    channel = Column(String(16), nullable=False)
    tip_id = Column(Integer, ForeignKey("tips.id"), index=True)
    contact_hash = Column(String(64), nullable=False, index=True)
    kind = Column(String(16), nullable=False)  # bot | officer | keyword | notice
    external_id = Column(String(64))  # Twilio's message sid
    status = Column(String(24), nullable=False)  # queued | sent | failed | blocked_opted_out
    segments = Column(Integer, nullable=False, default=0)
    characters = Column(Integer, nullable=False, default=0)
    attempts = Column(Integer, nullable=False, default=0)
    error = Column(String(200))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


@dataclass(frozen=True)
class PendingMessage:
    """An inbound message waiting for its bot turn."""

    id: int
    external_id: str
    contact_hash: str
    text: str
    media: List[Dict[str, str]]
    status: str


# -- the webhook's transaction, in SQLAlchemy Core (it runs for every message, fast) --------

CONTACTS = Contact.__table__
INBOUND = InboundMessage.__table__


@dataclass(frozen=True)
class ContactState:
    opted_out: bool
    language: Optional[str]


def known(conn: Connection, external_id: str) -> bool:
    """True if this MessageSid was accepted before (a replay)."""
    return conn.execute(
        select(INBOUND.c.id).where(INBOUND.c.channel == CHANNEL,
                                   INBOUND.c.external_id == external_id)
    ).first() is not None


def upsert_contact(conn: Connection, contact_hash: str, encrypted_address: str) -> ContactState:
    """The contact of ``contact_hash``, created if new; a forgotten address is stored again
    (the tipster wrote again from it: replies to the new message need it)."""
    row = conn.execute(
        select(CONTACTS.c.opted_out, CONTACTS.c.language, CONTACTS.c.address_encrypted)
        .where(CONTACTS.c.contact_hash == contact_hash)
    ).first()
    if row is None:
        conn.execute(CONTACTS.insert().values(channel=CHANNEL, contact_hash=contact_hash,
                                              address_encrypted=encrypted_address,
                                              opted_out=False))
        return ContactState(False, None)
    if row.address_encrypted is None:
        conn.execute(CONTACTS.update().where(CONTACTS.c.contact_hash == contact_hash)
                     .values(address_encrypted=encrypted_address, updated_at=utcnow()))
    return ContactState(bool(row.opted_out), row.language)


def set_opted_out(conn: Connection, contact_hash: str, opted_out: bool) -> None:
    conn.execute(CONTACTS.update().where(CONTACTS.c.contact_hash == contact_hash)
                 .values(opted_out=opted_out, updated_at=utcnow()))


def insert_inbound(conn: Connection, external_id: str, contact_hash: str, text: str,
                   media: Sequence[Dict[str, str]], status: str) -> None:
    conn.execute(INBOUND.insert().values(channel=CHANNEL, external_id=external_id,
                                         contact_hash=contact_hash, text=text,
                                         media=list(media), status=status))


# -- ORM helpers for the rest ------------------------------------------------------------

def find_contact(session: Session, contact_hash: str) -> Optional[Contact]:
    return session.execute(
        select(Contact).where(Contact.contact_hash == contact_hash)
    ).scalar_one_or_none()


def next_pending(session: Session, contact_hash: str) -> Optional[PendingMessage]:
    """The oldest message of this sender still waiting for its turn."""
    row = session.execute(
        select(InboundMessage).where(InboundMessage.channel == CHANNEL,
                                     InboundMessage.contact_hash == contact_hash,
                                     InboundMessage.status.in_(PENDING))
        .order_by(InboundMessage.id).limit(1)
    ).scalar_one_or_none()
    if row is None:
        return None
    return PendingMessage(row.id, row.external_id, row.contact_hash, row.text or "",
                          list(row.media or []), row.status)


def claim(session: Session, message_id: int, statuses: Sequence[str] = PENDING) -> bool:
    """Atomically take a message for processing (False: another worker has it)."""
    result = session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message_id, InboundMessage.status.in_(list(statuses)))
        .values(status="processing")
    )
    return result.rowcount == 1


def set_status(session: Session, message_id: int, status: str) -> None:
    session.execute(update(InboundMessage).where(InboundMessage.id == message_id)
                    .values(status=status))


def senders_to_recover(session: Session, stale_after: timedelta,
                       include_failed: bool = True) -> List[str]:
    """Senders with messages left unprocessed by a stopped process.

    ``processing`` rows count only once older than ``stale_after`` (another live replica
    may be working on a fresh one); ``failed`` ones only when ``include_failed`` (at start).
    """
    cutoff = utcnow() - stale_after
    statuses = RECOVERABLE if include_failed else tuple(s for s in RECOVERABLE if s != "failed")
    rows = session.execute(
        select(InboundMessage.contact_hash, InboundMessage.status, InboundMessage.received_at)
        .where(InboundMessage.channel == CHANNEL, InboundMessage.status.in_(statuses))
        .order_by(InboundMessage.id)
    ).all()
    senders: List[str] = []
    for contact_hash, status, received_at in rows:
        if status == "processing" and aware(received_at) > cutoff:
            continue
        if contact_hash not in senders:
            senders.append(contact_hash)
    return senders


def release_for_retry(session: Session, contact_hash: str, stale_after: timedelta,
                      include_failed: bool = True) -> List[int]:
    """Put a sender's stale ``processing`` (and ``failed``) messages back to ``received``.

    Returns the ids of the ``processing`` ones: their turn may have run before the stop.
    """
    cutoff = utcnow() - stale_after
    interrupted: List[int] = []
    for message in session.execute(
        select(InboundMessage).where(InboundMessage.channel == CHANNEL,
                                     InboundMessage.contact_hash == contact_hash,
                                     InboundMessage.status.in_(("processing", "failed")))
    ).scalars():
        if message.status == "failed" and include_failed:
            message.status = "received"
        elif message.status == "processing" and aware(message.received_at) <= cutoff:
            message.status = "received"
            interrupted.append(message.id)
    return interrupted


def aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back: they were stored as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def record_outbound(session: Session, contact_hash: str, kind: str, status: str, *,
                    tip_id: Optional[int] = None, external_id: Optional[str] = None,
                    segments: int = 0, characters: int = 0, attempts: int = 0,
                    error: Optional[str] = None) -> None:
    session.add(OutboundMessage(channel=CHANNEL, tip_id=tip_id, contact_hash=contact_hash,
                                kind=kind, external_id=external_id, status=status,
                                segments=segments, characters=characters, attempts=attempts,
                                error=(error or None) and error[:200]))


def latest_tip(session: Session, conversation_id: str) -> Optional[Tip]:
    return session.execute(
        select(Tip).where(Tip.conversation_id == conversation_id)
        .order_by(Tip.id.desc()).limit(1)
    ).scalar_one_or_none()


def stored_media_urls(session: Session, conversation_id: str, urls: Sequence[str]) -> set:
    """Which of ``urls`` are already attachments of this conversation's tips."""
    if not urls:
        return set()
    rows = session.execute(
        select(Attachment.url).join(Tip, Attachment.tip_id == Tip.id)
        .where(Tip.conversation_id == conversation_id, Attachment.url.in_(list(urls)))
    ).scalars()
    return set(rows)


def as_media(items: Any) -> List[Dict[str, str]]:
    """Media entries as stored: [{"url": ..., "type": ...}]."""
    return [{"url": str(m["url"]), "type": str(m.get("type") or "")}
            for m in items or [] if isinstance(m, dict) and m.get("url")]
