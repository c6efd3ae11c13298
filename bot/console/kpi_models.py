"""The per-tip milestones of the KPI dashboard (migration 0011), kept by the database itself.

A trigger on ``audit_log`` inserts (``0011_kpi``) records, for each tip, the first officer
action (triage), the first assignment to someone, the first closure (``closed`` or marked a
duplicate) and whether it was ever re-routed or had its category corrected. The dashboard
then reads one narrow row per tip instead of grouping the audit log.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer

from bot.store.models import Base


class TipMilestones(Base):
    """Derived from the append-only audit log by a trigger; never written by the application."""

    __tablename__ = "tip_milestones"
    tip_id = Column(Integer, ForeignKey("tips.id"), primary_key=True)
    triaged_at = Column(DateTime(timezone=True))
    assigned_at = Column(DateTime(timezone=True))
    closed_at = Column(DateTime(timezone=True))
    rerouted = Column(Boolean, nullable=False, default=False)
    corrected = Column(Boolean, nullable=False, default=False)
    # a tip received since a day was triaged since that day: the dashboard's join reads
    # only the recent rows (bot/console/kpi.py)
    __table_args__ = (Index("ix_tip_milestones_triaged", "triaged_at"),)
