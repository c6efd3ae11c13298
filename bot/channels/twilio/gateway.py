"""The SMS channel's work, independent of the web framework: webhook in, replies out.

Webhook (``handle_webhook``), answered within milliseconds:

1. ``X-Twilio-Signature`` checked (403 and a log line otherwise; nothing stored);
2. fields checked (400 naming what is missing);
3. in one transaction: a known ``MessageSid`` is a replay (200, nothing created); else the
   contact is found or created (keyed hash, number encrypted), carrier keywords applied,
   the rate limit counted, and the message stored as ``received`` (or ``deferred``);
4. 200 with empty TwiML. Keyword answers go out in the background.

Then, per sender and in arrival order (``_drain``): the message is claimed, its bot turn
runs (``on_new_message`` with a ``CollectingOutputChannel``, sender id = contact hash, the
media in the metadata), it is marked ``processed``, media are reconciled
(``media.store_media``), and the replies are sent through the Messages API on a thread
pool. Messages left unprocessed by a stopped process are picked up at start (``recover``).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sqlalchemy.exc import IntegrityError

from bot.channels.twilio import keywords, store
from bot.channels.twilio.keywords import Keyword
from bot.channels.twilio.media import fetch_media, store_media
from bot.channels.twilio.ratelimit import SenderRateLimit
from bot.channels.twilio.sender import SEND_EXECUTOR, TwilioSender, deliver_to_contact
from bot.channels.twilio.signature import SignatureChecker
from bot.language.config import load_language_config
from bot.messages import get_catalog
from bot.outbound import Delivery
from bot.privacy.keys import AddressCipher, contact_hash
from bot.settings import TwilioSettings, get_settings
from bot.store.db import get_engine, session_scope

log = logging.getLogger(__name__)

INPUT_CHANNEL = "tipline_twilio"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_MEDIA = 10
STALE_PROCESSING = timedelta(minutes=5)
SWEEP_SECONDS = 60.0
# Webhooks are stored on their own threads: they never queue behind the bot turns' work.
MAX_YIELD_SECONDS = 5.0
ACCEPT_EXECUTOR = ThreadPoolExecutor(max_workers=8, thread_name_prefix="sms-accept")

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
SlotReader = Callable[[str], Awaitable[Optional[str]]]
TurnRecorded = Callable[[str, str], Awaitable[bool]]


@dataclass(frozen=True)
class WebhookResult:
    status: int
    body: str
    content_type: str = "text/xml"


@dataclass(frozen=True)
class Inbound:
    """The fields of a Twilio messaging webhook the tip line uses."""

    sid: str
    address: str  # the tipster's number: in memory only
    text: str
    media: List[Dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Accepted:
    replay: bool = False
    keyword: Optional[Keyword] = None
    keyword_allowed: bool = True
    deferred: bool = False
    notify: bool = False
    language: Optional[str] = None


def _first(form: Mapping[str, Any], name: str) -> Optional[str]:
    value = form.get(name)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return value if value is None else str(value)


def parse_inbound(form: Mapping[str, Any]) -> tuple[Optional[Inbound], Optional[str]]:
    """The message of a webhook, or a clear reason why it is not one."""
    missing = [name for name in ("MessageSid", "From") if not (_first(form, name) or "").strip()]
    body = _first(form, "Body")
    num_media_raw = (_first(form, "NumMedia") or "0").strip() or "0"
    try:
        num_media = int(num_media_raw)
    except ValueError:
        return None, f"NumMedia must be a number, not {num_media_raw[:20]!r}"
    if not 0 <= num_media <= MAX_MEDIA:
        return None, f"NumMedia must be between 0 and {MAX_MEDIA}"
    media: List[Dict[str, str]] = []
    for index in range(num_media):
        url = (_first(form, f"MediaUrl{index}") or "").strip()
        if not url:
            missing.append(f"MediaUrl{index}")
            continue
        if not url.startswith(("https://", "http://")):
            return None, f"MediaUrl{index} must be an http(s) URL"
        media.append({"url": url, "type": (_first(form, f"MediaContentType{index}") or "")})
    if body is None and not media:
        missing.append("Body")
    if missing:
        return None, "missing field(s): " + ", ".join(missing)
    sid = (_first(form, "MessageSid") or "").strip()
    if len(sid) > 64 or not sid.isalnum():
        return None, "MessageSid must be letters and digits (at most 64)"
    return Inbound(sid, (_first(form, "From") or "").strip(), body or "", media), None


class SmsGateway:
    """Accepts Twilio webhooks and runs their bot turns; one per Rasa process."""

    def __init__(self, settings: Optional[TwilioSettings] = None, *,
                 sender: Optional[TwilioSender] = None,
                 input_channel: str = INPUT_CHANNEL) -> None:
        self.settings = settings or get_settings().twilio
        self.checker = SignatureChecker(self.settings.auth_token, self.settings.public_url)
        self.limits = SenderRateLimit(self.settings.rate_limit, self.settings.rate_limit_storage)
        self.sender = sender or TwilioSender(self.settings)
        self.input_channel = input_channel
        self.on_new_message: Optional[OnNewMessage] = None
        self.read_language: Optional[SlotReader] = None
        self.turn_recorded: Optional[TurnRecorded] = None
        self._cipher: Optional[AddressCipher] = None
        self._drains: Dict[str, asyncio.Task] = {}
        self._wakeups: Dict[str, int] = {}
        self._background: set[asyncio.Task] = set()
        self._turns: Optional[asyncio.Semaphore] = None
        self._sweeper: Optional[asyncio.Task] = None
        self._interrupted: set[int] = set()
        self._webhooks = 0  # webhooks being stored right now: bot turns wait for them
        self._stopping = False

    # -- webhook ------------------------------------------------------------------------

    @property
    def cipher(self) -> AddressCipher:
        if self._cipher is None:
            self._cipher = AddressCipher()
        return self._cipher

    async def handle_webhook(self, url: str, form: Mapping[str, Any],
                             signature: Optional[str]) -> WebhookResult:
        """Check, store and acknowledge one webhook; the bot turn runs afterwards."""
        sid = (_first(form, "MessageSid") or "-")[:64]
        if not self.checker.configured:
            log.error("twilio webhook rejected: no auth token configured (MessageSid %s)", sid)
            return WebhookResult(403, "signature cannot be checked", "text/plain")
        if not self.checker.is_valid(url, form, signature):
            reason = "invalid" if signature else "missing"
            log.warning("twilio webhook rejected: %s X-Twilio-Signature for %s (MessageSid %s)",
                        reason, self.checker.signed_url(url).split("?")[0], sid)
            return WebhookResult(403, "invalid signature", "text/plain")
        inbound, problem = parse_inbound(form)
        if inbound is None:
            log.warning("twilio webhook refused (400): %s (MessageSid %s)", problem, sid)
            return WebhookResult(400, problem or "bad request", "text/plain")
        key = contact_hash(inbound.address)
        self._webhooks += 1
        try:
            accepted = await asyncio.get_running_loop().run_in_executor(
                ACCEPT_EXECUTOR, self._accept, inbound, key)
        finally:
            self._webhooks -= 1
        if accepted.replay:
            log.info("twilio webhook replay of %s acknowledged, nothing stored", inbound.sid)
            return WebhookResult(200, EMPTY_TWIML)
        if accepted.keyword is not None:
            log.info("sms keyword %s from %s", accepted.keyword.kind, key[:12])
            if accepted.keyword_allowed:
                self._spawn(self._answer_keyword(key, inbound.address, accepted))
        else:
            if accepted.notify:
                self._spawn(self._send(key, "rate_limited", accepted.language, "notice",
                                       address=inbound.address))
            if inbound.media and self.settings.fetch_media:
                self._spawn(asyncio.to_thread(fetch_media, inbound.media, self.settings))
            self.ensure_drain(key)
        return WebhookResult(200, EMPTY_TWIML)

    def _accept(self, inbound: Inbound, key: str) -> Accepted:
        for attempt in (1, 2):
            try:
                return self._accept_once(inbound, key)
            except IntegrityError:  # a concurrent replay, or two first messages at once
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _accept_once(self, inbound: Inbound, key: str) -> Accepted:
        with get_engine().begin() as conn:
            if store.known(conn, inbound.sid):
                return Accepted(replay=True)
            contact = store.upsert_contact(conn, key, self.cipher.encrypt(inbound.address))
            found = None if inbound.media else keywords.match(inbound.text, contact.opted_out)
            if found is not None:
                allowed = True
                if found.kind == keywords.OPT_OUT:
                    store.set_opted_out(conn, key, True)
                elif found.kind == keywords.OPT_IN:
                    store.set_opted_out(conn, key, False)
                else:  # HELP is answered, within the sender's limit
                    allowed = self.limits.arrival(key)
                store.insert_inbound(conn, inbound.sid, key, inbound.text, [], "processed")
                return Accepted(keyword=found, keyword_allowed=allowed,
                                language=contact.language)
            allowed = self.limits.arrival(key) if self.limits.enabled else True
            notify = not allowed and self.limits.should_notify(key)
            store.insert_inbound(conn, inbound.sid, key, inbound.text, inbound.media,
                                 "received" if allowed else "deferred")
            return Accepted(deferred=not allowed, notify=notify, language=contact.language)

    # -- replies --------------------------------------------------------------------------

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _language(self, *candidates: Optional[str]) -> str:
        for language in candidates:
            if language and language != "und":
                return language
        return load_language_config(get_settings().languages).default

    async def _answer_keyword(self, key: str, address: str, accepted: Accepted) -> None:
        found = accepted.keyword
        assert found is not None
        language = self._language(accepted.language, found.language)
        message_key = {keywords.OPT_OUT: "stopped", keywords.OPT_IN: "started",
                       keywords.HELP: "help"}[found.kind]
        # the STOP confirmation and HELP answers go out even to an opted-out number
        await self._send(key, message_key, language, "keyword", address=address,
                         ignore_opt_out=found.kind != keywords.OPT_IN)

    async def _send(self, key: str, message_key: str, language: Optional[str], kind: str, *,
                    address: Optional[str] = None, ignore_opt_out: bool = False) -> Delivery:
        language = self._language(language)
        text = await asyncio.to_thread(get_catalog().render, message_key, language)
        return await self.send_text(key, text, kind, address=address,
                                    ignore_opt_out=ignore_opt_out)

    async def send_text(self, key: str, text: str, kind: str, *,
                        address: Optional[str] = None, ignore_opt_out: bool = False,
                        tip_id: Optional[int] = None) -> Delivery:
        """Deliver on the sender thread pool (the event loop never waits on Twilio)."""
        loop = asyncio.get_running_loop()
        try:
            delivery = await loop.run_in_executor(
                SEND_EXECUTOR,
                partial(deliver_to_contact, key, text, kind, tip_id=tip_id, address=address,
                        ignore_opt_out=ignore_opt_out, sender=self.sender))
        except Exception:
            log.exception("sms to %s: delivery failed", key[:12])
            return Delivery("failed", "exception")
        if delivery.status not in ("sent", "queued"):
            log.info("sms %s to %s: %s", kind, key[:12], delivery.status)
        return delivery

    # -- bot turns ---------------------------------------------------------------------------

    def ensure_drain(self, key: str) -> None:
        """Make sure this sender's pending messages are being processed, in order."""
        if self._stopping:
            return  # stored: the next start (or another replica's sweep) processes it
        task = self._drains.get(key)
        if task is not None and not task.done():
            self._wakeups[key] = self._wakeups.get(key, 0) + 1
            return
        self._wakeups[key] = 0
        self._drains[key] = asyncio.ensure_future(self._drain(key))

    async def idle(self, timeout: float = 30.0) -> bool:
        """Wait until no sender has work in progress (tests, shutdown)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._drains or self._background:
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def _drain(self, key: str) -> None:
        try:
            while not self._stopping:
                generation = self._wakeups.get(key, 0)
                pending = await asyncio.to_thread(self._next_pending, key)
                if pending is None:
                    if self._wakeups.get(key, 0) != generation:
                        continue
                    return
                if self.limits.enabled and not self.limits.process(key):
                    await asyncio.sleep(min(self.limits.wait_seconds(key), SWEEP_SECONDS))
                    continue
                if not await asyncio.to_thread(self._claim, pending.id):
                    continue  # another replica took it
                if await self._already_done(pending):
                    await asyncio.to_thread(self._set_status, pending.id, "processed")
                    continue
                await self._process(pending)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("sms drain for %s stopped", key[:12])
        finally:
            if self._drains.get(key) is asyncio.current_task():
                self._drains.pop(key, None)
                self._wakeups.pop(key, None)

    @staticmethod
    def _next_pending(key: str) -> Optional[store.PendingMessage]:
        with session_scope() as session:
            return store.next_pending(session, key)

    @staticmethod
    def _claim(message_id: int) -> bool:
        with session_scope() as session:
            return store.claim(session, message_id)

    @staticmethod
    def _set_status(message_id: int, status: str) -> None:
        with session_scope() as session:
            store.set_status(session, message_id, status)

    def _contact_state(self, key: str) -> tuple[Optional[str], Optional[str]]:
        """(clear address for this turn's replies, language) of a contact."""
        with session_scope() as session:
            contact = store.find_contact(session, key)
            if contact is None:
                return None, None
            address = (self.cipher.decrypt(contact.address_encrypted)
                       if contact.address_encrypted else None)
            return address, contact.language

    @staticmethod
    def _finish(message_id: int, key: str, language: Optional[str]) -> None:
        with session_scope() as session:
            store.set_status(session, message_id, "processed")
            contact = store.find_contact(session, key)
            if contact is not None and language and language != "und":
                contact.language = language

    def _semaphore(self) -> asyncio.Semaphore:
        if self._turns is None:
            self._turns = asyncio.Semaphore(max(1, self.settings.concurrency))
        return self._turns

    async def _process(self, pending: store.PendingMessage) -> None:
        key = pending.contact_hash
        try:
            # the address is read before the turn: a "forget my number" is still answered
            address, language = await asyncio.to_thread(self._contact_state, key)
            replies: List[str] = []
            text = pending.text.strip()
            if not text and pending.media:
                language = self._language(language)
                outcome = await asyncio.to_thread(
                    store_media, key, pending.media, "", language,
                    timedelta(hours=self.settings.media_join_hours))
                if outcome is not None:
                    message_key = "info_added" if outcome.action == "added" else "tip_received"
                    replies.append(await asyncio.to_thread(
                        get_catalog().render, message_key, language,
                        reference=outcome.reference))
            else:
                replies = await self._turn(pending)
                if self.read_language is not None:
                    language = await self.read_language(key) or language
                if pending.media:
                    outcome = await asyncio.to_thread(
                        store_media, key, pending.media, pending.text, self._language(language),
                        timedelta(hours=self.settings.media_join_hours))
                    if outcome is not None and outcome.action == "created":
                        replies.append(await asyncio.to_thread(
                            get_catalog().render, "tip_received", self._language(language),
                            reference=outcome.reference))
            await asyncio.to_thread(self._finish, pending.id, key, language)
        except Exception:
            log.exception("sms message %s: bot turn failed; kept as failed for a retry",
                          pending.external_id)
            await asyncio.to_thread(self._set_status, pending.id, "failed")
            return
        for reply in replies:
            await self.send_text(key, reply, "bot", address=address)

    async def _turn(self, pending: store.PendingMessage) -> List[str]:
        if self.on_new_message is None:
            raise RuntimeError("the SMS channel is not connected to the Rasa agent yet")
        collector = CollectingOutputChannel()
        metadata: Dict[str, Any] = {"channel": "sms"}
        if pending.media:
            metadata["media"] = pending.media
        message = UserMessage(pending.text, collector, pending.contact_hash,
                              input_channel=self.input_channel,
                              message_id=pending.external_id, metadata=metadata)
        async with self._semaphore():
            # Rasa's NLU and tracker store work on the event loop: while a burst of
            # webhooks is being stored, they go first (Twilio waits at most 15 s).
            waited = 0.0
            while self._webhooks and waited < MAX_YIELD_SECONDS:
                await asyncio.sleep(0.01)
                waited += 0.01
            await self.on_new_message(message)
        return [m["text"] for m in collector.messages if m.get("text")]

    # -- crash recovery ------------------------------------------------------------------

    async def recover(self, include_failed: bool = True) -> int:
        """Resume the senders whose messages a stopped process left unprocessed."""
        senders = await asyncio.to_thread(self._senders_to_recover, include_failed)
        for key in senders:
            if key in self._drains:
                continue
            interrupted = await asyncio.to_thread(self._release, key, include_failed)
            self._interrupted.update(interrupted)
            self.ensure_drain(key)
        if senders:
            log.info("sms recovery: resumed %d sender(s) with unprocessed messages",
                     len(senders))
        return len(senders)

    @staticmethod
    def _senders_to_recover(include_failed: bool) -> List[str]:
        with session_scope() as session:
            return store.senders_to_recover(session, STALE_PROCESSING, include_failed)

    @staticmethod
    def _release(key: str, include_failed: bool) -> List[int]:
        with session_scope() as session:
            return store.release_for_retry(session, key, STALE_PROCESSING, include_failed)

    async def _already_done(self, pending: store.PendingMessage) -> bool:
        """An interrupted message whose turn is in the tracker is not run twice."""
        if pending.id not in self._interrupted:
            return False
        self._interrupted.discard(pending.id)
        if self.turn_recorded is None:
            return False
        if await self.turn_recorded(pending.contact_hash, pending.external_id):
            log.info("sms recovery: turn of %s already recorded, not run again",
                     pending.external_id)
            return True
        return False

    async def start(self) -> None:
        """Recover what a previous process left, then sweep periodically."""
        await self.recover(include_failed=True)
        if self._sweeper is None:
            self._sweeper = asyncio.ensure_future(self._sweep())

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.recover(include_failed=False)
            except Exception:
                log.exception("sms recovery sweep failed")

    async def stop(self, grace: float = 10.0) -> None:
        """Let the turns in progress finish (up to ``grace`` seconds), then cancel the rest;
        unprocessed messages stay in the database for the next start."""
        self._stopping = True
        if self._sweeper is not None:
            self._sweeper.cancel()
        deadline = asyncio.get_running_loop().time() + grace
        while self._drains and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        tasks = [t for t in (self._sweeper, *self._drains.values(), *self._background) if t]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._sweeper = None
