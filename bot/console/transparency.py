"""The public transparency report: monthly aggregates with small counts suppressed.

Suppression (docs/console.md, "Transparency report"): every count below k (zero included)
is shown as "< k"; a month whose total is below k shows no figure at all; when a month row
has exactly one suppressed cell, its smallest published cell is suppressed too, so no
suppressed count can be worked out from the month's total. Response times of a month are
published only when at least k tips of that month reached the milestone. The days the
daily roll-up holds are read from it (bot/console/kpi_rollup_read.py): the counts stay
exact, the medians then come from its delay histograms (within a bucket).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Dict, List, Optional, Tuple

from flask import Blueprint, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.console.context import db, state
from bot.console.kpi import DIMENSIONS, KpiScope, milestones
from bot.console.kpi_models import KpiDailyValue
from bot.console.kpi_rollup_read import Split, histograms, split
from bot.console.kpi_sql import (
    day_of,
    histogram_percentile,
    percentile,
    period_labels,
    period_of,
    period_start_of,
)
from bot.store.models import Tip

bp = Blueprint("transparency", __name__)
MONTHS = 12
TABLES = ("category", "language", "channel")
STEPS = ("triage", "closure")
CACHE_SECONDS = 600  # a public page: the figures are computed at most once per 10 minutes
_cache: Dict[Tuple[str, int, str], Tuple[float, Report]] = {}


@dataclass
class Table:
    """Counts per month (rows) and value (columns); None marks a suppressed cell."""

    name: str
    columns: List[str]
    rows: Dict[str, Dict[str, Optional[int]]]
    totals: Dict[str, Optional[int]]


@dataclass
class Report:
    k: int
    months: List[str]
    tables: List[Table]
    response: Dict[str, Dict[str, Optional[float]]]  # month -> milestone -> median seconds


def suppress(counts: Dict[str, Dict[str, int]], columns: List[str],
             k: int) -> Tuple[Dict[str, Dict[str, Optional[int]]], Dict[str, Optional[int]]]:
    """Rows of ``counts`` with primary (< k) and complementary suppression, and row totals."""
    rows: Dict[str, Dict[str, Optional[int]]] = {}
    totals: Dict[str, Optional[int]] = {}
    for row, cells in counts.items():
        full = {c: int(cells.get(c, 0)) for c in columns}
        total = sum(full.values())
        shown: Dict[str, Optional[int]] = {c: (v if v >= k else None) for c, v in full.items()}
        if total < k:
            shown, total_shown = {c: None for c in columns}, None
        else:
            total_shown = total
            hidden = [c for c in columns if shown[c] is None]
            published = sorted((v, c) for c, v in shown.items() if v is not None)
            if len(hidden) == 1 and published:
                shown[published[0][1]] = None  # the complement: the smallest published cell
        rows[row], totals[row] = shown, total_shown
    return rows, totals


def _counts(session: Session, scope: KpiScope, dimension: str) -> Dict[str, Dict[str, int]]:
    day = day_of(Tip.created_at, session.get_bind().dialect.name)
    column = DIMENSIONS[dimension]
    out: Dict[str, Dict[str, int]] = {}
    for day_value, value, count in session.execute(
            select(day, column, func.count()).where(*scope.conditions())
            .group_by(day, column)):
        cells = out.setdefault(period_of(str(day_value), "month"), {})
        cells[value or "unknown"] = cells.get(value or "unknown", 0) + count
    return out


def _response(session: Session, scope: KpiScope, k: int) -> Dict[str, Dict[str, Optional[float]]]:
    """Median delays per month, published only when at least ``k`` tips reached the step."""
    dialect = session.get_bind().dialect.name
    m = milestones(scope, dialect)
    out: Dict[str, Dict[str, Optional[float]]] = {}
    if dialect == "postgresql":
        month = func.date_trunc("month", func.timezone("UTC", m.c.created_at))
        for label, *figures in session.execute(select(
                month, *(f(m.c[name]) for name in STEPS for f in (
                    lambda c: func.percentile_cont(0.5).within_group(c), func.count))
                ).group_by(month)):
            out[f"{label:%Y-%m}"] = {name: float(figures[2 * i]) if figures[2 * i + 1] >= k
                                     else None for i, name in enumerate(STEPS)}
        return out
    values: Dict[str, Dict[str, List[float]]] = {}
    for day_value, *delays in session.execute(
            select(day_of(m.c.created_at, dialect), *(m.c[name] for name in STEPS))):
        entry = values.setdefault(period_of(str(day_value), "month"), {n: [] for n in STEPS})
        for name, value in zip(STEPS, delays, strict=True):
            if value is not None:
                entry[name].append(float(value))
    return {label: {name: (percentile(v, 0.5) if len(v) >= k else None)
                    for name, v in entry.items()} for label, entry in values.items()}


def _all_counts(session: Session, scope: KpiScope,
                part: Split) -> Dict[str, Dict[str, Dict[str, int]]]:
    """Per table: month -> value -> tips, from the roll-up's days and the live rest."""
    out: Dict[str, Dict[str, Dict[str, int]]] = {name: {} for name in TABLES}
    if part.first is not None:
        v = KpiDailyValue
        month = period_start_of(v.day, "month", session.get_bind().dialect.name)
        for dimension, start, value, count in session.execute(
                select(v.dimension, month, v.value, func.sum(v.tips))
                .where(*part.where(v, None), v.dimension.in_(TABLES))
                .group_by(v.dimension, month, v.value)):
            cells = out[dimension].setdefault(period_of(str(start), "month"), {})
            cells[value] = cells.get(value, 0) + int(count)
    if part.live is not None:
        for name in TABLES:
            for label, live in _counts(session, part.live, name).items():
                cells = out[name].setdefault(label, {})
                for value, count in live.items():
                    cells[value] = cells.get(value, 0) + count
    return out


