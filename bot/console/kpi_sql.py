"""The SQL pieces of the KPI queries that differ between PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import List, Optional, Sequence

from sqlalchemy import Date, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

PERIODS = ("day", "week", "month")


def day_of(column: ColumnElement, dialect: str) -> ColumnElement:
    """The UTC day of ``column`` as ``2026-05-31`` (a cheap cast: no formatting per row)."""
    if dialect == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


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
