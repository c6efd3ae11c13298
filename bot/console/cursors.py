"""Cursors of incremental pulls of tips, in (updated_at, id) order."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import List, Optional, Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from bot.console.models import Officer
from bot.console.queries import TipFilters, as_utc
from bot.store.models import Tip

# Tips are read in (updated_at, id) order, a page at a time. A writer stamps updated_at
# before it commits, so a tip can become visible after tips with a later stamp were read.
# Pages follow each other exactly (``more``); the cursor that ends a pull is set back to
# ``settle`` seconds before the pull started, so the next pull reads again whatever could
# have committed late (consumers upsert by reference) and nothing is skipped.


@dataclass(frozen=True)
class Cursor:
    """A position in (updated_at, id) order; ``started`` is set inside a paginated pull."""

    moment: datetime
    tip_id: int = 0
    started: Optional[datetime] = None


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TIP_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits that a 64-bit column can hold


def encode_cursor(cursor: Cursor) -> str:
    parts = [as_utc(cursor.moment).isoformat(), str(cursor.tip_id)]
    if cursor.started:
        parts.append(as_utc(cursor.started).isoformat())
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode().rstrip("=")


def _moment(text: str) -> datetime:
    """An ISO 8601 time in UTC, no earlier than the epoch (nothing changed before it)."""
    try:
        return max(EPOCH, as_utc(datetime.fromisoformat(text.replace("Z", "+00:00"))))
    except OverflowError as exc:  # a year 1 or 9999 time that UTC cannot hold
        raise ValueError(text) from exc


def decode_cursor(value: str) -> Cursor:
    """A cursor from ``encode_cursor``, or an ISO 8601 time (tips changed at or after it)."""
    value = (value or "").strip()
    try:
        return Cursor(_moment(value))
    except ValueError:
        pass
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        parts = raw.split("|")
        if len(parts) not in (2, 3) or not TIP_ID.fullmatch(parts[1]):
            raise ValueError(raw)
        started = _moment(parts[2]) if len(parts) == 3 else None
        return Cursor(_moment(parts[0]), int(parts[1]), started)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("since must be a cursor from a previous answer or an ISO 8601 time"
                         ) from exc


@dataclass
class Pull:
    tips: List[Tip]
    next_cursor: Cursor
    more: bool


def pull_changes(session: Session, officer: Officer, filters: TipFilters,
                 cursor: Optional[Cursor], limit: int, settle_seconds: float,
                 now: Optional[datetime] = None) -> Pull:
    """Tips changed after ``cursor`` (oldest change first) and the cursor to continue from."""
    cursor = cursor or Cursor(EPOCH)
    started = cursor.started or now or datetime.now(UTC)
    rows: Sequence[Tip] = session.execute(
        filters.apply(select(Tip), officer)
        .where(tuple_(Tip.updated_at, Tip.id) > tuple_(cursor.moment, cursor.tip_id))
        .order_by(Tip.updated_at, Tip.id).limit(limit + 1)
    ).scalars().all()
    page = list(rows[:limit])
    last = ((as_utc(page[-1].updated_at), page[-1].id) if page
            else (cursor.moment, cursor.tip_id))
    if len(rows) > limit:
        return Pull(page, Cursor(last[0], last[1], started), more=True)
    safe = (started - timedelta(seconds=settle_seconds), 0)
    end = min(last, safe)
    return Pull(page, Cursor(end[0], end[1]), more=False)


def live_cursor(settle_seconds: float, now: Optional[datetime] = None) -> Cursor:
    """Where a live view starts: the settle window before now."""
    return Cursor((now or datetime.now(UTC)) - timedelta(seconds=settle_seconds))
