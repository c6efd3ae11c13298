"""Repository functions for tips: create, route, annotate, list. Parameterised SQL only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Dict, Iterator, List, Optional, Sequence

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.routing.router import RoutingResult
from bot.store.models import Attachment, AuditEntry, RoutingDecision, Tip, TipMessage
from bot.store.references import new_reference


@dataclass
class NewTip:
    """What the intake knows about a tip when it is first stored."""

    conversation_id: str
    channel: str
    language: str
    language_confidence: Optional[float]
    original_text: str
    translated_text: Optional[str]
    translation_status: str
    category: str
    category_confidence: Optional[float]
    entities: List[Dict[str, Any]] = field(default_factory=list)
    incident_time: Optional[str] = None
    attachments: List[Dict[str, str]] = field(default_factory=list)
    inbound_id: Optional[str] = None  # Rasa's message id of the turn: one tip per message


def audit(session: Session, tip: Optional[Tip], actor: str, action: str,
          before: Optional[dict] = None, after: Optional[dict] = None) -> None:
    """Append one entry to the audit log."""
    session.add(AuditEntry(tip_id=tip.id if tip else None, actor=actor, action=action,
                           before=before, after=after))


def tip_for_inbound(session: Session, inbound_id: Optional[str]) -> Optional[Tip]:
    """The tip created by the turn of this inbound message, if any."""
    if not inbound_id:
        return None
    return session.execute(select(Tip).where(Tip.inbound_id == inbound_id)).scalar_one_or_none()


def create_tip(session: Session, new: NewTip, routing: RoutingResult) -> Tip:
    """Store a tip with its first message, routing decision and audit entry.

    Idempotent per inbound message: a turn run again (after a crash, an action server
    that failed after the commit) gets the tip of its first run. When two runs race, the
    loser's transaction (the tip is its first write) is rolled back, the winner's returned.
    """
    inbound_id = new.inbound_id if new.inbound_id and len(new.inbound_id) <= 64 else None
    existing = tip_for_inbound(session, inbound_id)
    if existing is not None:
        return existing
    for _ in range(8):
        reference = new_reference()
        if session.execute(select(Tip.id).where(Tip.reference == reference)).first() is None:
            break
    loc = routing.location
    tip = Tip(
        reference=reference, conversation_id=new.conversation_id, channel=new.channel,
        language=new.language, language_confidence=new.language_confidence,
        original_text=new.original_text, translated_text=new.translated_text,
        translation_status=new.translation_status, category=new.category,
        category_confidence=new.category_confidence, urgency=routing.urgency,
        queue=routing.queue, status="new", location_text=loc.text, location_side=loc.side,
        location_place=loc.place, location_lat=loc.lat, location_lon=loc.lon,
        incident_time=new.incident_time, entities=new.entities, inbound_id=inbound_id,
    )
    session.add(tip)
    try:
        session.flush()  # a collision with a concurrent writer fails a unique constraint
    except IntegrityError:
        session.rollback()
        existing = tip_for_inbound(session, inbound_id)
        if existing is None:
            raise
        return existing
    session.add(TipMessage(tip_id=tip.id, direction="in", author="tipster",
                           text=new.original_text, translated_text=new.translated_text,
                           language=new.language))
    for item in new.attachments:
        session.add(Attachment(tip_id=tip.id, url=item["url"], content_type=item.get("type")))
    _record_routing(session, tip, routing, "router")
    audit(session, tip, "intake", "created", None, {"queue": tip.queue, "category": tip.category,
                                                     "urgency": tip.urgency, "status": "new"})
    return tip


def _record_routing(session: Session, tip: Tip, routing: RoutingResult, who: str) -> None:
    session.add(RoutingDecision(tip_id=tip.id, category=tip.category,
                                side=routing.location.side, on_water=routing.on_water,
                                queue=routing.queue, rule=routing.rule, decided_by=who))


def update_location(session: Session, tip: Tip, routing: RoutingResult,
                    incident_time: Optional[str], actor: str = "intake") -> None:
    """Apply what the tipster added (place, time) and re-route if the queue changes."""
    before = {"queue": tip.queue, "side": tip.location_side, "place": tip.location_place,
              "time": tip.incident_time}
    loc = routing.location
    if loc.side != "unknown" or loc.place or loc.text:
        tip.location_text, tip.location_side, tip.location_place = loc.text, loc.side, loc.place
        tip.location_lat, tip.location_lon = loc.lat, loc.lon
    if incident_time:
        tip.incident_time = incident_time
    if routing.urgency == "high":
        tip.urgency = "high"
    if routing.queue != tip.queue and tip.status == "new":
        tip.queue = routing.queue
        _record_routing(session, tip, routing, actor)
    after = {"queue": tip.queue, "side": tip.location_side, "place": tip.location_place,
             "time": tip.incident_time}
    if after != before:
        audit(session, tip, actor, "location_updated", before, after)


def add_message(session: Session, tip: Tip, direction: str, author: str, text: str,
                language: Optional[str] = None, translated_text: Optional[str] = None) -> None:
    """Attach a message to a tip's conversation."""
    session.add(TipMessage(tip_id=tip.id, direction=direction, author=author, text=text,
                           language=language, translated_text=translated_text))
    tip.updated_at = datetime.now(UTC)


def find_for_conversation(session: Session, reference: str, conversation_id: str) -> Optional[Tip]:
    """The tip ``reference`` if it came from this conversation (else None: no leak)."""
    return session.execute(
        select(Tip).where(Tip.reference == reference.upper(),
                          Tip.conversation_id == conversation_id)
    ).scalar_one_or_none()


def latest_for_conversation(session: Session, conversation_id: str) -> Optional[Tip]:
    """The newest tip of a conversation."""
    return session.execute(
        select(Tip).where(Tip.conversation_id == conversation_id)
        .order_by(Tip.id.desc()).limit(1)
    ).scalar_one_or_none()


def iso_utc(moment: Optional[datetime]) -> Optional[str]:
    """ISO 8601 in UTC (SQLite hands back naive datetimes that were stored as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def tip_to_api(tip: Tip) -> Dict[str, Any]:
    """The SPEC's tips API representation of a tip."""
    return {
        "reference": tip.reference,
        "channel": tip.channel,
        "language": tip.language,
        "original_text": tip.original_text,
        "translated_text": tip.translated_text,
        "translation_status": tip.translation_status,
        "category": tip.category,
        "urgency": tip.urgency,
        "queue": tip.queue,
        "status": tip.status,
        "created_at": iso_utc(tip.created_at),
        "updated_at": iso_utc(tip.updated_at),
        "location": {"text": tip.location_text, "side": tip.location_side,
                     "place": tip.location_place},
        "entities": tip.entities or [],
        "incident_time": tip.incident_time,
    }


def iter_tips(session: Session, *, queues: Optional[Sequence[str]] = None,
              status: Optional[str] = None, search: Optional[str] = None,
              batch: int = 500) -> Iterator[Tip]:
    """Tips oldest first, optionally filtered; streamed in batches by id."""
    last_id = 0
    while True:
        query = select(Tip).where(Tip.id > last_id)
        if queues:
            query = query.where(Tip.queue.in_(list(queues)))
        if status:
            query = query.where(Tip.status == status)
        if search:
            like = f"%{search}%"
            query = query.where(or_(Tip.original_text.ilike(like),
                                    Tip.translated_text.ilike(like)))
        rows = session.execute(query.order_by(Tip.id).limit(batch)).scalars().all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