def _histogram_response(session: Session, part: Split,
                        k: int) -> Dict[str, Dict[str, Optional[float]]]:
    """Median delays per month from the roll-up's histograms and the live rest."""
    out: Dict[str, Dict[str, Optional[float]]] = {}
    for (label, name), counts in histograms(session, part, None, STEPS, "month").items():
        out.setdefault(str(label), dict.fromkeys(STEPS))[name] = (
            histogram_percentile(counts, 0.5) if sum(counts.values()) >= k else None)
    return out


def build_report(session: Session, k: int, now: datetime) -> Report:
    """The last ``MONTHS`` months (this one included) of every tip, suppressed for ``k``."""
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _ in range(MONTHS - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    scope = KpiScope(start=first, end=now + timedelta(seconds=1), period="month")
    months = period_labels(scope.start, scope.end, "month")
    part = split(session, scope, now)
    tables = []
    for name, counts in _all_counts(session, scope, part).items():
        columns = sorted({c for cells in counts.values() for c in cells})
        rows, totals = suppress({m: counts.get(m, {}) for m in months}, columns, k)
        tables.append(Table(name, columns, rows, totals))
    response = (_response(session, scope, k) if part.first is None
                else _histogram_response(session, part, k))
    return Report(k, months, tables, response)


def cached_report(session: Session, k: int) -> Report:
    now = datetime.now(UTC)
    key = (str(session.get_bind().url), k, now.strftime("%Y-%m"))
    hit = _cache.get(key)
    if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    report = build_report(session, k, now)
    _cache.clear()
    _cache[key] = (time.monotonic(), report)
    return report


@bp.route("/transparency")
def report():  # type: ignore[no-untyped-def]
    """Public: no sign-in, only aggregates (never a tip, a place or an officer)."""
    k = max(1, state().settings.transparency_k)
    return render_template("transparency.html", report=cached_report(db(), k))
