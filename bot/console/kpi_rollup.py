"""The KPI roll-up: the tips of each UTC day added up per queue, recomputed by a job.

``refresh`` recomputes, in one transaction, the days from ``since`` to yesterday and every older
day holding a tip changed since the last refresh (``tips.updated_at``); ``rebuild`` recomputes
every day. A tip counts on the day it was received, as on the dashboard; its milestones come later,
which is why the job recomputes a window of recent days (``TIPLINE_JOBS_KPI_ROLLUP_DAYS``, 35)
every ``TIPLINE_JOBS_KPI_ROLLUP_MINUTES`` (10). The dashboard and the transparency report read the
roll-up for the days it holds and the live tables for the others (bot/console/kpi_rollup_read.py).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Dict, Iterable, List, Optional, Sequence

from sqlalchemy import and_, case, delete, func, insert, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from bot.console.kpi import DIMENSIONS, MILESTONES, Range, received_in
from bot.console.kpi_models import (
    BUCKET_COLUMNS,
    KpiDaily,
    KpiDailyDelay,
    KpiDailyUrgent,
    KpiDailyValue,
    KpiRollup,
    TipMilestones,
)
from bot.console.kpi_sql import bucket_of, day_of, minutes_up, seconds_between
from bot.store.models import Tip

TABLES = (KpiDaily, KpiDailyValue, KpiDailyDelay, KpiDailyUrgent)
URGENT_MAX_MINUTES = 24 * 60  # the dashboard's largest N (bot/console/dashboard.py)


@dataclass
class Refreshed:
    """What a refresh did: the days recomputed and the days the roll-up now holds."""

    days: int
    first_day: str
    end_day: str
    seconds: float


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def as_date(value: object) -> date:
    """The UTC day of what the database returns: a time, a date or ``2026-05-31`` (SQLite)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo is None else value.astimezone(UTC)).date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def merge_ranges(ranges: Iterable[Range]) -> List[Range]:
    """[start, end) ranges sorted, empty ones dropped, overlapping or touching ones merged."""
    out: List[Range] = []
    for start, end in sorted(r for r in ranges if r[0] < r[1]):
        if out and out[-1][1] >= start:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def day_ranges(days: Iterable[date]) -> List[Range]:
    """The days as [start, end) times, consecutive days merged."""
    return merge_ranges((midnight(day), midnight(day + timedelta(days=1))) for day in days)


def _value(column: Any) -> Any:
    return func.coalesce(func.nullif(column, ""), "unknown")  # as ``value or "unknown"``


def per_tip(dialect: str, ranges: Sequence[Range]) -> Subquery:
    """One row per tip received in ``ranges``: its day, dimensions, flags and delays (s)."""
    m = TipMilestones
    return (
        select(day_of(Tip.created_at, dialect).label("day"), Tip.queue.label("queue"),
               *(_value(c).label(n) for n, c in DIMENSIONS.items() if n != "queue"),
               Tip.urgency, Tip.status,
               *(seconds_between(at, Tip.created_at, dialect).label(name) for name, at in
                 zip(MILESTONES, (m.triaged_at, m.assigned_at, m.closed_at), strict=True)),
               case((m.rerouted, 1), else_=0).label("rerouted"),
               case((m.corrected, 1), else_=0).label("corrected"))
        # as in kpi.milestones: a milestone comes after the tip's receipt (index on triaged_at)
        .select_from(Tip).outerjoin(m, and_(m.tip_id == Tip.id, m.triaged_at >= ranges[0][0]))
        .where(received_in(ranges))
    ).subquery("per_tip")


