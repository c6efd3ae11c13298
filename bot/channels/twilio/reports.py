"""Twilio's delivery reports of officers' replies: each part's MessageSid, its message, its status.

An officer reply sent by SMS or WhatsApp is one or more Messages API calls (parts). Each
part handed to Twilio is one ``officer_reply_parts`` row (migration ``0014``), tied to the
officer message of ``tip_messages`` it belongs to once that message is recorded
(``linker``, called by ``bot.outbound`` through ``Delivery.on_recorded``). Twilio's status
callbacks (status.py) then move the part's status forward, never back:

    queued, accepted, scheduled (1) < sending (2) < sent (3)
        < failed, undelivered, canceled (4: final failures) < delivered (5) < read (6)

A report of a lower or equal rank changes nothing (replays, reports out of order); the
first final failure wins over another one; ``delivered`` wins over a failure (a carrier
that reported a failure and then the delivery did deliver). Never the number or the text:
the text is in ``tip_messages`` (retention purges it; ``message_id`` becomes NULL then and
the row, a delivery record, stays). Parameterised SQL only.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Set

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    func,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.store.models import Base, utcnow

RANKS: Dict[str, int] = {
    "queued": 1, "accepted": 1, "scheduled": 1, "sending": 2, "sent": 3,
    "failed": 4, "undelivered": 4, "canceled": 4, "delivered": 5, "read": 6,
}
FAILED = ("failed", "undelivered", "canceled")
UPDATED, UNCHANGED, UNKNOWN = "updated", "unchanged", "unknown"


class ReplyPart(Base):
    """One part of an officer reply as handed to Twilio, and what Twilio last reported."""

    __tablename__ = "officer_reply_parts"
    __table_args__ = (UniqueConstraint("external_id", name="uq_officer_reply_parts_sid"),)
    id = Column(Integer, primary_key=True)
    tip_id = Column(Integer, ForeignKey("tips.id"), nullable=False, index=True)
    # the officer message (NULL once retention purged the conversation)
    message_id = Column(Integer, ForeignKey("tip_messages.id", ondelete="SET NULL"), index=True)
    channel = Column(String(16), nullable=False)  # sms | whatsapp
    attempt = Column(Integer, nullable=False)  # the nth time this reply was handed to Twilio
    part = Column(Integer, nullable=False)  # 1, 2... within the attempt
    parts = Column(Integer, nullable=False)  # how many parts the reply was split into
    external_id = Column(String(64))  # Twilio's MessageSid (NULL: Twilio refused the part)
    status = Column(String(24), nullable=False)  # a key of RANKS
    status_rank = Column(Integer, nullable=False)
    error_code = Column(Integer)  # Twilio's ErrorCode of a failure (30003...)
    callback = Column(Boolean, nullable=False)  # a status callback was asked for
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


PARTS = ReplyPart.__table__


def part_status(status: str) -> str:
    """A part's status as the sender reports it, as stored (a refused part is ``failed``)."""
    return status if status in RANKS else "failed"


def record_parts(session: Session, tip_id: int, message_id: int, channel: str,
                 parts: Sequence[Any], planned: int, callback: bool) -> List[ReplyPart]:
    """Store the parts (``PartResult``s) of one attempt at sending officer message
    ``message_id``; ``planned`` is how many parts the reply was split into."""
    session.flush()
    previous = session.execute(select(func.max(PARTS.c.attempt))
                               .where(PARTS.c.message_id == message_id)).scalar()
    attempt = (previous or 0) + 1
    rows = []
    for index, part in enumerate(parts, 1):
        status = part_status(part.status)
        rows.append(ReplyPart(
            tip_id=tip_id, message_id=message_id, channel=channel, attempt=attempt,
            part=index, parts=max(planned, len(parts)), external_id=part.sid or None,
            status=status, status_rank=RANKS[status],
            error_code=getattr(part, "error_code", None) if status in FAILED else None,
            callback=bool(callback and part.sid)))
    session.add_all(rows)
    return rows


def linker(parts: Sequence[Any], planned: int, channel: str, tip_id: Optional[int],
           callback: bool) -> Optional[Callable[[Session, int], None]]:
    """What ``Delivery.on_recorded`` calls with the officer message's id (None: no parts)."""
    if tip_id is None or not parts:
        return None
    kept = list(parts)

    def link(session: Session, message_id: int) -> None:
        record_parts(session, tip_id, message_id, channel, kept, planned, callback)

    return link


def accepted(session: Session, message_ids: Sequence[int]) -> Set[int]:
    """The officer messages Twilio took whole in one of their attempts (each part of that
    attempt has a MessageSid, whatever Twilio reported since): a job's retry never sends
    them again (bot/jobs/sms.py)."""
    if not message_ids:
        return set()
    return set(session.execute(
        select(PARTS.c.message_id).where(PARTS.c.message_id.in_(list(message_ids)))
        .group_by(PARTS.c.message_id, PARTS.c.attempt)
        .having(func.count(PARTS.c.external_id) >= func.max(PARTS.c.parts))).scalars())


def apply_status(conn: Connection, sid: str, status: str, error_code: Optional[int]) -> str:
    """Twilio reports ``status`` for the part ``sid``: ``updated`` when it moves the part
    forward, ``unchanged`` (a replay, or a report that arrived after a later one),
    ``unknown`` (no part has this MessageSid). One conditional UPDATE: safe when reports
    of the same part are applied at once by several processes."""
    rank = RANKS[status]
    changed = conn.execute(
        update(PARTS).where(PARTS.c.external_id == sid, PARTS.c.status_rank < rank)
        .values(status=status, status_rank=rank, updated_at=utcnow(),
                error_code=error_code if status in FAILED else None)).rowcount
    if changed:
        return UPDATED
    known = conn.execute(select(PARTS.c.id).where(PARTS.c.external_id == sid)).first()
    return UNCHANGED if known is not None else UNKNOWN


def latest_parts(session: Session, message_ids: Sequence[int]) -> Dict[int, List[ReplyPart]]:
    """For each officer message, the parts of its latest attempt, in order."""
    if not message_ids:
        return {}
    rows = session.execute(
        select(ReplyPart).where(ReplyPart.message_id.in_(list(message_ids)))
        .order_by(ReplyPart.message_id, ReplyPart.attempt, ReplyPart.part)).scalars()
    found: Dict[int, List[ReplyPart]] = {}
    for row in rows:
        current = found.get(row.message_id)
        if current and current[0].attempt != row.attempt:  # a later attempt replaces it
            current = None
        found[row.message_id] = (current or []) + [row]
    return found
