"""The dashboard's figures from the daily roll-up for the days it holds, live for the others.

``split`` cuts a scope in two: the whole UTC days the roll-up holds (bot/console/kpi_rollup.py)
and whose tips did not change since its last refresh, read from ``kpi_daily*``; the rest
(today, days after the last refresh, changed days, the partial days at the ends, days too
recent for the urgent KPI) read live with the queries of bot/console/kpi.py. Counts are
exact either way; per day (up to 62 days) the medians and p90 stay exact, over longer
periods they come from the delay histograms (within a bucket: docs/console.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Dict, List, Optional, Sequence, Tuple

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from bot.console import kpi
from bot.console import kpi_models as rolled
from bot.console.kpi import COUNTS, DIMENSIONS, MILESTONES, Dashboard, KpiScope
from bot.console.kpi_rollup import changed_days, day_ranges, merge_ranges, midnight, state
from bot.console.kpi_sql import (
    bucket_of,
    day_of,
    histogram_percentile,
    period_labels,
    period_of,
    period_start_of,
)
from bot.store.models import Tip

Histogram = Dict[int, int]  # bucket -> tips
Key = Tuple[Optional[str], str]  # (period label or None, milestone)


@dataclass(frozen=True)
class Split:
    """Roll-up days [first, end) but ``changed`` (none: ``first`` None); ``live``: the rest."""

    first: Optional[date]
    end: Optional[date]
    changed: Tuple[date, ...]
    live: Optional[KpiScope]

    def where(self, model: Any, queues: Optional[Sequence[str]]) -> list:
        where = [model.day >= self.first, model.day < self.end]
        if self.changed:
            where.append(model.day.notin_(self.changed))
        if queues is not None:
            where.append(model.queue.in_(queues))
        return where


def split(session: Session, scope: KpiScope, now: datetime, minutes: int = 0) -> Split:
    """Where each part of ``scope`` is read from; an urgent tip of a roll-up day must be due
    (received ``minutes`` before ``now``), so the last day or two may be read live."""
    current = state(session)
    start, end = scope.start.astimezone(UTC), scope.end.astimezone(UTC)
    if current is None:
        return Split(None, None, (), scope)
    first = max(start.date() + timedelta(days=0 if start == midnight(start.date()) else 1),
                current.first_day)
    last = min(end.date(), current.end_day, (now - timedelta(minutes=minutes)).date())
    if first >= last:
        return Split(None, None, (), scope)
    changed = changed_days(session, current.changes_from, first, last)
    ranges = [(midnight(last), end), *day_ranges(changed)]
    # before the roll-up's first day: read only if a tip was imported there since (cheap)
    if start < midnight(first) and session.execute(select(Tip.id).where(
            Tip.created_at >= start, Tip.created_at < midnight(first)).limit(1)).first():
        ranges.append((start, midnight(first)))
    ranges = tuple(merge_ranges(ranges))
    return Split(first, last, tuple(changed), replace(scope, ranges=ranges) if ranges else None)


def _add(into: Dict[str, List[int]], values: Dict[str, List[int]]) -> None:
    for key, counts in values.items():
        row = into.setdefault(key, [0] * len(counts))
        for i, count in enumerate(counts):
            row[i] += count


def series(session: Session, scope: KpiScope, part: Split) -> Dict[str, Dict[str, List[int]]]:
    """Tips per period for each value of each dimension (``kpi.series`` for every one)."""
    periods = period_labels(scope.start, scope.end, scope.period)
    index = {p: i for i, p in enumerate(periods)}
    out: Dict[str, Dict[str, List[int]]] = {name: {} for name in DIMENSIONS}
    if part.first is not None:
        v = rolled.KpiDailyValue
        start = period_start_of(v.day, scope.period, session.get_bind().dialect.name)
        for dimension, day, value, count in session.execute(
                select(v.dimension, start, v.value, func.sum(v.tips))
                .where(*part.where(v, scope.queues)).group_by(v.dimension, start, v.value)):
            period = period_of(str(day), scope.period)
            if dimension in out and period in index:
                out[dimension].setdefault(value, [0] * len(periods))[index[period]] += count
    if part.live is not None:
        for name in DIMENSIONS:
            _add(out[name], kpi.series(session, part.live, name))
    return {name: dict(sorted(values.items(), key=lambda item: -sum(item[1])))
            for name, values in out.items()}


def per_language(session: Session, scope: KpiScope, part: Split, minutes: int,
                 now: datetime) -> Dict[str, Dict[str, int]]:
    """``kpi.per_language``: the roll-up's days (every urgent tip due) plus the live rest."""
    out = kpi.per_language(session, part.live, minutes, now) if part.live else {}
    if part.first is None:
        return out
    d, u = rolled.KpiDaily, rolled.KpiDailyUrgent
    names = ("tips", "triaged", "rerouted", "duplicates", "urgent", "corrected")
    rows = session.execute(select(d.language, *(func.sum(getattr(d, n)) for n in names))
                           .where(*part.where(d, scope.queues)).group_by(d.language))
    in_time = dict(session.execute(select(u.language, func.sum(u.tips)).where(
        *part.where(u, scope.queues), u.minute <= minutes).group_by(u.language)).all())
    for language, *values in rows:
        row = out.setdefault(language, dict.fromkeys(COUNTS, 0))
        for name, value in zip(names, values, strict=True):
            row[name] += int(value or 0)
        row["urgent_due"] += int(values[names.index("urgent")] or 0)
        row["urgent_in_time"] += int(in_time.get(language) or 0)
    return out


