"""Tables of inter-agency sharing, related-tip links, escalations and tip vectors (0010)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)

from bot.store.models import Base, utcnow

LINK_KINDS = ("related",)  # a duplicate is Tip.duplicate_of_id (bot/console/workflow.py)


class TipShare(Base):
    """Read access (and notes) for another agency; active while ``revoked_at`` is NULL."""

    __tablename__ = "tip_shares"
    id = Column(Integer, primary_key=True)
    tip_id = Column(Integer, ForeignKey("tips.id"), nullable=False, index=True)
    agency = Column(String(32), nullable=False)  # the queue code it is shared with
    reason = Column(Text, nullable=False)
    shared_by = Column(String(64), nullable=False)
    shared_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    revoked_by = Column(String(64))
    revoked_at = Column(DateTime(timezone=True))
    __table_args__ = (Index("ix_tip_shares_agency_revoked", "agency", "revoked_at"),)


class TipLink(Base):
    """Two tips an officer linked as being about the same thing (``low_id < high_id``)."""

    __tablename__ = "tip_links"
    id = Column(Integer, primary_key=True)
    low_id = Column(Integer, ForeignKey("tips.id"), nullable=False)
    high_id = Column(Integer, ForeignKey("tips.id"), nullable=False, index=True)
    kind = Column(String(16), nullable=False, default="related")
    score = Column(Float)  # the related-tips score when it was linked (None: by hand)
    created_by = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    __table_args__ = (UniqueConstraint("low_id", "high_id", name="uq_tip_links_pair"),)


class Escalation(Base):
    """An urgent tip left unclaimed too long; unique per tip, so it fires once."""

    __tablename__ = "escalations"
    id = Column(Integer, primary_key=True)
    tip_id = Column(Integer, ForeignKey("tips.id"), nullable=False, unique=True)
    agency = Column(String(32), nullable=False, index=True)
    threshold_minutes = Column(Integer, nullable=False)
    escalated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # pending | sent | failed | off (no webhook configured)
    webhook_status = Column(String(16), nullable=False, default="pending")
    webhook_attempts = Column(Integer, nullable=False, default=0)
    webhook_sent_at = Column(DateTime(timezone=True))


class TipVector(Base):
    """A tip's sentence vector (float32 bytes) from ``model``, for the related tips."""

    __tablename__ = "tip_vectors"
    tip_id = Column(Integer, ForeignKey("tips.id"), primary_key=True)
    model = Column(String(128), nullable=False)
    vector = Column(LargeBinary, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
