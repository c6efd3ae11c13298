"""Recorded messages: kept as the tip's attachment only if the deployment says so, else
deleted at Twilio once transcribed (``TIPLINE_VOICE_KEEP_RECORDINGS``, docs/voice.md).

Twilio keeps every recording in the account until it is deleted: "no recording kept"
means the tip line deletes it (``DELETE /Recordings/<sid>``) as soon as its transcription
arrived, and stores neither its URL nor its audio.
"""

from __future__ import annotations

import logging
import re
from typing import Dict, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.channels.twilio.signature import split_tokens
from bot.channels.voice.config import VoiceSettings
from bot.conversation import Turn
from bot.intake import receive_tip
from bot.store.db import session_scope
from bot.store.models import Attachment, Tip

log = logging.getLogger(__name__)
RECORDING_SID = re.compile(r"^RE[0-9a-fA-F]{32}$")
AUDIO_TYPE = "audio/wav"  # what Twilio serves at the recording's URL without an extension


def recording_of(sid: Optional[str], url: Optional[str]) -> Optional[Dict[str, str]]:
    """The recording as kept in the inbox message's meta, or None if it is not one."""
    if not sid or not RECORDING_SID.match(sid) or not url or not url.startswith("https://"):
        return None
    return {"sid": sid, "url": url, "type": AUDIO_TYPE}


def attach_recording(inbox_key: str, recording: Dict[str, str]) -> bool:
    """Attach the recording to the tip its transcription's turn created (False: no tip)."""
    with session_scope() as session:
        tip = session.execute(select(Tip).where(Tip.inbound_id == inbox_key)).scalar_one_or_none()
        if tip is None:
            return False
        known = session.execute(select(Attachment.id).where(
            Attachment.tip_id == tip.id, Attachment.url == recording["url"])).first()
        if known is None:
            session.add(Attachment(tip_id=tip.id, url=recording["url"],
                                   content_type=recording.get("type") or AUDIO_TYPE))
        return True


def delete_recording(settings: VoiceSettings, sid: str) -> bool:
    """Delete the recording ``sid`` from the Twilio account (False: it could not be)."""
    tokens = split_tokens(settings.auth_token)
    if not RECORDING_SID.match(sid) or not settings.account_sid or not tokens:
        log.warning("voice: recording %s not deleted: account or token missing", sid[:34])
        return False
    client = Client(settings.account_sid, tokens[0], http_client=TwilioHttpClient(timeout=10))
    client.api.base_url = settings.api_base_url.rstrip("/")
    try:
        return bool(client.recordings(sid).delete())
    except TwilioException as error:
        log.warning("voice: recording %s not deleted (%s)", sid, type(error).__name__)
        return False


def store_untranscribed(key: str, inbox_id: str, language: str,
                        recording: Dict[str, str]) -> Optional[str]:
    """A kept recording that Twilio could not transcribe: a tip of its own, with no text,
    category ``unknown`` (the unclassified queue), the recording attached; its reference
    (None: already stored, ``inbox_id`` is the tip's inbound id)."""
    turn = Turn("", None, "not_needed", language, None, False, None, None,
                metadata={"media": [recording]}, message_id=inbox_id)
    try:
        return receive_tip(turn, key, "voice", language).reference
    except IntegrityError:  # Twilio posted the callback twice
        return None
