"""The KPI dashboard's tables: per-tip milestones (migration 0010) and the daily roll-up (0012).

A trigger on ``audit_log`` (migration ``0010``) records, for each tip, the first officer
action (triage), the first assignment to someone, the first closure (``closed`` or marked a
duplicate) and whether it was ever re-routed or had its category corrected. The dashboard
then reads one narrow row per tip instead of grouping the audit log.

The daily roll-up (bot/console/kpi_rollup.py) adds up the tips received each UTC day per
queue, so that long periods read a few rows per day instead of every tip.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
)

from bot.console.kpi_sql import EDGES
from bot.store.models import Base

BUCKET_COLUMNS = tuple(f"b{i:02d}" for i in range(len(EDGES) + 1))


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


class KpiRollup(Base):
    """One row (id 1): the roll-up holds every tip received on days [first_day, end_day) as
    they were at ``changes_from``; a tip changed since (``updated_at``) is read live."""

    __tablename__ = "kpi_rollup"
    id = Column(Integer, primary_key=True)
    first_day = Column(Date, nullable=False)
    end_day = Column(Date, nullable=False)
    changes_from = Column(DateTime(timezone=True), nullable=False)
    refreshed_at = Column(DateTime(timezone=True), nullable=False)


class KpiDaily(Base):
    """Per day, queue and language: tips, triaged, re-routed, duplicates, urgent, corrected."""

    __tablename__ = "kpi_daily"
    day = Column(Date, primary_key=True)
    queue = Column(String(32), primary_key=True)
    language = Column(String(8), primary_key=True)
    tips = Column(Integer, nullable=False)
    triaged = Column(Integer, nullable=False)
    rerouted = Column(Integer, nullable=False)
    duplicates = Column(Integer, nullable=False)
    urgent = Column(Integer, nullable=False)
    corrected = Column(Integer, nullable=False)


class KpiDailyValue(Base):
    """Tips per day, queue and value of a dimension (category, language, channel, queue, side)."""

    __tablename__ = "kpi_daily_values"
    day = Column(Date, primary_key=True)
    queue = Column(String(32), primary_key=True)
    dimension = Column(String(16), primary_key=True)
    value = Column(String(32), primary_key=True)
    tips = Column(Integer, nullable=False)


class KpiDailyDelay(Base):
    """Per day, queue and milestone: a histogram of the tips' delays, ``b00`` to ``b65`` the
    tips per bucket (``EDGES`` of bot/console/kpi_sql.py), one row read instead of 66."""

    __table__ = Table(
        "kpi_daily_delays", Base.metadata,
        Column("day", Date, primary_key=True), Column("queue", String(32), primary_key=True),
        Column("milestone", String(16), primary_key=True),
        *(Column(name, Integer, nullable=False) for name in BUCKET_COLUMNS))


class KpiDailyUrgent(Base):
    """Urgent tips per day, queue, language and minutes to first triage (rounded up, at most
    a day): "triaged within N minutes" is exact for any N of the form."""

    __tablename__ = "kpi_daily_urgent"
    day = Column(Date, primary_key=True)
    queue = Column(String(32), primary_key=True)
    language = Column(String(8), primary_key=True)
    minute = Column(SmallInteger, primary_key=True)
    tips = Column(Integer, nullable=False)