def histograms(session: Session, part: Split, queues: Optional[Sequence[str]],
               names: Sequence[str], period: Optional[str] = None) -> Dict[Key, Histogram]:
    """Delay histograms per (period label or None, milestone), summed in SQL: the roll-up's
    days, then the live rest bucketed by ``bucket_of``."""
    dialect = session.get_bind().dialect.name
    out: Dict[Key, Histogram] = {}
    if part.first is not None:
        d = rolled.KpiDailyDelay
        keys = [period_start_of(d.day, period, dialect)] if period else []
        for row in session.execute(
                select(*keys, d.milestone,
                       *(func.sum(getattr(d, c)) for c in rolled.BUCKET_COLUMNS))
                .where(*part.where(d, queues), d.milestone.in_(names))
                .group_by(*keys, d.milestone)):
            label = period_of(str(row[0]), period) if period else None
            name, counts = row[len(keys)], row[len(keys) + 1:]
            out[(label, name)] = {i: int(n) for i, n in enumerate(counts) if n}
    if part.live is not None:
        m = kpi.milestones(part.live, dialect).element.cte("live")
        day = day_of(m.c.created_at, dialect) if period else literal("")
        u = union_all(*(select(literal(name).label("milestone"), day.label("day"),
                               bucket_of(m.c[name], dialect).label("bucket"))
                        .where(m.c[name].isnot(None)) for name in names)).subquery("u")
        for name, day_value, index, n in session.execute(
                select(u.c.milestone, u.c.day, u.c.bucket, func.count())
                .group_by(u.c.milestone, u.c.day, u.c.bucket)):
            counts = out.setdefault((period_of(str(day_value), period) if period else None,
                                     name), {})
            counts[index] = counts.get(index, 0) + n
    return out


def durations(session: Session, scope: KpiScope,
              part: Split) -> Dict[str, Dict[str, Optional[float]]]:
    """Exact per day or without a roll-up (``kpi.durations``), else from the histograms."""
    if part.first is None or scope.period == "day":
        return kpi.durations(session, scope)
    found = histograms(session, part, scope.queues, MILESTONES)
    out: Dict[str, Dict[str, Optional[float]]] = {}
    for name in MILESTONES:
        h = found.get((None, name), {})
        out[name] = {"median": histogram_percentile(h, 0.5),
                     "p90": histogram_percentile(h, 0.9), "n": sum(h.values())}
    return out


def dashboard(session: Session, scope: KpiScope, urgent_minutes: int,
              now: datetime) -> Dashboard:
    """Every figure of the dashboard for ``scope``."""
    part = split(session, scope, now, urgent_minutes)
    by_language = per_language(session, scope, part, urgent_minutes, now)
    return Dashboard(
        periods=period_labels(scope.start, scope.end, scope.period),
        series=series(session, scope, part),
        totals=kpi.totals(by_language),
        durations=durations(session, scope, part),
        corrections=kpi.corrections(by_language),
        satisfaction=kpi.satisfaction(session, scope),
    )
