"""Tables of the tips store (SQLAlchemy 1.4 declarative, 2.0-style usage)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

from bot.channels.registry import channel_names

Base = declarative_base()

TIP_STATUSES = ("new", "triaged", "assigned", "actioned", "closed", "rerouted", "duplicate")
CHANNELS = channel_names()  # the values of every ``channel`` column (bot/channels/registry.py)


def utcnow() -> datetime:
    """Timezone-aware now, stored as UTC."""
    return datetime.now(UTC)


class Contact(Base):
    """A tipster's address, known only by its keyed hash; the clear address is encrypted."""

    __tablename__ = "contacts"
    id = Column(Integer, primary_key=True)
    channel = Column(String(16), nullable=False)
    contact_hash = Column(String(64), nullable=False, unique=True)
    address_encrypted = Column(Text)  # Fernet token; NULL once the tipster asked to be forgotten
    opted_out = Column(Boolean, nullable=False, default=False)
    language = Column(String(8))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)


class Tip(Base):
    """One tip as routed to an agency queue."""

    __tablename__ = "tips"
    id = Column(Integer, primary_key=True)
    reference = Column(String(12), nullable=False, unique=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(16), nullable=False)
    language = Column(String(8), nullable=False)
    language_confidence = Column(Float)
    original_text = Column(Text, nullable=False)
    translated_text = Column(Text)
    translation_status = Column(String(16), nullable=False, default="not_needed")
    category = Column(String(32), nullable=False)
    category_confidence = Column(Float)
    urgency = Column(String(8), nullable=False, default="normal")
    queue = Column(String(32), nullable=False)
    status = Column(String(16), nullable=False, default="new")
    location_text = Column(Text)
    location_side = Column(String(8), nullable=False, default="unknown")
    location_place = Column(String(128))
    location_lat = Column(Float)
    location_lon = Column(Float)
    incident_time = Column(Text)
    entities = Column(JSON, nullable=False, default=list)
    assigned_to = Column(String(64))
    duplicate_of_id = Column(Integer, ForeignKey("tips.id"))
    # Rasa's message id of the turn that created the tip ("inbox-<id>" for every channel
    # message): a turn run again after a crash or an outage returns this tip, not a new one
    inbound_id = Column(String(64))
    # keyed hash of the tipster's secret receipt (bot/receipts.py), never the receipt itself
    receipt_hash = Column(String(64))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    messages = relationship("TipMessage", back_populates="tip", order_by="TipMessage.id")
    routing = relationship("RoutingDecision", back_populates="tip", order_by="RoutingDecision.id")
    attachments = relationship("Attachment", back_populates="tip", order_by="Attachment.id")

    __table_args__ = (
        Index("ix_tips_queue_status_created", "queue", "status", "created_at"),
        Index("ix_tips_translation_status", "translation_status"),
        # console queue views and the API's incremental pulls (migration 0004)
        Index("ix_tips_queue_created", "queue", "created_at"),
        Index("ix_tips_urgency_created", "urgency", "created_at"),
        Index("ix_tips_updated_id", "updated_at", "id"),
        Index("ix_tips_duplicate_of", "duplicate_of_id"),
        Index("uq_tips_inbound_id", "inbound_id", unique=True),
        Index("uq_tips_receipt_hash", "receipt_hash", unique=True),
    )


class TipMessage(Base):
    """A message of a tip's conversation, in either direction."""

    __tablename__ = "tip_messages"
    id = Column(Integer, primary_key=True)
    tip_id = Column(Integer, ForeignKey("tips.id"), nullable=False, index=True)
    direction = Column(String(8), nullable=False)  # in | out
    author = Column(String(16), nullable=False)  # tipster | bot | officer
    text = Column(Text, nullable=False)
    translated_text = Column(Text)
    language = Column(String(8))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    tip = relationship("Tip", back_populates="messages")


class RoutingDecision(Base):
    """Why a tip went to its queue (one row per routing or re-routing)."""

    __tablename__ = "routing_decisions"
    id = Column(Integer, primary_key=True)
    tip_id = Column(Integer, ForeignKey("tips.id"), nullable=False, index=True)
    category = Column(String(32), nullable=False)
    side = Column(String(8), nullable=False)
    on_water = Column(Boolean, nullable=False, default=False)
    queue = Column(String(32), nullable=False)
    rule = Column(Text, nullable=False)
    decided_by = Column(String(64), nullable=False, default="router")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    tip = relationship("Tip", back_populates="routing")


class Attachment(Base):
    """A media item sent with a tip (URL and type; bytes fetched only if configured)."""

    __tablename__ = "attachments"
    id = Column(Integer, primary_key=True)
    tip_id = Column(Integer, ForeignKey("tips.id"), nullable=False, index=True)
    url = Column(Text, nullable=False)
    content_type = Column(String(128))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    tip = relationship("Tip", back_populates="attachments")


class AuditEntry(Base):
    """Append-only audit log: inserts only (enforced by database triggers)."""

    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    tip_id = Column(Integer, ForeignKey("tips.id"), index=True)
    actor = Column(String(64), nullable=False)
    action = Column(String(32), nullable=False)
    before = Column(JSON)
    after = Column(JSON)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class InboundMessage(Base):
    """Every message accepted from a channel, before its turn: idempotency and no loss.

    ``contact_hash`` is the channel's sender key (SMS: keyed hash of the number; web chat:
    the random session id; REST: the sender id). Lifecycle in ``bot/inbox/store.py``.
    """

    __tablename__ = "inbound_messages"
    id = Column(Integer, primary_key=True)
    channel = Column(String(16), nullable=False)
    external_id = Column(String(64), nullable=False)
    contact_hash = Column(String(64), nullable=False, index=True)
    text = Column(Text, nullable=False, default="")
    media = Column(JSON, nullable=False, default=list)
    meta = Column(JSON)  # the turn's metadata (web chat: shared location, interface language)
    # received | deferred | processing | processed | failed | refused (bot/inbox/store.py)
    status = Column(String(16), nullable=False, default="received")
    attempts = Column(Integer, nullable=False, default=0, server_default="0")
    retry_at = Column(DateTime(timezone=True))  # not retried before (back-off)
    lease_until = Column(DateTime(timezone=True))  # a processing claim expires then
    handled_at = Column(DateTime(timezone=True))  # set by the actions: the effect is durable
    delayed_at = Column(DateTime(timezone=True))  # the "delayed" reply went out (once)
    received_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_inbound_external"),
        Index("ix_inbound_channel_status", "channel", "status"),
    )
