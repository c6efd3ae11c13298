"""The voice line's call flow, independent of the web framework: webhook in, TwiML out.

Every webhook: signature checked (403 and a log line otherwise; nothing stored), then the
route's step (docs/voice.md, "The call"): ``call`` the menu; ``menu`` the menu again;
``language`` a key pressed; ``speech`` what Twilio heard, stored in the inbox (key
CallSid:step) and answered with the turn's replies, or "saved, one moment" and ``wait``
polls; ``silence`` nothing heard; ``recorded`` and ``transcription`` a recorded message.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import Any, Dict, Mapping, Optional

from bot.channels.twilio.signature import SignatureChecker
from bot.channels.twilio.webhook import WebhookResult, first
from bot.channels.voice.config import VoiceSettings
from bot.channels.voice.languages import NEXT_PAGE, get_languages, get_prompts
from bot.channels.voice.recordings import (
    delete_recording,
    recording_of,
    store_untranscribed,
)
from bot.channels.voice.spec import SPEC
from bot.channels.voice.turns import VoiceTurns
from bot.channels.voice.twiml import TwimlBuilder, empty
from bot.inbox import store
from bot.inbox.limits import admit, channel_limits
from bot.inbox.worker import InboxWorker
from bot.privacy.keys import MissingSecretError, normalise_address
from bot.settings import get_settings
from bot.store.db import get_engine

log = logging.getLogger(__name__)
MENU_TRIES = 3  # menus read with no key pressed before the default language is taken
ROUTES = ("call", "menu", "language", "speech", "wait", "silence", "recorded", "transcription")


def caller_key(number: Optional[str], call_sid: str) -> str:
    """The conversation key of a call: a keyed hash of the caller's number, of its own
    (a caller's voice and SMS conversations stay apart); a hidden number gets one per call."""
    secret = get_settings().hash_key
    if not secret:
        raise MissingSecretError("TIPLINE_HASH_KEY is not set")
    digits = normalise_address(number or "")
    subject = f"voice:{digits}" if sum(ch.isdigit() for ch in digits) >= 7 else f"call:{call_sid}"
    return hmac.new(secret.encode(), subject.encode(), hashlib.sha256).hexdigest()


def _known(external_id: str) -> Optional[int]:
    with get_engine().connect() as conn:
        return store.known(conn, SPEC.name, external_id)


def _int(query: Mapping[str, Any], name: str) -> int:
    value = first(query, name) or "0"
    return int(value) if value.isdigit() and len(value) < 4 else 0


class VoiceCalls(VoiceTurns):
    """Answers Twilio Voice webhooks; one per Rasa process."""

    def __init__(self, settings: Optional[VoiceSettings] = None) -> None:
        super().__init__()
        self.settings = settings or get_settings().voice
        self.checker = SignatureChecker(self.settings.auth_token, self.settings.public_url)
        self.languages = get_languages()
        self.prompts = get_prompts()
        self.twiml = TwimlBuilder(self.languages, self.prompts,
                                  speech_timeout=self.settings.speech_timeout,
                                  record_seconds=self.settings.record_seconds)
        self.limits = channel_limits(SPEC.name, get_settings().inbox)
        self.worker = InboxWorker(self, get_settings().inbox, limits=self.limits.rate,
                                  ready=self.link.ready)
        self._background: set[asyncio.Task] = set()

    async def handle(self, route: str, url: str, form: Mapping[str, Any],
                     query: Mapping[str, Any], signature: Optional[str]) -> WebhookResult:
        """Check one webhook and answer it with TwiML."""
        sid = (first(form, "CallSid") or "")[:64]
        if not self.checker.configured:
            log.error("voice webhook rejected: no auth token configured (CallSid %s)", sid)
            return WebhookResult(403, "signature cannot be checked", "text/plain")
        if not self.checker.is_valid(url, form, signature):
            log.warning("voice webhook rejected: %s X-Twilio-Signature on %s (CallSid %s)",
                        "invalid" if signature else "missing", route, sid or "-")
            return WebhookResult(403, "invalid signature", "text/plain")
        if route not in ROUTES:
            return WebhookResult(404, "no such step", "text/plain")
        if not sid.isalnum():
            return WebhookResult(400, "missing field: CallSid", "text/plain")
        lang = first(query, "lang") or ""
        if lang not in self.languages.voices:
            lang = self.languages.pages[0][0]
        step = max(1, _int(query, "step"))
        if route in ("call", "menu"):
            tries = _int(query, "tries")
            if tries >= MENU_TRIES:  # no key pressed: the first language of the menu
                return self._ok(self.twiml.listen(lang, 1, prompt="ask"))
            return self._ok(self.twiml.menu(_int(query, "page"), tries))
        if route == "language":
            return self._ok(self._chosen(_int(query, "page"), first(form, "Digits") or ""))
        key = caller_key(first(form, "From"), sid)
        if route == "speech":
            return self._ok(await self._speech(sid, key, lang, step,
                                               (first(form, "SpeechResult") or "").strip()))
        if route == "wait":
            return self._ok(await self._poll(sid, key, lang, step, _int(query, "polls")))
        if route == "silence":  # nothing heard: first a recorded message, later goodbye
            return self._ok(self.twiml.record(lang) if step == 1 else self.twiml.goodbye(lang))
        if route == "recorded":
            heard = _int(form, "RecordingDuration") > 0 and first(form, "RecordingUrl")
            return self._ok(self.twiml.goodbye(lang, "saved") if heard
                            else self.twiml.goodbye(lang))
        await self._transcription(sid, key, lang, form)
        return self._ok(empty())

    @staticmethod
    def _ok(twiml: str) -> WebhookResult:
        return WebhookResult(200, twiml)

    def _chosen(self, page: int, digits: str) -> str:
        if digits == NEXT_PAGE:
            return self.twiml.menu(page + 1)
        lang = self.languages.choose(page, digits)
        if lang is None:
            return self.twiml.menu(page)
        return self.twiml.listen(lang, 1, prompt="ask")

    async def _speech(self, sid: str, key: str, lang: str, step: int, text: str) -> str:
        if not text:
            return self.twiml.record(lang) if step == 1 else self.twiml.goodbye(lang)
        admission = await asyncio.to_thread(
            admit, SPEC.name, key, text, self.limits, meta={"language": lang},
            external_id=f"{sid}:{step}")
        if admission.message_id is None:  # too long, or a flood of calls from one number
            log.info("voice %s step %d: %s", sid, step, admission.outcome)
            return self.twiml.goodbye(lang, "sorry")
        self.worker.ensure_drain(key)
        return await self._answer(admission.message_id, key, lang, step, 0)

    async def _poll(self, sid: str, key: str, lang: str, step: int, polls: int) -> str:
        message_id = await asyncio.to_thread(_known, f"{sid}:{step}")
        if message_id is None:
            return self.twiml.goodbye(lang, "sorry")
        self.worker.ensure_drain(key)  # a replica that restarted: the turn goes on here
        return await self._answer(message_id, key, lang, step, polls)

    async def _answer(self, message_id: int, key: str, lang: str, step: int,
                      polls: int) -> str:
        """The turn's replies read aloud, then listen for the next answer; or hold on."""
        if not await self.wait_done(message_id, self.settings.answer_seconds):
            if polls >= self.settings.poll_times:
                return self.twiml.goodbye(lang, "saved")
            return self.twiml.hold(lang, step, polls + 1)
        spoken = await self.spoken(message_id, key)
        emergency = {self._emergency(lang)}
        texts = [text for text in spoken.texts if text not in emergency]
        if spoken.urgent or len(texts) < len(spoken.texts):  # 911 first, in the caller's words
            texts.insert(0, self.prompts.render("call_911", lang))
        return self.twiml.listen(lang, step + 1, texts,
                                 prompt=None if spoken.asking else "more")

    @staticmethod
    def _emergency(lang: str) -> str:
        from bot.messages import get_catalog

        return get_catalog().render("emergency", lang)

    async def _transcription(self, sid: str, key: str, lang: str,
                             form: Mapping[str, Any]) -> None:
        """A recorded message's text becomes a spoken turn (nobody hears the replies)."""
        text = (first(form, "TranscriptionText") or "").strip()
        completed = first(form, "TranscriptionStatus") == "completed" and text
        recording = recording_of(first(form, "RecordingSid"), first(form, "RecordingUrl"))
        meta: Dict[str, Any] = {"language": lang, "voice": "recording"}
        if recording and self.settings.keep_recordings:
            meta["recording"] = recording
        if completed:
            admission = await asyncio.to_thread(admit, SPEC.name, key, text, self.limits,
                                                meta=meta, external_id=f"{sid}:rec")
            if admission.message_id is not None:
                self.worker.ensure_drain(key)
        elif recording and self.settings.keep_recordings:  # kept: an officer can listen
            reference = await asyncio.to_thread(store_untranscribed, key, f"{sid}:rec", lang,
                                                recording)
            log.info("voice %s: recording without a transcription: tip %s", sid, reference)
        if recording and not self.settings.keep_recordings and self.settings.delete_recordings:
            self._spawn(asyncio.to_thread(delete_recording, self.settings, recording["sid"]))

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
