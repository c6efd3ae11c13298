"""The SMS channel's part of the inbox: a stored SMS's bot turn, and its replies by SMS.

Run by the sender's drain (bot/inbox/worker.py), in arrival order: the contact's address
is read first (a "forget my number" is still answered), the turn runs
(``on_new_message`` with a collecting output channel, sender id = contact hash, media in
the metadata, Rasa's message id = the inbox key), media are reconciled
(``media.store_media``); a message of media only has no bot turn. Handled: the replies go
out through the Messages API on a thread pool. Not handled (the action server or the
database was down): the tipster gets the ``delayed`` reply once and the message is retried.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from functools import partial
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage

from bot.channels.twilio import store
from bot.channels.twilio.delivery import deliver_to_contact
from bot.channels.twilio.media import store_media
from bot.channels.twilio.sender import SEND_EXECUTOR, TwilioSender
from bot.channels.twilio.spec import SPEC
from bot.inbox.agent import AgentLink
from bot.inbox.store import Pending
from bot.inbox.turn import Attempt, recorded_attempt, run_turn, user_message
from bot.language.config import load_language_config
from bot.messages import get_catalog
from bot.outbound import Delivery
from bot.privacy.keys import AddressCipher
from bot.settings import TwilioSettings, get_settings
from bot.store.db import session_scope

log = logging.getLogger(__name__)
# Rasa's NLU and tracker store work on the event loop: while a burst of webhooks is being
# stored, they go first (Twilio waits at most 15 s).
MAX_YIELD_SECONDS = 5.0

SlotReader = Callable[[str], Awaitable[Optional[str]]]


class SmsTurns:
    """Bot turns of stored SMS and the replies they give (the inbox worker's handler)."""

    spec = SPEC  # WhatsApp's turns are these, with its own SPEC (bot/channels/whatsapp/)
    channel = SPEC.name

    def __init__(self, settings: TwilioSettings, sender: TwilioSender, input_channel: str) -> None:
        self.settings = settings
        self.sender = sender
        self.input_channel = input_channel
        self.on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None
        self.read_language: Optional[SlotReader] = None
        self.link: Optional[AgentLink] = None  # set by the Rasa channel
        self._cipher: Optional[AddressCipher] = None
        self._webhooks = 0  # webhooks being stored right now: bot turns wait for them

    @property
    def cipher(self) -> AddressCipher:
        if self._cipher is None:
            self._cipher = AddressCipher()
        return self._cipher

    def _ready(self) -> bool:
        return self.link is None or self.link.ready()

    def _language(self, *candidates: Optional[str]) -> str:
        for language in candidates:
            if language and language != "und":
                return language
        return load_language_config(get_settings().languages).default

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
    def _remember_language(key: str, language: Optional[str]) -> None:
        with session_scope() as session:
            contact = store.find_contact(session, key)
            if contact is not None and language and language != "und":
                contact.language = language

    async def _media(self, pending: Pending, text: str, language: str) -> Any:
        return await asyncio.to_thread(store_media, pending.sender, pending.media, text, language,
                                       timedelta(hours=self.settings.media_join_hours),
                                       self.channel)

    async def _render(self, key: str, language: str, **params: Any) -> Dict[str, Any]:
        return {"text": await asyncio.to_thread(get_catalog().render, key, language, **params)}

    # -- the inbox worker's handler --------------------------------------------------------

    async def run(self, pending: Pending) -> Attempt:
        address, language = await asyncio.to_thread(self._contact_state, pending.sender)
        extra = {"address": address}
        if not pending.text.strip() and pending.media:  # media alone: no bot turn
            language = self._language(language)
            outcome = await self._media(pending, "", language)
            messages = [] if outcome is None else [await self._render(
                "info_added" if outcome.action == "added" else "tip_received", language,
                reference=outcome.reference)]
            return Attempt(True, messages, language=language, extra=extra)
        attempt = await self._turn(pending)
        attempt.extra, attempt.language = extra, language
        if not attempt.handled:
            return attempt
        if self.read_language is not None:
            attempt.language = await self.read_language(pending.sender) or language
        if pending.media:
            language = self._language(attempt.language)
            outcome = await self._media(pending, pending.text, language)
            if outcome is not None and outcome.action == "created":
                attempt.messages.append(await self._render("tip_received", language,
                                                           reference=outcome.reference))
        return attempt

    async def _turn(self, pending: Pending) -> Attempt:
        metadata: Dict[str, Any] = {"channel": self.channel}
        if pending.media:
            metadata["media"] = pending.media
        message = user_message(pending, self.input_channel, metadata=metadata)
        waited = 0.0
        while self._webhooks and waited < MAX_YIELD_SECONDS:
            await asyncio.sleep(0.01)
            waited += 0.01
        return await run_turn(self.on_new_message, message, pending.id)

    async def deliver(self, pending: Pending, attempt: Attempt) -> None:
        await asyncio.to_thread(self._remember_language, pending.sender, attempt.language)
        address = attempt.extra.get("address")
        for reply in attempt.texts:
            await self.send_text(pending.sender, reply, "bot", address=address)

    async def delayed(self, pending: Pending, attempt: Attempt) -> None:
        address = attempt.extra.get("address")
        language = attempt.language
        if "address" not in attempt.extra:  # the attempt failed before reading the contact
            address, language = await asyncio.to_thread(self._contact_state, pending.sender)
        if self.link is not None and self.link.ready():
            language = await self.link.language(pending.sender, pending.key, language)
        await self.send(pending.sender, "delayed", language, "notice", address=address)

    async def recorded(self, pending: Pending) -> Optional[Attempt]:
        attempt = await recorded_attempt(self.link, pending)
        if attempt is not None:
            attempt.extra = {"address": (await asyncio.to_thread(
                self._contact_state, pending.sender))[0]}
        return attempt

    # -- sending ---------------------------------------------------------------------------

    async def send(self, key: str, message_key: str, language: Optional[str], kind: str, *,
                   address: Optional[str] = None, ignore_opt_out: bool = False,
                   **params: Any) -> Delivery:
        """Reply ``message_key`` of the catalog, in ``language``."""
        text = (await self._render(message_key, self._language(language), **params))["text"]
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
                        ignore_opt_out=ignore_opt_out, sender=self.sender,
                        channel=self.channel))
        except Exception:
            log.exception("sms to %s: delivery failed", key[:12])
            return Delivery("failed", "exception")
        if delivery.status not in ("sent", "queued"):
            log.info("sms %s to %s: %s", kind, key[:12], delivery.status)
        return delivery
