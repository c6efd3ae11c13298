"""CSV export of a filtered tip list, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any, Iterable, Iterator, List

from flask import Response, stream_with_context
from sqlalchemy import select

from bot.console.context import db, state
from bot.console.display import iso
from bot.console.models import Officer
from bot.console.queries import TipFilters
from bot.store.models import Tip
from bot.store.tips import audit

COLUMNS = [
    "reference", "created_at", "updated_at", "channel", "language", "category", "urgency",
    "queue", "status", "assigned_to", "location_text", "location_side", "location_place",
    "incident_time", "original_text", "translated_text", "translation_status",
]
# A cell starting with one of these is run as a formula by spreadsheet programs
# (CSV/formula injection): such cells get a leading apostrophe and are shown as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def neutralise(value: Any) -> str:
    """The cell text of ``value``, never starting (even after spaces) like a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text


def tip_row(tip: Tip) -> List[str]:
    values = {name: getattr(tip, name) for name in COLUMNS}
    values["created_at"], values["updated_at"] = iso(tip.created_at), iso(tip.updated_at)
    return [neutralise(values[name]) for name in COLUMNS]


def csv_lines(tips: Iterable[Tip]) -> Iterator[str]:
    """The header, then one CSV record per tip (RFC 4180 quoting, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(COLUMNS)
    yield flush()
    for tip in tips:
        writer.writerow(tip_row(tip))
        yield flush()


def csv_response(officer_id: int, actor: str, filters: TipFilters) -> Response:
    """A streamed CSV download of the tips ``filters`` selects for the officer (audited)."""
    audit(db(), None, actor, "csv_export", None, {"filters": filters.query_args()})
    db().commit()
    sessions = state().sessions

    def generate() -> Iterator[str]:
        with sessions() as session:
            officer = session.get(Officer, officer_id)
            query = (filters.apply(select(Tip), officer)
                     .order_by(Tip.created_at.desc(), Tip.id.desc())
                     .execution_options(yield_per=1000))
            yield from csv_lines(session.execute(query).scalars())

    name = f"tips-{datetime.now(UTC):%Y%m%d-%H%M}.csv"
    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
