"""What the WhatsApp channel keeps of its own: how each officer reply met the 24-hour window.

Contacts, inbound messages (the inbox) and outbound records (``outbound_messages``) are
the SMS channel's tables, with ``channel = "whatsapp"``. ``whatsapp_replies`` says, for
each officer reply, whether it went out freely (``free``), as an approved template
(``template``) or waits for the tipster's next message (``queued``): never the text (it
is in ``tip_messages``) nor the number, only a digest of the text to find it again.
Synchronous functions, called from worker threads; parameterised SQL only.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import List, Optional

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, func, select, update
from sqlalchemy.orm import Session

from bot.channels.whatsapp.spec import SPEC
from bot.inbox.store import aware
from bot.store.models import Base, InboundMessage, utcnow

FREE, TEMPLATE, QUEUED = "free", "template", "queued"
WAITING, SENDING = "waiting", "sending"


class WhatsAppReply(Base):
    """One officer reply to a WhatsApp tipster and how the session window let it out."""

    __tablename__ = "whatsapp_replies"
    __table_args__ = (Index("ix_whatsapp_replies_contact_status", "contact_hash", "status"),)
    id = Column(Integer, primary_key=True)
    tip_id = Column(Integer, ForeignKey("tips.id"), nullable=False, index=True)
    contact_hash = Column(String(64), nullable=False)
    digest = Column(String(32), nullable=False)  # of the text sent (tip_messages holds it)
    mode = Column(String(16), nullable=False)  # free | template | queued
    # sent | failed | blocked_opted_out (free, template); waiting | sending | delivered |
    # failed | blocked_opted_out | gone (queued)
    status = Column(String(24), nullable=False)
    template = Column(String(40))  # the standard reply sent as a template
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    delivered_at = Column(DateTime(timezone=True))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def last_inbound(session: Session, contact_hash: str) -> Optional[datetime]:
    """When the tipster last wrote on WhatsApp (any message: keywords too), or None."""
    value = session.execute(
        select(func.max(InboundMessage.received_at)).where(
            InboundMessage.channel == SPEC.name, InboundMessage.contact_hash == contact_hash)
    ).scalar()
    return aware(value)


def record_reply(session: Session, tip_id: int, contact_hash: str, text: str, mode: str,
                 status: str, template: Optional[str] = None) -> WhatsAppReply:
    row = WhatsAppReply(tip_id=tip_id, contact_hash=contact_hash, digest=digest(text),
                        mode=mode, status=status, template=template,
                        delivered_at=utcnow() if status == "sent" else None)
    session.add(row)
    return row


def waiting(session: Session, contact_hash: str) -> List[int]:
    """The ids of this tipster's replies held by the window, oldest first."""
    return list(session.execute(
        select(WhatsAppReply.id).where(WhatsAppReply.contact_hash == contact_hash,
                                       WhatsAppReply.status == WAITING)
        .order_by(WhatsAppReply.id)).scalars())


def claim(session: Session, reply_id: int) -> bool:
    """Take a held reply for delivery (False: another process or task took it)."""
    result = session.execute(update(WhatsAppReply).where(
        WhatsAppReply.id == reply_id, WhatsAppReply.status == WAITING).values(status=SENDING))
    return result.rowcount == 1


def reply_for(session: Session, tip_id: int, text: str) -> Optional[WhatsAppReply]:
    """The latest record of the officer reply ``text`` on this tip, if any."""
    return session.execute(
        select(WhatsAppReply).where(WhatsAppReply.tip_id == tip_id,
                                    WhatsAppReply.digest == digest(text))
        .order_by(WhatsAppReply.id.desc()).limit(1)).scalar_one_or_none()
