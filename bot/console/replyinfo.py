"""What the tip page shows about replies: standard replies to pick, how each reply went out."""

# Delivery: Twilio's reports of SMS and WhatsApp replies (bot/channels/twilio/notes.py);
# a reply the channel refused outright (audit ``delivery: failed``) is flagged as well.

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional

from sqlalchemy.orm import object_session

from bot.channels.twilio.notes import DeliveryState, delivery_states
from bot.channels.whatsapp.notes import held_now, window_note, window_record
from bot.console.display import language_name
from bot.messages import get_officer_replies
from bot.outbound import standard_message, tipster_language, translation_unavailable
from bot.store.models import AuditEntry, Tip, TipMessage

MAX_REPLY = 1000
# Short labels of the standard replies (data/officer_replies/en.yml); a key without one
# (added by a deployment) is labelled from its name.
STANDARD_LABELS = {
    "thanks": "Thanks", "ask_vehicle": "Ask for the vehicle", "ask_place": "Ask for the place",
    "ask_time": "Ask for the time", "ask_photo": "Ask for a photo",
    "danger_now": "Is anyone in danger now?", "investigating": "We are looking into it",
    "call_911": "Please call 911",
}
# How a reply was put in the tipster's language (audit ``translation``), for the officer.
TRANSLATION_NOTES = {
    "done": "machine translated into {language}",
    "catalogue": "standard reply, written in {language} (no machine translation)",
    "not_needed": "in English (the tipster writes English)",
    "failed": "NOT translated: the tipster received English",
    "no_catalogue": "standard reply in English (no {language} catalogue)",
}
UNTRANSLATED = ("failed", "no_catalogue")
REFUSED = DeliveryState("not delivered: the channel did not accept it", "failed", True)


@dataclass(frozen=True)
class StandardChoice:
    key: str
    label: str
    text_en: str


@dataclass(frozen=True)
class ReplyNote:
    """How one officer message went out: its English heading, translation and delivery."""

    english_heading: str
    note: str
    untranslated: bool
    delivery: Optional[DeliveryState] = None  # what the channel reported of its delivery


def standard_label(key: str) -> str:
    return STANDARD_LABELS.get(key) or key.replace("_", " ").capitalize()


def standard_choices(tip: Tip) -> List[StandardChoice]:
    """Every standard reply, in English (as the officer sees it), filled in for ``tip``."""
    keys = get_officer_replies().keys()  # in en.yml's order
    return [StandardChoice(key, standard_label(key), standard_message(tip, key).text_en)
            for key in keys]


def reply_context(tip: Tip, entries: Iterable[AuditEntry]) -> Dict[str, Any]:
    """Template values of the reply forms and of the officer messages of the conversation."""
    language = tipster_language(tip)
    return {
        "standard_replies": standard_choices(tip),
        "reply_language": language,
        "standard_native": get_officer_replies().has(language),
        "free_text_blocked": translation_unavailable(tip),
        "reply_notes": reply_notes(tip, tip.messages, entries),
    }


def reply_notes(tip: Tip, messages: Iterable[TipMessage],
                entries: Iterable[AuditEntry]) -> Dict[int, ReplyNote]:
    """A note for each officer message, from its ``officer_reply`` audit entry (or, for a
    message recorded before entries named their message, from the texts themselves)."""
    audited = {e.after.get("message_id"): e.after for e in entries
               if e.action == "officer_reply" and isinstance(e.after, dict)
               and e.after.get("message_id")}
    officer = [m for m in messages if m.direction == "out" and m.author == "officer"]
    session = object_session(tip)
    states = delivery_states(session, [m.id for m in officer]) if session is not None else {}
    return {m.id: _note(tip, m, audited.get(m.id), states.get(m.id)) for m in officer}


def _note(tip: Tip, message: TipMessage, after: Optional[Dict[str, Any]],
          state: Optional[DeliveryState] = None) -> ReplyNote:
    if after is None:
        translation = _guess(tip, message)
        delivery, standard = None, None
    else:
        translation = after.get("translation") or "done"
        delivery, standard = after.get("delivery"), after.get("standard_reply")
    note = TRANSLATION_NOTES.get(translation, translation).format(
        language=language_name(tipster_language(tip)))
    if delivery:
        note += f" · delivery: {delivery}"
    window = window_record(tip, message)
    note += window_note(window)  # WhatsApp: sent as template, or queued
    heading = (f"Standard reply “{standard_label(standard)}” in English" if standard
               else "Officer wrote")
    if held_now(window):
        state = None  # waiting for the tipster to write: the window note says so
    elif state is None and delivery == "failed":
        state = REFUSED
    return ReplyNote(heading, note, translation in UNTRANSLATED, state)


def _guess(tip: Tip, message: TipMessage) -> str:
    if tipster_language(tip) == "en":
        return "not_needed"
    english = message.translated_text or ""
    return "failed" if english and message.text.endswith(english) else "done"
