"""Filters and ordering of tip lists (queue page, live updates, API, CSV).

Every value from a request reaches the database as a bound parameter; text search
escapes LIKE wildcards so ``%``, ``_`` and ``\\`` match themselves.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import List, Mapping, Optional

from sqlalchemy import and_, func, not_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.console.models import Officer
from bot.console.scope import scoped
from bot.routing.rules import CATEGORIES, UNKNOWN_CATEGORY
from bot.store.models import CHANNELS, TIP_STATUSES, Tip

OPEN_STATUSES = ("new", "triaged", "assigned", "actioned", "rerouted")
URGENCIES = ("high", "normal")
# Categories an officer can filter on: the routing rules' and ``unknown`` (not placed by the NLU).
FILTER_CATEGORIES = tuple(dict.fromkeys((*CATEGORIES, UNKNOWN_CATEGORY)))
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
        # Coded values are exact (no trimming): what the API description lists, nothing else.
        status = args.get("status") or default_status
        if status in ("open", "all", *TIP_STATUSES):
            f.status = status
        else:
            f.errors.append(f"unknown status {status!r}")
        for name, allowed in (("category", FILTER_CATEGORIES), ("urgency", URGENCIES),
                              ("channel", CHANNELS), ("assigned", ("me", "unassigned"))):
            value = args.get(name) or ""
            if value and value not in allowed:
                f.errors.append(f"unknown {name} {value!r}")
            elif value:
                setattr(f, name, value)
        # ASCII before case mapping: "K" (Kelvin) lowers to "k", "ß" uppers to "SS".
        raw_language, raw_queue = args.get("language") or "", args.get("queue") or ""
        language = raw_language.lower()
        if language and not (raw_language.isascii() and language.isalpha()
                             and len(language) <= 8):
            f.errors.append(f"unknown language {language!r}")
        else:
            f.language = language
        queue = raw_queue.upper()
        if queue and not (raw_queue.isascii() and all(c.isalnum() or c == "_" for c in queue)):
            f.errors.append(f"unknown queue {queue!r}")
        else:
            f.queue = queue
        f.q = " ".join((args.get("q") or "").split())[:MAX_SEARCH]
        for name in ("date_from", "date_to"):
            value = args.get(name) or args.get(name.replace("date_", "")) or ""
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
        """``query`` (over tips) restricted to the officer's queues (and the tips shared with
        the officer's agency) and these filters."""
        query = scoped(query, officer, shared=True)
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
        if self.date_to and self.date_to < date.max:  # the last day there is: no upper bound
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
