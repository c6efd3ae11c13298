"""Agency scoping: which queues an officer may see. Every view and API call goes through here."""

from __future__ import annotations

from typing import Optional, Tuple

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.console.models import Officer
from bot.routing.router import get_router
from bot.store.models import Tip
from bot.store.sharing import TipShare


def shared_queues() -> Tuple[str, ...]:
    """Queues every agency sees (``shared: true`` in the routing rules: IBET_JOINT)."""
    return tuple(code for code, spec in get_router().table.queues.items() if spec.shared)


def visible_queues(officer: Officer) -> Optional[Tuple[str, ...]]:
    """The queues ``officer`` may see; None means every queue (an administrator)."""
    if officer.is_admin:
        return None
    own = (officer.agency,) if officer.agency else ()
    return tuple(dict.fromkeys(own + shared_queues()))


def can_see_queue(officer: Officer, queue: str) -> bool:
    queues = visible_queues(officer)
    return queues is None or queue in queues


def scoped(query: Select, officer: Officer, shared: bool = False) -> Select:
    """``query`` over tips restricted to the officer's queues; ``shared`` (reading only):
    also the tips another agency shares with the officer's (bot/console/sharing.py)."""
    queues = visible_queues(officer)
    if queues is None:
        return query
    if shared and officer.agency:
        shares = select(TipShare.tip_id).where(TipShare.agency == officer.agency,
                                               TipShare.revoked_at.is_(None))
        return query.where(or_(Tip.queue.in_(queues), Tip.id.in_(shares)))
    return query.where(Tip.queue.in_(queues))


def get_tip(session: Session, officer: Officer, reference: str,
            for_update: bool = False, shared: bool = False) -> Optional[Tip]:
    """The tip ``reference`` if the officer may see it (None otherwise: no existence leak);
    ``shared``: also a tip shared with the officer's agency (reading and notes only)."""
    query = scoped(select(Tip).where(Tip.reference == (reference or "").strip().upper()),
                   officer, shared)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()
