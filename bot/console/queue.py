"""The queue view of an officer's agency, its live updates and its CSV export."""

from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, render_template, request, url_for

from bot.console.context import db, login_required, state
from bot.console.cursors import decode_cursor, encode_cursor, live_cursor, pull_changes
from bot.console.display import LANGUAGE_NAMES, category_label, iso
from bot.console.export import csv_response
from bot.console.officers import agency_codes
from bot.console.queries import (
    FILTER_CATEGORIES,
    OPEN_STATUSES,
    URGENCIES,
    TipFilters,
    queue_page,
)
from bot.console.scope import visible_queues
from bot.store.models import CHANNELS, TIP_STATUSES

bp = Blueprint("queue", __name__)
PER_PAGE = 50
MAX_PAGE = 2000


def _page_number() -> int:
    try:
        return min(MAX_PAGE, max(1, int(request.args.get("page", "1"))))
    except ValueError:
        return 1


@bp.route("/")
@login_required
def index():  # type: ignore[no-untyped-def]
    filters = TipFilters.from_args(request.args)
    page = _page_number()
    result = queue_page(db(), g.officer, filters, page, PER_PAGE)
    pages = max(1, -(-result.total // PER_PAGE))
    context = dict(urgent=result.urgent, tips=result.tips, total=result.total,
                   capped=result.capped, page=page, pages=pages, filters=filters,
                   args=filters.query_args())
    if request.args.get("partial") == "1":
        return render_template("_queue_table.html", **context)
    settings = state().settings
    return render_template(
        "queue.html", **context,
        cursor=encode_cursor(live_cursor(settings.settle_seconds)),
        poll_ms=int(settings.poll_seconds * 1000),
        queues=visible_queues(g.officer) or agency_codes(), categories=FILTER_CATEGORIES,
        statuses=TIP_STATUSES, open_statuses=OPEN_STATUSES, urgencies=URGENCIES,
        channels=CHANNELS, languages=sorted(LANGUAGE_NAMES.items(), key=lambda kv: kv[1]),
    )


@bp.route("/queue/changes")
@login_required
def changes():  # type: ignore[no-untyped-def]
    """Tips of the officer's queues changed after ``cursor`` (for the live queue page)."""
    try:
        cursor = decode_cursor(request.args.get("cursor", ""))
    except ValueError:
        abort(400)
    pull = pull_changes(db(), g.officer, TipFilters(status="all"), cursor, 200,
                        state().settings.settle_seconds)
    return jsonify(
        cursor=encode_cursor(pull.next_cursor), more=pull.more,
        changes=[{
            "key": f"{tip.reference}@{iso(tip.updated_at)}",
            "reference": tip.reference, "urgency": tip.urgency, "status": tip.status,
            "queue": tip.queue, "category": category_label(tip.category),
            "place": tip.location_place or "",
            "url": url_for("tips.show", reference=tip.reference),
        } for tip in pull.tips],
    )


@bp.route("/export.csv")
@login_required
def export_csv():  # type: ignore[no-untyped-def]
    filters = TipFilters.from_args(request.args)
    if filters.errors:
        abort(400)
    return csv_response(g.officer.id, g.officer.username, filters)