def _fill(session: Session, ranges: Sequence[Range]) -> None:
    dialect = session.get_bind().dialect.name
    t = per_tip(dialect, ranges)

    def flag(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    session.execute(insert(KpiDaily).from_select(
        ["day", "queue", "language", "tips", "triaged", "rerouted", "duplicates", "urgent",
         "corrected"],
        select(t.c.day, t.c.queue, t.c.language, func.count(), func.count(t.c.triage),
               func.sum(t.c.rerouted), flag(t.c.status == "duplicate"),
               flag(t.c.urgency == "high"), func.sum(t.c.corrected))
        .group_by(t.c.day, t.c.queue, t.c.language)))
    for name in DIMENSIONS:
        session.execute(insert(KpiDailyValue).from_select(
            ["day", "queue", "dimension", "value", "tips"],
            select(t.c.day, t.c.queue, literal(name), t.c[name], func.count())
            .group_by(t.c.day, t.c.queue, t.c[name])))
    for name in MILESTONES:
        b = select(t.c.day, t.c.queue, bucket_of(t.c[name], dialect).label("bucket")).where(
            t.c[name].isnot(None)).subquery("b")
        n = select(b.c.day, b.c.queue, b.c.bucket, func.count().label("n")).group_by(
            b.c.day, b.c.queue, b.c.bucket).subquery("n")  # then one column per bucket
        session.execute(insert(KpiDailyDelay).from_select(
            ["day", "queue", "milestone", *BUCKET_COLUMNS],
            select(n.c.day, n.c.queue, literal(name),
                   *(func.sum(case((n.c.bucket == i, n.c.n), else_=0))
                     for i in range(len(BUCKET_COLUMNS))))
            .group_by(n.c.day, n.c.queue)))
    u = select(t.c.day, t.c.queue, t.c.language, minutes_up(t.c.triage, dialect).label(
        "minute")).where(t.c.urgency == "high", t.c.triage.isnot(None)).subquery("u")
    session.execute(insert(KpiDailyUrgent).from_select(
        ["day", "queue", "language", "minute", "tips"],
        select(u.c.day, u.c.queue, u.c.language, u.c.minute, func.count())
        .where(u.c.minute <= URGENT_MAX_MINUTES)
        .group_by(u.c.day, u.c.queue, u.c.language, u.c.minute)))


def changed_days(session: Session, since: datetime, first: date, end: date) -> List[date]:
    """Days in [first, end) holding a tip changed at or after ``since``."""
    day = day_of(Tip.created_at, session.get_bind().dialect.name)
    rows = session.execute(select(day).distinct().where(
        Tip.updated_at >= since, Tip.created_at >= midnight(first),
        Tip.created_at < midnight(end))).scalars()
    return sorted(as_date(value) for value in rows)


def state(session: Session, lock: bool = False) -> Optional[KpiRollup]:
    query = select(KpiRollup).where(KpiRollup.id == 1)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def refresh(session: Session, since: date, now: datetime, settle: timedelta) -> Refreshed:
    """Recompute the days from ``since`` to yesterday (UTC) and the older days changed since
    the last refresh; ``settle`` is how late a change may commit after its ``updated_at``."""
    started, today = time.perf_counter(), now.astimezone(UTC).date()
    current = state(session, lock=True)
    if current is None:  # never filled: every day since the first tip
        first_tip = session.execute(select(func.min(Tip.created_at))).scalar()
        first = since = min(as_date(first_tip), today) if first_tip else today
        changed: List[date] = []
    else:
        first, since = min(current.first_day, since), min(since, current.end_day)
        changed = changed_days(session, current.changes_from, first, since)
    since = min(since, today)
    for model in TABLES:
        session.execute(delete(model).where(or_(model.day >= since, model.day.in_(changed))))
    days = changed + [since + timedelta(days=i) for i in range((today - since).days)]
    if days:
        _fill(session, day_ranges(days))
    row = current or KpiRollup(id=1)
    row.first_day, row.end_day = first, today
    row.changes_from, row.refreshed_at = now - settle, now
    session.add(row)
    session.flush()
    return Refreshed(len(days), first.isoformat(), today.isoformat(),
                     round(time.perf_counter() - started, 3))


def rebuild(session: Session, now: datetime, settle: timedelta) -> Refreshed:
    """Recompute every day from the first tip's."""
    for model in (KpiRollup, *TABLES):
        session.execute(delete(model))
    return refresh(session, now.astimezone(UTC).date(), now, settle)


def run(rebuild_all: bool = False, days: Optional[int] = None) -> Dict[str, Any]:
    """The job and ``tipline kpi-rollup``: refresh the last ``days`` (the setting by default)
    or rebuild, committed."""
    from bot.settings import get_settings
    from bot.store.db import session_scope

    settings = get_settings()
    window = settings.jobs.kpi_rollup_days if days is None else days
    settle = timedelta(seconds=settings.console.settle_seconds)
    now = datetime.now(UTC)
    with session_scope() as session:
        if rebuild_all:
            done = rebuild(session, now, settle)
        else:
            done = refresh(session, now.date() - timedelta(days=window), now, settle)
    return asdict(done)
