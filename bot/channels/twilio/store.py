"""What the SMS channel keeps: contacts and outbound records; its inbound messages are in
the inbox (bot/inbox/store.py). Synchronous functions, called from worker threads;
parameterised SQL only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.channels.twilio.spec import SPEC
from bot.inbox.store import aware as inbox_aware
from bot.store.models import Attachment, Base, Contact, Tip, utcnow


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


# -- the webhook's transaction, in SQLAlchemy Core (it runs for every message, fast) --------

CONTACTS = Contact.__table__


@dataclass(frozen=True)
class ContactState:
    opted_out: bool
    language: Optional[str]


def upsert_contact(conn: Connection, contact_hash: str, encrypted_address: str,
                   channel: str = SPEC.name) -> ContactState:
    """The contact of ``contact_hash``, created if new; a forgotten address is stored again
    (the tipster wrote again from it: replies to the new message need it)."""
    row = conn.execute(
        select(CONTACTS.c.opted_out, CONTACTS.c.language, CONTACTS.c.address_encrypted)
        .where(CONTACTS.c.contact_hash == contact_hash)
    ).first()
    if row is None:
        conn.execute(CONTACTS.insert().values(channel=channel, contact_hash=contact_hash,
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


# -- ORM helpers for the rest ------------------------------------------------------------

def find_contact(session: Session, contact_hash: str) -> Optional[Contact]:
    return session.execute(
        select(Contact).where(Contact.contact_hash == contact_hash)
    ).scalar_one_or_none()


def aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back: they were stored as UTC."""
    return inbox_aware(value) or value


def record_outbound(session: Session, contact_hash: str, kind: str, status: str, *,
                    tip_id: Optional[int] = None, external_id: Optional[str] = None,
                    segments: int = 0, characters: int = 0, attempts: int = 0,
                    error: Optional[str] = None, channel: str = SPEC.name) -> None:
    session.add(OutboundMessage(channel=channel, tip_id=tip_id, contact_hash=contact_hash,
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
