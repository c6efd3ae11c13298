"""The inbox table (``inbound_messages``) of every channel; parameterised SQL only.

Lifecycle (``status``)::

    received ──claim──> processing ──(effect durable)──> processed
    deferred (over the rate limit) ─┘        │
                                             └─(not handled)──> received + retry_at (back-off)
    failed: given up after the last attempt (requeued later); refused: too long, text not kept

A claim takes a lease (``lease_until``): a message whose process died is released once
the lease has run out. Functions are synchronous (worker threads); each commits on its own
except ``insert``, which runs in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Connection

from bot.inbox.marks import inbox_key
from bot.inbox.text import clean, clean_value
from bot.store.db import get_engine
from bot.store.models import InboundMessage, utcnow

INBOX = InboundMessage.__table__
PENDING = ("received", "deferred")
LEGACY_STALE = timedelta(minutes=5)  # rows claimed before leases existed


@dataclass(frozen=True)
class Pending:
    """An inbound message waiting for (or taken for) its turn."""

    id: int
    channel: str
    external_id: str
    sender: str
    text: str
    media: List[Dict[str, str]]
    meta: Dict[str, Any]
    status: str
    attempts: int
    retry_at: Optional[datetime]
    delayed: bool
    interrupted: bool  # released after its process died: its turn may have run

    @property
    def key(self) -> str:
        """Rasa's ``message_id`` for this message's turn (the actions mark it handled)."""
        return inbox_key(self.id)


def aware(value: Optional[datetime]) -> Optional[datetime]:
    """SQLite gives naive datetimes back: they were stored as UTC."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def known(conn: Connection, channel: str, external_id: str) -> Optional[int]:
    """The id of the message with this provider id (a replay), or None."""
    return conn.execute(select(INBOX.c.id).where(INBOX.c.channel == channel,
                                                 INBOX.c.external_id == external_id)
                        ).scalar()


def insert(conn: Connection, channel: str, external_id: str, sender: str, text: str, *,
           media: Sequence[Dict[str, str]] = (), meta: Optional[Dict[str, Any]] = None,
           status: str = "received") -> int:
    """Store one message (text cleaned: bot/inbox/text.py); its id."""
    result = conn.execute(INBOX.insert().values(
        channel=channel, external_id=external_id, contact_hash=sender, text=clean(text),
        media=list(media), meta=clean_value(meta) if meta else None, status=status,
        attempts=0, received_at=utcnow()))
    return int(result.inserted_primary_key[0])


def _row(row: Any) -> Pending:
    return Pending(row.id, row.channel, row.external_id, row.contact_hash, row.text or "",
                   list(row.media or []), dict(row.meta or {}), row.status, row.attempts or 0,
                   aware(row.retry_at), row.delayed_at is not None,
                   row.status in PENDING and row.lease_until is not None)


def get(message_id: int) -> Optional[Pending]:
    with get_engine().connect() as conn:
        row = conn.execute(select(INBOX).where(INBOX.c.id == message_id)).first()
    return _row(row) if row is not None else None


def next_pending(channel: str, sender: str) -> Optional[Pending]:
    """The sender's oldest waiting message; none while one runs on any replica: order kept."""
    busy = INBOX.alias("busy")
    held = select(busy.c.id).where(busy.c.channel == channel, busy.c.contact_hash == sender,
                                   busy.c.status == "processing", busy.c.lease_until > utcnow())
    with get_engine().connect() as conn:
        row = conn.execute(select(INBOX).where(
            INBOX.c.channel == channel, INBOX.c.contact_hash == sender,
            INBOX.c.status.in_(PENDING), ~held.exists()).order_by(INBOX.c.id).limit(1)).first()
    return _row(row) if row is not None else None


def _update(message_id: int, *conditions: Any, **values: Any) -> bool:
    with get_engine().begin() as conn:
        result = conn.execute(update(INBOX).where(INBOX.c.id == message_id, *conditions)
                              .values(**values))
    return result.rowcount == 1


