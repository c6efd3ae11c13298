"""Messages from officers to tipsters: localised, recorded, delivered on the tip's channel.

Channels register a sender (``register_sender``); the officers' console calls
``send_officer_reply`` (free English text, machine translated) or ``send_standard_reply``
(a standard reply of ``data/officer_replies/``, written natively in each language: never
machine translated). The officer never sees the tipster's address: senders resolve it
from the tip's conversation id on the server side.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable, Dict, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.channels.registry import spec_of
from bot.messages import EMERGENCY_NUMBER, get_catalog, get_officer_replies
from bot.store.models import Tip, TipMessage
from bot.store.tips import add_message, audit
from bot.translation import get_service

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """The outcome of one outbound message."""

    status: str  # sent | queued | blocked_opted_out | no_channel | failed
    detail: str = ""
    # called with the officer message's id once it is recorded: the channel ties what it
    # handed over to it (Twilio's MessageSids: bot/channels/twilio/reports.py)
    on_recorded: Optional[Callable[[Session, int], None]] = field(default=None, compare=False,
                                                                  repr=False)

    def recorded(self, session: Session, message_id: int) -> None:
        """The message this delivery sent is ``message_id`` of ``tip_messages``."""
        if self.on_recorded is not None:
            self.on_recorded(session, message_id)


@dataclass(frozen=True)
class OfficerMessage:
    """What the tipster receives from an officer, and how it was put in their language."""

    text: str  # as delivered, officer prefix included
    text_en: str  # the English the officer wrote or picked
    language: str  # the language of ``text``
    # done (machine translated) | catalogue (standard reply written in the language) |
    # not_needed (the tipster writes English) | failed (free text sent in English) |
    # no_catalogue (standard reply in English: the language has no catalogue)
    translation: str
    standard: Optional[str] = None  # the key of a standard reply


# A sender delivers ``text`` to the tipster behind ``tip`` and reports the outcome.
# Senders block (network calls): from async code, call send_officer_reply in a thread.
Sender = Callable[[Session, Tip, str], Delivery]
# Senders registered by a running channel; otherwise each channel's SPEC names its sender,
# loaded on first use, so that any process (Rasa, officers' console, CLI) delivers without
# the channel having been started in it (bot/channels/registry.py).
_senders: Dict[str, Sender] = {}


def register_sender(channel: str, sender: Sender) -> None:
    """Make ``sender`` deliver messages for tips that came on ``channel``."""
    _senders[channel] = sender


def sender_for(channel: str) -> Optional[Sender]:
    """The sender registered for ``channel``, or the one its SPEC names, or None."""
    sender = _senders.get(channel)
    spec = spec_of(channel)
    if sender is None and spec is not None and spec.sender is not None:
        sender = spec.load_sender()
        _senders.setdefault(channel, sender)
    return sender


def tipster_language(tip: Tip) -> str:
    """The language the tipster is answered in (English when it is undetermined)."""
    return tip.language if tip.language and tip.language != "und" else "en"


def _prefix(tip: Tip, language: str) -> str:
    return get_catalog().render("officer_prefix", language, reference=tip.reference)


def free_text_message(tip: Tip, text_en: str) -> OfficerMessage:
    """The officer's English text in the tipster's language, through the translation
    provider; English (status ``failed``) when it cannot be translated."""
    language = tipster_language(tip)
    if language == "en":
        return OfficerMessage(_prefix(tip, "en") + text_en, text_en, "en", "not_needed")
    try:
        result = get_service().translate(text_en, "en", language)  # never raises
    except Exception as error:  # a provider that cannot even be set up (configuration)
        log.warning("officer reply on tip %s: no translation service (%s)", tip.reference,
                    type(error).__name__)
        result = None
    if result is not None and result.status == "done" and result.text:
        return OfficerMessage(_prefix(tip, language) + result.text, text_en, language, "done")
    return OfficerMessage(_prefix(tip, "en") + text_en, text_en, "en", "failed")


def localise_officer_text(tip: Tip, text_en: str) -> tuple[str, Optional[str]]:
    """The officer's English text in the tipster's language (prefix included).

    Returns (text to send, translation status): English goes out as written; a failed
    translation sends the English text rather than nothing, and is recorded as failed.
    """
    message = free_text_message(tip, text_en)
    return message.text, message.translation


def translation_unavailable(tip: Tip) -> Optional[str]:
    """Why free text to this tip's tipster cannot be translated now (None: it can, or
    needs no translation). A provider that is up may still fail on the next call."""
    if tipster_language(tip) == "en":
        return None
    try:
        service = get_service()
    except Exception:  # a provider that cannot even be set up (configuration)
        return "the translation provider is not configured correctly"
    if getattr(service, "provider_name", "") == "none":
        return "no translation provider is configured"
    breaker = getattr(service, "breaker", None)
    if breaker is not None and breaker.is_open:
        return "the translation provider failed a moment ago"
    return None


def standard_message(tip: Tip, key: str) -> OfficerMessage:
    """The standard reply ``key`` as written in the tipster's language's catalogue
    (English if that language has none). KeyError for a key that does not exist."""
    replies = get_officer_replies()
    known = replies.keys()  # the catalogue is not a mapping
    if key not in known:
        raise KeyError(key)
    language = tipster_language(tip)
    if not replies.has(language):
        language, translation = "en", "no_catalogue"
    else:
        translation = "not_needed" if language == "en" else "catalogue"
    params = {"reference": tip.reference, "emergency_number": EMERGENCY_NUMBER}
    text_en = replies.render(key, "en", **params,
                             status=get_catalog().status_label(tip.status, "en"))
    text = replies.render(key, language, **params,
                          status=get_catalog().status_label(tip.status, language))
    return OfficerMessage(_prefix(tip, language) + text, text_en, language, translation, key)


def deliver_officer_message(session: Session, tip: Tip, message: OfficerMessage,
                            officer: str) -> Delivery:
    """Deliver ``message``, record it in the tip's conversation and audit it."""
    sender = sender_for(tip.channel)
    if sender is None:
        delivery = Delivery("no_channel", tip.channel)
    else:
        try:
            delivery = sender(session, tip, message.text)
        except Exception as error:  # the reply is still recorded, with its failure
            log.exception("officer reply on tip %s: sender failed", tip.reference)
            delivery = Delivery("failed", type(error).__name__)
    add_message(session, tip, "out", "officer", message.text, message.language,
                message.text_en)
    session.flush()
    message_id = session.execute(
        select(func.max(TipMessage.id)).where(TipMessage.tip_id == tip.id,
                                              TipMessage.author == "officer")
    ).scalar()
    delivery.recorded(session, message_id)
    after = {"delivery": delivery.status, "translation": message.translation,
             "language": message.language, "characters": len(message.text_en),
             "message_id": message_id}
    if message.standard:
        after["standard_reply"] = message.standard
    audit(session, tip, officer, "officer_reply", None, after)
    log.info("officer reply on tip %s: %s (%s)", tip.reference, delivery.status,
             message.translation)
    return delivery


def send_officer_reply(session: Session, tip: Tip, text_en: str, officer: str) -> Delivery:
    """Translate, record and deliver an officer's free-text reply to the tipster of ``tip``."""
    return deliver_officer_message(session, tip, free_text_message(tip, text_en), officer)


def send_standard_reply(session: Session, tip: Tip, key: str, officer: str) -> Delivery:
    """Record and deliver the standard reply ``key`` in the tipster's language."""
    return deliver_officer_message(session, tip, standard_message(tip, key), officer)
