"""The supervisors' KPI dashboard: its page, its CSV export and the charting library it uses.

An officer sees the queues of their agency (and the shared ones), as on the queue page;
an administrator sees the whole team, or one agency chosen in the form.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Iterator, List, Optional, Tuple

from flask import Blueprint, Response, abort, g, render_template, request

from bot.channels.webchat.assets import node_modules
from bot.console.context import db, login_required
from bot.console.export import neutralise
from bot.console.kpi import URGENT_MINUTES, Dashboard, KpiScope
from bot.console.kpi_rollup_read import dashboard
from bot.console.kpi_sql import period_for
from bot.console.officers import agency_codes
from bot.console.scope import visible_queues
from bot.store.tips import audit

bp = Blueprint("dashboard", __name__)
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366
CHART_JS = "chart.js/dist/chart.umd.min.js"  # web/package.json, scripts/install-web.sh


@bp.app_template_filter("duration")
def duration(seconds: Optional[float]) -> str:
    """``95 s``, ``12 min``, ``3.5 h``, ``2.1 d``; a dash when nothing reached the step."""
    if seconds is None:
        return "–"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h" if seconds < 172800 else f"{seconds / 86400:.1f} d"


@dataclass
class Form:
    """The dashboard's choices, checked; ``errors`` lists what was refused."""

    date_from: date
    date_to: date
    agency: str
    minutes: int
    errors: List[str]


def read_form(today: date) -> Form:
    args, errors = request.args, []
    dates = {}
    for name, default in (("from", today - timedelta(days=DEFAULT_DAYS - 1)), ("to", today)):
        try:
            dates[name] = date.fromisoformat(args.get(name) or default.isoformat())
        except ValueError:
            errors.append(f"{name} must be a date like 2024-05-31")
            dates[name] = default
    if dates["from"] > dates["to"]:
        errors.append("the first day comes after the last")
        dates["from"] = dates["to"]
    if (dates["to"] - dates["from"]).days > MAX_DAYS:
        errors.append(f"at most {MAX_DAYS} days at a time")
        dates["from"] = dates["to"] - timedelta(days=MAX_DAYS)
    try:
        minutes = min(24 * 60, max(1, int(args.get("minutes") or URGENT_MINUTES)))
    except ValueError:
        errors.append("minutes must be a whole number")
        minutes = URGENT_MINUTES
    agency = (args.get("agency") or "").upper()
    return Form(dates["from"], dates["to"], agency, minutes, errors)


def scope_for(form: Form) -> Tuple[KpiScope, Optional[Tuple[str, ...]]]:
    """The KPI scope of the signed-in officer's form; 404 for an agency they cannot see."""
    visible = visible_queues(g.officer)
    queues = visible
    if form.agency:
        if form.agency not in agency_codes() or (visible is not None
                                                 and form.agency not in visible):
            abort(404)
        queues = (form.agency,)
    start = datetime.combine(form.date_from, time(), tzinfo=UTC)
    end = datetime.combine(form.date_to + timedelta(days=1), time(), tzinfo=UTC)
    return KpiScope(start, end, period_for(start, end), queues), visible


@bp.route("/dashboard")
@login_required
def index():  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    form = read_form(now.date())
    scope, visible = scope_for(form)
    data = dashboard(db(), scope, form.minutes, now)
    agencies = list(agency_codes()) if visible is None else list(visible)
    return render_template("dashboard.html", form=form, scope=scope, data=data,
                           agencies=agencies, chart_data=chart_data(data))


def chart_data(data: Dashboard) -> dict:
    """What static/dashboard.js draws (embedded as JSON, never as script)."""
    return {"periods": data.periods, "series": data.series,
            "durations": [[name, d["median"], d["p90"]] for name, d in data.durations.items()],
            "corrections": [[c["language"], c["corrected"], c["triaged"]]
                            for c in data.corrections]}


def csv_rows(scope: KpiScope, data: Dashboard, minutes: int) -> Iterator[List[object]]:
    """Long format: metric, period, key, value (one figure per line)."""
    yield ["metric", "period", "key", "value"]
    yield ["scope", "", "queues", " ".join(scope.queues) if scope.queues else "all"]
    yield ["scope", "", "from", scope.start.date().isoformat()]
    yield ["scope", "", "to", (scope.end - timedelta(days=1)).date().isoformat()]
    for dimension, values in data.series.items():
        for key, counts in values.items():
            for period, count in zip(data.periods, counts, strict=True):
                yield [f"tips_by_{dimension}", period, key, count]
    for name, figures in data.durations.items():
        for stat in ("median", "p90", "n"):
            yield [f"time_to_{name}_seconds", "", stat, figures[stat]]
    for name, value in data.totals.items():
        yield ["count", "", name, value]
    yield ["urgent_minutes", "", "", minutes]
    for row in data.corrections:
        for stat in ("tips", "triaged", "corrected"):
            yield ["category_corrections", "", f"{row['language']}:{stat}", row[stat]]
    yield ["satisfaction", "", "mean", data.satisfaction["mean"] if data.satisfaction else ""]


@bp.route("/dashboard.csv")
@login_required
def export():  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    form = read_form(now.date())
    scope, _ = scope_for(form)
    data = dashboard(db(), scope, form.minutes, now)
    audit(db(), None, g.officer.username, "kpi_export", None,
          {"queues": list(scope.queues) if scope.queues else None,
           "from": form.date_from.isoformat(), "to": form.date_to.isoformat()})
    db().commit()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in csv_rows(scope, data, form.minutes):
        writer.writerow([neutralise(value) for value in row])
    name = f"kpi-{form.date_from:%Y%m%d}-{form.date_to:%Y%m%d}.csv"
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@lru_cache(maxsize=1)
def _chart_library() -> bytes:
    path = node_modules() / CHART_JS
    if not path.is_file():
        raise RuntimeError(f"{path} is missing: run scripts/install-web.sh")
    text = path.read_text(encoding="utf-8")
    return text.replace("//# sourceMappingURL=chart.umd.min.js.map", "").encode("utf-8")


@bp.route("/dashboard/chart.js")
def chart_library():  # type: ignore[no-untyped-def]
    """Chart.js from the tip line's own npm cache (never a CDN)."""
    return Response(_chart_library(), mimetype="application/javascript")
