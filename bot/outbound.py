"""Messages from officers to tipsters: translated, recorded, delivered on the tip's channel.

Channels register a sender (``register_sender``); the officers' console calls
``send_officer_reply``. The officer never sees the tipster's address: senders resolve it
from the tip's conversation id on the server side.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Callable, Dict, Optional

from sqlalchemy.orm import Session

from bot.messages import get_catalog
from bot.store.models import Tip
from bot.store.tips import add_message, audit
from bot.translation import get_service

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """The outcome of one outbound message."""

    status: str  # sent | queued | blocked_opted_out | no_channel | failed
    detail: str = ""


# A sender delivers ``text`` to the tipster behind ``tip`` and reports the outcome.
# Senders block (network calls): from async code, call send_officer_reply in a thread.
Sender = Callable[[Session, Tip, str], Delivery]
_senders: Dict[str, Sender] = {}
# Senders loaded on first use, so that any process (Rasa, officers' console, CLI) delivers
# without the channel having been started in it.
DEFAULT_SENDERS: Dict[str, str] = {"sms": "bot.channels.twilio.sender:officer_sender",
                                   "webchat": "bot.channels.webchat.sender:officer_sender"}


def register_sender(channel: str, sender: Sender) -> None:
    """Make ``sender`` deliver messages for tips that came on ``channel``."""
    _senders[channel] = sender


def sender_for(channel: str) -> Optional[Sender]:
    """The sender registered for ``channel``, or its default one, or None."""
    sender = _senders.get(channel)
    if sender is None and channel in DEFAULT_SENDERS:
        module, name = DEFAULT_SENDERS[channel].split(":")
        sender = getattr(importlib.import_module(module), name)
        _senders.setdefault(channel, sender)
    return sender


def localise_officer_text(tip: Tip, text_en: str) -> tuple[str, Optional[str]]:
    """The officer's English text in the tipster's language (prefix included).

    Returns (text to send, translation status): English goes out as written; a failed
    translation sends the English text rather than nothing, and is recorded as failed.
    """
    language = tip.language if tip.language and tip.language != "und" else "en"
    prefix = get_catalog().render("officer_prefix", language, reference=tip.reference)
    if language == "en":
        return prefix + text_en, "not_needed"
    result = get_service().translate(text_en, "en", language)
    if result.status == "done" and result.text:
        return prefix + result.text, "done"
    return get_catalog().render("officer_prefix", "en", reference=tip.reference) + text_en, "failed"


def send_officer_reply(session: Session, tip: Tip, text_en: str, officer: str) -> Delivery:
    """Translate, record and deliver an officer's reply to the tipster of ``tip``."""
    text, translation = localise_officer_text(tip, text_en)
    sender = sender_for(tip.channel)
    if sender is None:
        delivery = Delivery("no_channel", tip.channel)
    else:
        try:
            delivery = sender(session, tip, text)
        except Exception as error:  # the reply is still recorded, with its failure
            log.exception("officer reply on tip %s: sender failed", tip.reference)
            delivery = Delivery("failed", type(error).__name__)
    add_message(session, tip, "out", "officer", text, tip.language, text_en)
    audit(session, tip, officer, "officer_reply", None,
          {"delivery": delivery.status, "translation": translation, "characters": len(text_en)})
    log.info("officer reply on tip %s: %s", tip.reference, delivery.status)
    return delivery
