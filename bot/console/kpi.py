"""KPI queries of the supervisors' dashboard, aggregated in SQL over tips and their milestones.

Definitions (docs/console.md, "KPI dashboard"): a tip's first triage is the first audit
entry of an officer action on it (status change, claim or assignment, re-route, duplicate
marking, category correction); its assignment the first claim or assignment to someone;
its closure the first move to ``closed`` or marking as a duplicate. The database keeps them
in ``tip_milestones`` (bot/console/kpi_models.py) from the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Sequence, Tuple

from sqlalchemy import and_, case, column, func, inspect, or_, select, table
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.elements import ColumnElement

from bot.console.kpi_models import TipMilestones
from bot.console.kpi_sql import day_of, percentile, period_labels, period_of, seconds_between
from bot.store.models import Tip

DIMENSIONS = {"category": Tip.category, "language": Tip.language, "channel": Tip.channel,
              "queue": Tip.queue, "side": Tip.location_side}
MILESTONES = ("triage", "assignment", "closure")
URGENT_MINUTES = 15


Range = Tuple[datetime, datetime]


def received_in(ranges: Sequence[Range]) -> ColumnElement:
    """Tips received in one of the [start, end) ranges."""
    return or_(*(and_(Tip.created_at >= a, Tip.created_at < b) for a, b in ranges))


@dataclass(frozen=True)
class KpiScope:
    """Tips created in [start, end) in ``queues`` (None: every queue), bucketed by ``period``;
    ``ranges``: only those received in these parts of it (bot/console/kpi_rollup_read.py)."""

    start: datetime
    end: datetime
    period: str
    queues: Optional[Tuple[str, ...]] = None
    ranges: Optional[Tuple[Range, ...]] = None

    def conditions(self) -> list:
        where = [Tip.created_at >= self.start, Tip.created_at < self.end]
        if self.ranges is not None:
            where.append(received_in(self.ranges))
        if self.queues is not None:
            where.append(Tip.queue.in_(self.queues))
        return where


@dataclass
class Dashboard:
    """Every figure of the dashboard for one scope."""

    periods: List[str]
    series: Dict[str, Dict[str, List[int]]]  # dimension -> value -> count per period
    totals: Dict[str, int]
    durations: Dict[str, Dict[str, Optional[float]]]  # milestone -> median, p90 (s), n
    corrections: List[Dict[str, object]] = field(default_factory=list)
    satisfaction: Optional[Dict[str, float]] = None


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def series(session: Session, scope: KpiScope, dimension: str) -> Dict[str, List[int]]:
    """Tips per period for each value of ``dimension`` (zeros where there were none)."""
    column = DIMENSIONS[dimension]
    day = day_of(Tip.created_at, _dialect(session)).label("day")  # weeks, months: in Python
    rows = session.execute(
        select(day, column, func.count()).where(*scope.conditions()).group_by(day, column)
    ).all()
    periods = period_labels(scope.start, scope.end, scope.period)
    index = {p: i for i, p in enumerate(periods)}
    out: Dict[str, List[int]] = {}
    for day_value, value, count in rows:
        period = period_of(str(day_value), scope.period)
        if period in index:
            out.setdefault(value or "unknown", [0] * len(periods))[index[period]] += count
    return dict(sorted(out.items(), key=lambda item: -sum(item[1])))


def milestones(scope: KpiScope, dialect: str) -> Subquery:
    """One row per tip of the scope: its milestones' delays in seconds and its flags."""
    m = TipMilestones
    return (
        select(Tip.id, Tip.language, Tip.urgency, Tip.status, Tip.created_at,
               seconds_between(m.triaged_at, Tip.created_at, dialect).label("triage"),
               seconds_between(m.assigned_at, Tip.created_at, dialect).label("assignment"),
               seconds_between(m.closed_at, Tip.created_at, dialect).label("closure"),
               case((m.rerouted, 1), else_=0).label("rerouted"),
               case((m.corrected, 1), else_=0).label("corrected"))
        # every milestone of a tip comes after its receipt: the second condition is implied,
        # and lets PostgreSQL read only the recent milestones (ix_tip_milestones_triaged)
        .select_from(Tip)
        .outerjoin(m, and_(m.tip_id == Tip.id, m.triaged_at >= min(
            [a for a, _ in scope.ranges or ()] or [scope.start])))
        .where(*scope.conditions())
    ).subquery("milestones")


