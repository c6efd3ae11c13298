"""Filters, ordering and cursors of tip lists (queue page, live updates, API, CSV).

Every value from a request reaches the database as a bound parameter; text search
escapes LIKE wildcards so ``%``, ``_`` and ``\\`` match themselves.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import List, Mapping, Optional, Sequence

from sqlalchemy import and_, func, not_, or_, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.console.models import Officer
from bot.console.scope import scoped
from bot.routing.rules import CATEGORIES
from bot.store.models import CHANNELS, TIP_STATUSES, Tip

OPEN_STATUSES = ("new", "triaged", "assigned", "actioned", "rerouted")
URGENCIES = ("high", "normal")
MAX_SEARCH = 200


def as_utc(moment: Optional[datetime]) -> Optional[datetime]:
    """Aware UTC datetime (SQLite gives back naive values stored in UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def like_pattern(words: str) -> str:
    """``%words%`` with LIKE wildcards and the escape character taken literally."""
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass
class TipFilters:
    """What an officer asked to see; ``errors`` lists values that were refused."""

    status: str = "open"  # open | all | one status
    category: str = ""
    language: str = ""
    urgency: str = ""
    channel: str = ""
    queue: str = ""
    assigned: str = ""  # "" | me | unassigned
    q: str = ""
    date_from: Optional[date] = None
    date_to: Optional[date] = None
    errors: List[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Mapping[str, str], default_status: str = "open") -> TipFilters:
        f = cls(status=default_status)
        status = (args.get("status") or default_status).strip()
        if status in ("open", "all", *TIP_STATUSES):
            f.status = status
        else:
            f.errors.append(f"unknown status {status!r}")
        for name, allowed in (("category", CATEGORIES), ("urgency", URGENCIES),
                              ("channel", CHANNELS), ("assigned", ("me", "unassigned"))):
            value = (args.get(name) or "").strip()
            if value and value not in allowed:
                f.errors.append(f"unknown {name} {value!r}")
            elif value:
                setattr(f, name, value)
        language = (args.get("language") or "").strip().lower()
        if language and not (language.isalpha() and len(language) <= 8):
            f.errors.append(f"unknown language {language!r}")
        else:
            f.language = language
        queue = (args.get("queue") or "").strip().upper()
        if queue and not all(c.isalnum() or c == "_" for c in queue):
            f.errors.append(f"unknown queue {queue!r}")
        else:
            f.queue = queue
        f.q = " ".join((args.get("q") or "").split())[:MAX_SEARCH]
        for name in ("date_from", "date_to"):
            value = (args.get(name) or args.get(name.replace("date_", "")) or "").strip()
            if value:
                try:
                    setattr(f, name, date.fromisoformat(value))
                except ValueError:
                    f.errors.append(f"{name} must be a date like 2024-05-31")
        return f

    def query_args(self) -> dict:
        """The non-default filters as query-string arguments (for links and exports)."""
        out = {k: (v.isoformat() if isinstance(v, date) else v)
               for k, v in asdict(self).items() if k != "errors" and v}
        return out

    def apply(self, query: Select, officer: Officer) -> Select:
        """``query`` (over tips) restricted to the officer's queues and these filters."""
        query = scoped(query, officer)
        if self.status == "open":
            query = query.where(Tip.status.in_(OPEN_STATUSES))
        elif self.status != "all":
            query = query.where(Tip.status == self.status)
        for name in ("category", "language", "urgency", "channel", "queue"):
            value = getattr(self, name)
            if value:
                query = query.where(getattr(Tip, name) == value)
        if self.assigned == "me":
            query = query.where(Tip.assigned_to == officer.username)
        elif self.assigned == "unassigned":
            query = query.where(Tip.assigned_to.is_(None))
        if self.q:
            pattern = like_pattern(self.q)
            query = query.where(or_(Tip.original_text.ilike(pattern, escape="\\"),
                                    Tip.translated_text.ilike(pattern, escape="\\")))
        if self.date_from:
            query = query.where(Tip.created_at >= datetime.combine(self.date_from, time(),
                                                                   tzinfo=UTC))
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time(), tzinfo=UTC)
            query = query.where(Tip.created_at < end)
        return query


URGENT_OPEN = and_(Tip.urgency == "high", Tip.status.in_(OPEN_STATUSES))
MAX_URGENT = 100
COUNT_CAP = 10_000


@dataclass
class QueuePage:
    """Urgent open tips (pinned on the first page), then the others newest first."""

    urgent: List[Tip]
    tips: List[Tip]
    total: int  # tips of the list below the pinned ones, counted up to COUNT_CAP
    capped: bool


def urgent_query(filters: TipFilters, officer: Officer) -> Select:
    return (filters.apply(select(Tip), officer).where(URGENT_OPEN)
            .order_by(Tip.created_at.desc(), Tip.id.desc()).limit(MAX_URGENT))


def list_query(filters: TipFilters, officer: Officer) -> Select:
    """The queue below the pinned urgent tips: newest first (an index scan on created_at)."""
    return (filters.apply(select(Tip), officer).where(not_(URGENT_OPEN))
            .order_by(Tip.created_at.desc(), Tip.id.desc()))


def queue_page(session: Session, officer: Officer, filters: TipFilters, page: int,
               per_page: int) -> QueuePage:
    """One page of the queue view."""
    urgent = session.execute(urgent_query(filters, officer)).scalars().all() if page == 1 else []
    rows = session.execute(
        list_query(filters, officer).limit(per_page).offset((page - 1) * per_page)
    ).scalars().all()
    # Counting every match of a broad filter costs more than the page itself: stop at a cap.
    matches = filters.apply(select(Tip.id), officer).where(not_(URGENT_OPEN)).limit(COUNT_CAP + 1)
    total = session.execute(select(func.count()).select_from(matches.subquery())).scalar_one()
    return QueuePage(list(urgent), list(rows), min(total, COUNT_CAP), total > COUNT_CAP)


# --- incremental pulls ----------------------------------------------------------------
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


def encode_cursor(cursor: Cursor) -> str:
    parts = [as_utc(cursor.moment).isoformat(), str(cursor.tip_id)]
    if cursor.started:
        parts.append(as_utc(cursor.started).isoformat())
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode().rstrip("=")


def decode_cursor(value: str) -> Cursor:
    """A cursor from ``encode_cursor``, or an ISO 8601 time (tips changed at or after it)."""
    value = (value or "").strip()
    try:
        return Cursor(as_utc(datetime.fromisoformat(value.replace("Z", "+00:00"))))
    except ValueError:
        pass
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        parts = raw.split("|")
        if len(parts) not in (2, 3):
            raise ValueError(raw)
        started = as_utc(datetime.fromisoformat(parts[2])) if len(parts) == 3 else None
        return Cursor(as_utc(datetime.fromisoformat(parts[0])), int(parts[1]), started)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("since must be a cursor from a previous answer or an ISO 8601 time"
                         ) from exc


@dataclass
class Pull:
    tips: List[Tip]
    next_cursor: Cursor
    more: bool


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
