"""The SQL pieces of the KPI queries that differ between PostgreSQL and SQLite."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Dict, List, Optional, Sequence

from sqlalchemy import Date, Float, Integer, case, cast, func, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

PERIODS = ("day", "week", "month")
# Delay histograms of the roll-up (bot/console/kpi_rollup.py): bucket 0 is under a minute,
# bucket i (1..64) [EDGES[i-1], EDGES[i]) s, bucket 65 is 90 days or more. The edges grow
# by 20 % (log-spaced from 1 minute to 90 days): a percentile read from the histogram lies
# in the exact value's bucket or the next one (docs/console.md, "KPI dashboard").
EDGES = tuple(sorted({round(60 * 129600 ** (k / 64)) for k in range(65)}))


def day_of(column: ColumnElement, dialect: str) -> ColumnElement:
    """The UTC day of ``column`` as ``2026-05-31`` (a cheap cast: no formatting per row)."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def period_start_of(day: ColumnElement, period: str, dialect: str) -> ColumnElement:
    """``period_start`` in SQL, of a DATE column (the roll-up's days)."""
    if period == "day":
        return day
    if dialect == "postgresql":
        return cast(func.date_trunc(period, day), Date)
    if period == "month":
        return func.date(day, "start of month")
    monday = (cast(func.strftime("%w", day), Integer) + 6) % 7  # %w: 0 is Sunday
    return func.date(day, func.printf("-%d days", monday))


@lru_cache(maxsize=8192)  # a few thousand days at most; called once per row read
def period_of(day: str, period: str) -> str:
    """The period holding the day ``2026-05-31``: that day, its week's Monday or ``2026-05``."""
    start = period_start(date.fromisoformat(day[:10]), period)
    return start.strftime("%Y-%m") if period == "month" else start.isoformat()


def seconds_between(later: ColumnElement, earlier: ColumnElement,
                    dialect: str) -> ColumnElement:
    """``later - earlier`` in seconds (NULL when either is NULL)."""
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier)
    # julianday is a double of days: rounded to the millisecond, its float noise is gone
    return func.round((func.julianday(later) - func.julianday(earlier)) * literal(86400.0), 3)


def bucket_of(seconds: ColumnElement, dialect: str) -> ColumnElement:
    """The histogram bucket of a delay: how many ``EDGES`` are <= it (``bisect_right``)."""
    if dialect == "postgresql":
        return func.width_bucket(cast(seconds, Float),
                                 cast(literal([float(e) for e in EDGES]), ARRAY(Float)))
    return case(*((seconds < edge, index) for index, edge in enumerate(EDGES)),
                else_=len(EDGES))


def bucket(seconds: float) -> int:
    """``bucket_of`` in Python."""
    return bisect_right(EDGES, seconds)


def minutes_up(seconds: ColumnElement, dialect: str) -> ColumnElement:
    """A delay in whole minutes, rounded up (0 for none or less): ``<= N`` iff ``<= 60 N`` s."""
    if dialect == "postgresql":
        return cast(func.greatest(func.ceil(seconds / 60), 0), Integer)
    whole = cast(seconds / 60.0, Integer)  # SQLite truncates
    return case((seconds <= 0, 0), else_=whole + case((seconds / 60.0 > whole, 1), else_=0))


def histogram_percentile(counts: Dict[int, int], fraction: float) -> Optional[float]:
    """``percentile`` of delays counted per bucket: the two delays it falls between are
    each placed in their bucket as if its delays were evenly spread (the last, open bucket:
    at its lower edge), so it is off by at most the width of their buckets."""
    total = sum(counts.values())
    if not total:
        return None
    rank = fraction * (total - 1)
    low = int(rank)
    below, above = (_order_statistic(counts, low),
                    _order_statistic(counts, min(low + 1, total - 1)))
    return below + (above - below) * (rank - low)


def _order_statistic(counts: Dict[int, int], rank: int) -> float:
    seen = 0
    for index in sorted(counts):
        if seen + counts[index] > rank:
            low = float(EDGES[index - 1]) if index else 0.0
            if index >= len(EDGES):
                return low
            return low + (EDGES[index] - low) * (rank - seen + 0.5) / counts[index]
        seen += counts[index]
    raise ValueError(f"rank {rank} beyond {seen} delays")


def percentile(values: Sequence[float], fraction: float) -> Optional[float]:
    """PostgreSQL's ``percentile_cont``: linear interpolation between the closest ranks."""
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def period_start(day: date, period: str) -> date:
    if period == "month":
        return day.replace(day=1)
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day


def period_labels(start: datetime, end: datetime, period: str) -> List[str]:
    """Every period label from ``start`` up to (not including) ``end``, oldest first."""
    labels: List[str] = []
    day = period_start(start.date(), period)
    last = (end - timedelta(microseconds=1)).date()
    while day <= last:
        labels.append(day.strftime("%Y-%m") if period == "month" else day.isoformat())
        if period == "month":
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            day += timedelta(days=7 if period == "week" else 1)
    return labels


def period_for(start: datetime, end: datetime) -> str:
    """Days up to two months, weeks up to about a year, months beyond."""
    days = (end - start).days
    return "day" if days <= 62 else "week" if days <= 400 else "month"
