"""Recorded messages: the transcription becomes a tip; the recording is deleted at Twilio,
or kept as the tip's attachment when the deployment enables it."""

from __future__ import annotations

import asyncio
import secrets
from typing import Dict

import pytest
from sqlalchemy import select

from bot.channels.voice.calls import VoiceCalls
from bot.settings import get_settings
from bot.store.db import session_scope
from bot.store.models import Attachment, InboundMessage, Tip
from harness.fakes.twilio_voice import FakeRecordingsApi
from tests.unit.channels.voice.conftest import Bot, calls_with, hook


def transcribed(calls: VoiceCalls, sid: str, text: str) -> Dict[str, str]:
    """Twilio's transcription callback for a recorded message; waits for its turn."""
    recording = "RE" + secrets.token_hex(16)
    fields = {"RecordingSid": recording,
              "TranscriptionStatus": "completed" if text else "failed",
              "RecordingUrl": f"https://api.twilio.com/2010-04-01/Recordings/{recording}",
              "TranscriptionSid": "TR" + secrets.token_hex(16)}
    if text:
        fields["TranscriptionText"] = text

    async def post() -> None:
        result = await hook(calls, "/webhooks/tipline_voice/transcription?lang=en", sid,
                            **fields)
        assert result.status == 200 and "<Say" not in result.body
        await asyncio.sleep(0.05)
        assert await calls.worker.idle(10)
        await asyncio.gather(*calls._background)

    asyncio.run(post())
    return fields


TEXT = "Two men walked six people across the border near Stanstead last night"


def test_a_transcribed_recording_is_a_tip_and_the_recording_is_deleted(
        env: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeRecordingsApi() as api:
        monkeypatch.setenv("TIPLINE_VOICE_API_BASE_URL", api.url)
        get_settings.cache_clear()
        calls = calls_with(Bot([], tips=True))
        fields = transcribed(calls, "CA" + secrets.token_hex(16), TEXT)
        assert api.deleted == [fields["RecordingSid"]]
    with session_scope() as session:
        tip = session.execute(select(Tip)).scalar_one()
        assert (tip.channel, tip.original_text, tip.category) == ("voice", TEXT,
                                                                 "human_smuggling")
        assert session.execute(select(Attachment)).first() is None
        assert "Recording" not in repr(session.execute(select(InboundMessage.meta)).all())


def test_a_recording_is_kept_only_when_the_deployment_says_so(
        env: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_VOICE_KEEP_RECORDINGS", "1")
    get_settings.cache_clear()
    calls = calls_with(Bot([], tips=True))
    fields = transcribed(calls, "CA" + secrets.token_hex(16), TEXT)
    with session_scope() as session:
        attachment = session.execute(select(Attachment)).scalar_one()
        assert attachment.url == fields["RecordingUrl"]
        assert attachment.content_type == "audio/wav"


def test_a_kept_recording_without_transcription_is_a_tip_for_a_person(
        env: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_VOICE_KEEP_RECORDINGS", "1")
    get_settings.cache_clear()
    bot = Bot([], tips=True)
    calls = calls_with(bot)
    sid = "CA" + secrets.token_hex(16)
    fields = transcribed(calls, sid, "")
    transcribed(calls, sid, "")  # Twilio posting the callback again: still one tip
    assert bot.seen == []  # no text: no bot turn
    with session_scope() as session:
        tip = session.execute(select(Tip)).scalar_one()
        assert (tip.category, tip.queue, tip.original_text) == ("unknown", "IBET_JOINT", "")
        assert session.execute(select(Attachment.url)).scalar_one() == fields["RecordingUrl"]
