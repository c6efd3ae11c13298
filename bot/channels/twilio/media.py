"""MMS media: no photo is ever lost, whatever the bot understood of the text beside it.

When the text of an MMS is a tip, ``bot.intake.receive_tip`` stores the media (passed in
the message metadata as ``media: [{"url", "type"}]``) as attachments of the new tip.
Everything else is reconciled here after the bot's turn: media not stored yet are attached
to the tip the message quotes (if it is this conversation's), else to the conversation's
latest tip if it is recent, else they become a new tip of their own. A photo sent alone
(empty body) takes the same path without a bot turn.

Fetching the bytes is off by default (``TIPLINE_TWILIO_FETCH_MEDIA``); when on, each item
is downloaded with the account's credentials into ``media_dir``, named by the SHA-256 of
its URL (``local_path``), at most ``MAX_BYTES`` each.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import requests
from sqlalchemy.orm import Session

from bot.channels.twilio import store
from bot.channels.twilio.signature import split_tokens
from bot.channels.twilio.spec import SPEC
from bot.conversation import Turn
from bot.intake import receive_tip
from bot.settings import TwilioSettings
from bot.store.db import session_scope
from bot.store.models import Attachment, Tip, utcnow
from bot.store.references import find_references
from bot.store.tips import add_message, audit, find_for_conversation

log = logging.getLogger(__name__)
MEDIA_MARKER = "[media]"
MAX_BYTES = 5 * 1024 * 1024  # Twilio's MMS limit


@dataclass(frozen=True)
class MediaOutcome:
    """Where media went: ``added`` to an existing tip or ``created`` a new one."""

    action: str
    reference: str
    count: int


def _tip_for(session: Session, conversation_id: str, text: str,
             join_within: timedelta) -> Optional[Tip]:
    for reference in find_references(text or ""):
        tip = find_for_conversation(session, reference, conversation_id)
        if tip is not None:
            return tip
    tip = store.latest_tip(session, conversation_id)
    if tip is None:
        return None
    created = store.aware(tip.created_at) if tip.created_at else utcnow()
    return tip if utcnow() - created <= join_within else None


def store_media(conversation_id: str, media: Sequence[Dict[str, str]], text: str,
                language: str, join_within: timedelta,
                channel: str = SPEC.name) -> Optional[MediaOutcome]:
    """Store the media of one message that are not attachments yet (None: all were)."""
    items = store.as_media(media)
    if not items:
        return None
    with session_scope() as session:
        stored = store.stored_media_urls(session, conversation_id, [m["url"] for m in items])
        missing = [m for m in items if m["url"] not in stored]
        if not missing:
            return None
        tip = _tip_for(session, conversation_id, text, join_within)
        if tip is not None:
            for item in missing:
                session.add(Attachment(tip_id=tip.id, url=item["url"],
                                       content_type=item["type"] or None))
            add_message(session, tip, "in", "tipster", f"{MEDIA_MARKER} x{len(missing)}",
                        language)
            audit(session, tip, "tipster", "media_added", None, {"count": len(missing)})
            return MediaOutcome("added", tip.reference, len(missing))
    # no tip to join: the media are a tip of their own (sent by SMS, kept, routed)
    body = text.strip() or MEDIA_MARKER
    turn = Turn(original_text=body,
                translated_text=body if body == MEDIA_MARKER or language == "en" else None,
                translation_status="not_needed" if body == MEDIA_MARKER or language == "en"
                else "pending",
                language=language, language_confidence=None, language_reliable=False,
                intent=None, intent_confidence=None, metadata={"media": missing})
    receipt = receive_tip(turn, conversation_id, channel, language)
    return MediaOutcome("created", receipt.reference, len(missing))


def local_path(url: str, media_dir: Path) -> Path:
    """Where the bytes of ``url`` are kept when fetching is on."""
    return media_dir / hashlib.sha256(url.encode()).hexdigest()


def fetch_media(media: Sequence[Dict[str, str]], settings: TwilioSettings) -> List[Path]:
    """Download media bytes (Twilio media URLs need the account's basic auth)."""
    saved: List[Path] = []
    tokens = split_tokens(settings.auth_token)
    auth = (settings.account_sid, tokens[0]) if settings.account_sid and tokens else None
    settings.media_dir.mkdir(parents=True, exist_ok=True)
    for item in store.as_media(media):
        target = local_path(item["url"], settings.media_dir)
        if target.exists():
            saved.append(target)
            continue
        try:
            with requests.get(item["url"], auth=auth, timeout=settings.send_timeout,
                              stream=True) as response:
                response.raise_for_status()
                data = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    data.extend(chunk)
                    if len(data) > MAX_BYTES:
                        raise ValueError("media larger than the MMS limit")
        except (requests.RequestException, ValueError) as error:
            log.warning("media not fetched (%s): kept as a URL only", type(error).__name__)
            continue
        partial = target.with_suffix(".partial")
        partial.write_bytes(bytes(data))
        partial.replace(target)
        saved.append(target)
    return saved