def durations(session: Session, scope: KpiScope) -> Dict[str, Dict[str, Optional[float]]]:
    """Median and 90th percentile (seconds) of each milestone, over the tips that reached it."""
    dialect = _dialect(session)
    m = milestones(scope, dialect)
    if dialect == "postgresql":
        columns = []
        for name in MILESTONES:
            col = m.c[name]
            columns += [func.percentile_cont(0.5).within_group(col),
                        func.percentile_cont(0.9).within_group(col), func.count(col)]
        row = session.execute(select(*columns)).one()
        return {name: {"median": _num(row[3 * i]), "p90": _num(row[3 * i + 1]),
                       "n": row[3 * i + 2]} for i, name in enumerate(MILESTONES)}
    rows = session.execute(select(*(m.c[name] for name in MILESTONES))).all()
    out = {}
    for i, name in enumerate(MILESTONES):
        values = [float(r[i]) for r in rows if r[i] is not None]
        out[name] = {"median": percentile(values, 0.5), "p90": percentile(values, 0.9),
                     "n": len(values)}
    return out


def _num(value: object) -> Optional[float]:
    return None if value is None else float(value)  # type: ignore[arg-type]


COUNTS = ("tips", "triaged", "rerouted", "duplicates", "urgent", "urgent_due",
          "urgent_in_time", "corrected")


def per_language(session: Session, scope: KpiScope, urgent_minutes: int,
                 now: datetime) -> Dict[str, Dict[str, int]]:
    """Per language: tips, triaged, re-routed, duplicates, urgent (due, in time), corrected."""
    m = milestones(scope, _dialect(session))
    # an urgent tip counts once its N minutes are over (a newer one is not late yet)
    due = and_(m.c.urgency == "high", m.c.created_at <= now - timedelta(minutes=urgent_minutes))

    def total(condition) -> object:  # type: ignore[no-untyped-def]
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    rows = session.execute(select(
        m.c.language, func.count(), func.count(m.c.triage), func.sum(m.c.rerouted),
        total(m.c.status == "duplicate"), total(m.c.urgency == "high"), total(due),
        total(and_(due, m.c.triage <= urgent_minutes * 60)), func.sum(m.c.corrected),
    ).group_by(m.c.language)).all()
    return {language or "unknown": {name: int(value or 0)
                                    for name, value in zip(COUNTS, values, strict=True)}
            for language, *values in rows}


def totals(by_language: Dict[str, Dict[str, int]]) -> Dict[str, int]:
    """The counts behind the rates, over every language."""
    return {name: sum(row[name] for row in by_language.values()) for name in COUNTS}


def corrections(by_language: Dict[str, Dict[str, int]]) -> List[Dict[str, object]]:
    """Per language, most tips first: tips, triaged, corrected and the NLU's accuracy."""
    out: List[Dict[str, object]] = []
    for language, row in sorted(by_language.items(), key=lambda item: (-item[1]["tips"],
                                                                       item[0])):
        accuracy = (1 - row["corrected"] / row["triaged"]) if row["triaged"] else None
        out.append({"language": language, "tips": row["tips"], "triaged": row["triaged"],
                    "corrected": row["corrected"], "accuracy": accuracy})
    return out


FEEDBACK_TABLES = ("tip_feedback", "feedback")


def satisfaction(session: Session, scope: KpiScope) -> Optional[Dict[str, float]]:
    """Mean feedback score of the scope's tips, once a feedback table with scores exists."""
    inspector = inspect(session.get_bind())
    for name in FEEDBACK_TABLES:
        if not inspector.has_table(name):
            continue
        columns = {c["name"] for c in inspector.get_columns(name)}
        if {"tip_id", "score"} <= columns:
            feedback = table(name, column("tip_id"), column("score"))
            row = session.execute(
                select(func.avg(feedback.c.score), func.count(feedback.c.score))
                .select_from(feedback.join(Tip, Tip.id == feedback.c.tip_id))
                .where(*scope.conditions())).one()
            if row[1]:
                return {"mean": float(row[0]), "n": int(row[1])}
    return None