def claim(message_id: int, lease: timedelta) -> bool:
    """Take a message for its turn (False: another worker has it)."""
    return _update(message_id, INBOX.c.status.in_(PENDING), status="processing",
                   lease_until=utcnow() + lease)


def renew(message_id: int, lease: timedelta) -> None:
    _update(message_id, INBOX.c.status == "processing", lease_until=utcnow() + lease)


def finish(message_id: int) -> None:
    _update(message_id, status="processed", lease_until=None, retry_at=None)


def postpone(message_id: int, attempts: int, retry_at: datetime) -> None:
    """Back to the queue, not to be tried again before ``retry_at``; the marks of the
    failed attempt are forgotten (they prove nothing about the next one)."""
    _update(message_id, status="received", attempts=attempts, retry_at=retry_at,
            lease_until=None, handled_at=None)


def give_up(message_id: int, attempts: int, requeue_at: datetime) -> None:
    """Stop retrying for now (the sender's next messages go on); requeued after
    ``requeue_at`` by the sweep and the recovery job, or at the next start."""
    _update(message_id, status="failed", attempts=attempts, lease_until=None,
            retry_at=requeue_at)


def note_delayed(message_id: int) -> bool:
    """Record that the "delayed" reply goes out; False if it already did (send it once)."""
    return _update(message_id, INBOX.c.delayed_at.is_(None), delayed_at=utcnow())


def is_handled(message_id: int) -> bool:
    with get_engine().connect() as conn:
        return conn.execute(select(INBOX.c.handled_at).where(INBOX.c.id == message_id)
                            ).scalar() is not None


def backlog(channel: str, sender: str) -> int:
    """How many messages of this sender wait for their turn."""
    with get_engine().connect() as conn:
        return int(conn.execute(select(func.count()).select_from(INBOX).where(
            INBOX.c.channel == channel, INBOX.c.contact_hash == sender,
            INBOX.c.status.in_(PENDING + ("processing",)))).scalar() or 0)


def _stale(now: datetime) -> Any:
    return and_(INBOX.c.status == "processing",
                or_(INBOX.c.lease_until < now,
                    and_(INBOX.c.lease_until.is_(None),
                         INBOX.c.received_at < now - LEGACY_STALE)))


def release(channel: Optional[str] = None, include_failed: bool = False,
            all_failed: bool = False) -> List[int]:
    """Put messages whose claim ran out back in the queue, and ``failed`` ones whose
    requeue time has come (``all_failed``: every one, at start).

    Returns the ids of the released ``processing`` ones: their turn may have run before
    the process holding them stopped (``Pending.interrupted``: checked before a rerun).
    """
    now = utcnow()
    where = [_stale(now)] + ([INBOX.c.channel == channel] if channel else [])
    with get_engine().begin() as conn:
        interrupted = list(conn.execute(select(INBOX.c.id).where(*where)).scalars())
        for message_id in interrupted:
            # lease_until stays: "received" with a lease is an interrupted message
            conn.execute(update(INBOX).where(INBOX.c.id == message_id, _stale(now))
                         .values(status="received", lease_until=func.coalesce(
                             INBOX.c.lease_until, INBOX.c.received_at)))
        if include_failed:
            failed = [INBOX.c.status == "failed"] + where[1:]
            if not all_failed:
                failed.append(or_(INBOX.c.retry_at.is_(None), INBOX.c.retry_at <= now))
            conn.execute(update(INBOX).where(*failed)
                         .values(status="received", attempts=0, retry_at=None,
                                 lease_until=None))
    return interrupted


def waiting_senders(channel: str) -> List[str]:
    """Senders with messages waiting for their turn, oldest first."""
    with get_engine().connect() as conn:
        rows = conn.execute(select(INBOX.c.contact_hash, func.min(INBOX.c.id).label("first"))
                            .where(INBOX.c.channel == channel, INBOX.c.status.in_(PENDING))
                            .group_by(INBOX.c.contact_hash).order_by("first")).all()
    return [row.contact_hash for row in rows]
