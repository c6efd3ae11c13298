"""Tip intake: store, route, complete and follow up tips (called by the actions)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select

from bot.conversation import TIP_CATEGORIES, Turn
from bot.inbox.marks import mark_in
from bot.routing.router import get_router
from bot.routing.rules import UNKNOWN_CATEGORY
from bot.store.db import session_scope
from bot.store.models import Contact, Tip
from bot.store.references import find_references
from bot.store.tips import (
    NewTip,
    add_message,
    audit,
    create_tip,
    find_for_conversation,
    latest_for_conversation,
    update_location,
)
from bot.translation import get_service

log = logging.getLogger(__name__)
MAX_FIELD = 1000


@dataclass(frozen=True)
class Receipt:
    """What the tipster is told about a stored tip."""

    reference: str
    urgency: str
    queue: str
    side: str
    place: Optional[str]


# The tip_location slot once the tipster shared coordinates (actions/intake.py).
SHARED_POSITION = "shared position"


def coordinates_of(turn: Turn) -> tuple[Optional[float], Optional[float]]:
    """The coordinates the tipster shared with this message (web chat), if any."""
    location = turn.metadata.get("location") or {}
    try:
        return float(location["lat"]), float(location["lon"])
    except (KeyError, TypeError, ValueError):
        return None, None


def english_text(turn: Turn, language: Optional[str] = None) -> tuple[Optional[str], str]:
    """The English text of a turn, for officers, through the configured provider.

    ``language`` (the conversation's) stands in when the message alone was too short
    to tell. A failure leaves status ``failed``: the tip is kept and retried later.
    """
    if turn.translation_status != "pending":
        return turn.translated_text, turn.translation_status
    source = turn.language if turn.language not in ("und", "") else (language or "und")
    if source == "en":
        return turn.original_text, "not_needed"
    result = get_service().translate(turn.original_text, source, "en")
    if result.status == "done":
        return result.text, "done"
    return None, "failed"


def receive_tip(turn: Turn, conversation_id: str, channel: str, language: str) -> Receipt:
    """Store the tip of ``turn`` at once and route it with what it says.

    A message the NLU could not place in a category is stored all the same, with the
    category ``unknown``, for a human in the unclassified queue.
    """
    category = turn.intent if turn.intent in TIP_CATEGORIES else UNKNOWN_CATEGORY
    turn.translated_text, turn.translation_status = english_text(turn, language)
    lat, lon = coordinates_of(turn)
    routing = get_router().route(
        category, turn.texts, lat=lat, lon=lon,
        entity_types=[e["entity"] for e in turn.entities], urgent=turn.urgent,
    )
    times = turn.entity_values("time")
    media = [m for m in turn.metadata.get("media") or [] if isinstance(m, dict) and m.get("url")]
    new = NewTip(
        conversation_id=conversation_id, channel=channel, language=language,
        language_confidence=turn.language_confidence, original_text=turn.original_text,
        translated_text=turn.translated_text, translation_status=turn.translation_status,
        category=category,
        category_confidence=turn.intent_confidence if turn.intent in TIP_CATEGORIES else None,
        entities=turn.entities, incident_time=times[0] if times else None, attachments=media,
        inbound_id=turn.message_id,
    )
    with session_scope() as session:
        tip = create_tip(session, new, routing)
        mark_in(session, turn.message_id)  # the tip and its turn's mark: one commit
        receipt = Receipt(tip.reference, tip.urgency, tip.queue, tip.location_side,
                          tip.location_place)
    log.info("tip %s stored: category=%s queue=%s urgency=%s side=%s language=%s",
             receipt.reference, category, receipt.queue, receipt.urgency, receipt.side, language)
    return receipt


def complete_tip(reference: str, conversation_id: str, location_answer: Optional[str],
                 time_answer: Optional[str], lat: Optional[float] = None,
                 lon: Optional[float] = None) -> Optional[Receipt]:
    """Add the place and time the tipster gave, re-routing if the side is now known.

    Shared coordinates (``lat``/``lon`` of the latest message, or the tip's own when the
    location answer is ``SHARED_POSITION``) keep deciding the side.
    """
    shared = location_answer == SHARED_POSITION
    location_answer = None if shared else _clean(location_answer)
    time_answer = _clean(time_answer)
    with session_scope() as session:
        tip = find_for_conversation(session, reference, conversation_id)
        if tip is None:
            return None
        if (lat is None or lon is None) and shared:
            lat, lon = tip.location_lat, tip.location_lon
        for answer in (location_answer, time_answer):
            if answer and answer not in tip.original_text:
                add_message(session, tip, "in", "tipster", answer, tip.language)
        texts = [tip.original_text, tip.translated_text or ""]
        routing = get_router().route(tip.category, texts, location_hint=location_answer,
                                     lat=lat, lon=lon,
                                     entity_types=[e.get("entity") for e in tip.entities or []])
        update_location(session, tip, routing, time_answer)
        return Receipt(tip.reference, tip.urgency, tip.queue, tip.location_side,
                       tip.location_place)


def _clean(answer: Optional[str]) -> Optional[str]:
    if not answer or answer.strip().lower() == "unknown":
        return None
    return answer.strip()[:MAX_FIELD]


def reference_in(turn: Turn) -> Optional[str]:
    """The first tip reference quoted in the tipster's message."""
    found = find_references(turn.original_text)
    return found[0] if found else None


def add_information(turn: Turn, conversation_id: str) -> Optional[str]:
    """Attach the message to the quoted tip (or the conversation's latest); its reference."""
    reference = reference_in(turn)
    translated, _ = english_text(turn)
    with session_scope() as session:
        if reference:
            tip = find_for_conversation(session, reference, conversation_id)
        else:
            tip = latest_for_conversation(session, conversation_id)
        if tip is None:
            return None
        add_message(session, tip, "in", "tipster", turn.original_text, turn.language, translated)
        audit(session, tip, "tipster", "information_added", None,
              {"characters": len(turn.original_text)})
        return tip.reference


def tip_status(reference: str, conversation_id: str) -> Optional[str]:
    """The status of the tip ``reference`` if it belongs to this conversation."""
    with session_scope() as session:
        tip = find_for_conversation(session, reference, conversation_id)
        return tip.status if tip else None


def forget_contact(conversation_id: str) -> bool:
    """Erase the encrypted address of a conversation's contact; tips are kept."""
    with session_scope() as session:
        contact = session.execute(
            select(Contact).where(Contact.contact_hash == conversation_id)
        ).scalar_one_or_none()
        tips = session.execute(select(Tip).where(Tip.conversation_id == conversation_id)).scalars()
        for tip in tips:
            audit(session, tip, "tipster", "contact_forgotten")
        if contact is None:
            return False
        contact.address_encrypted = None
        return True
