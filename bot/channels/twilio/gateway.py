"""The SMS channel's work, independent of the web framework: webhook in, replies out.

Webhook (``handle_webhook``), answered within milliseconds:

1. ``X-Twilio-Signature`` checked (403 and a log line otherwise; nothing stored);
2. fields checked (400 naming what is missing);
3. in one savepoint: a known ``MessageSid`` is a replay (200, nothing created); else the
   contact is found or created (keyed hash, number encrypted), carrier keywords applied,
   the size and rate limits applied, and the message stored in the inbox as ``received``
   (or ``deferred``; a body over ``TIPLINE_SMS_MAX_CHARS`` as ``refused``, text not kept,
   answered with ``too_long``). Webhooks arriving while a transaction is written share the
   next one, each in its own savepoint (group commit, bot/inbox/group_commit.py);
4. 200 with empty TwiML once that transaction is committed. Keyword answers and notices go
   out in the background.

Then the sender's drain runs the bot turns in arrival order, and a stopped process's
messages are recovered (drains.py, turns.py). Twilio's status callbacks of officers'
replies are ``status_callbacks`` (status.py), stored by the same writers.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, Mapping, Optional

from sqlalchemy.engine import Connection

from bot.channels.twilio import keywords, store
from bot.channels.twilio.drains import SmsDrains
from bot.channels.twilio.media import fetch_media
from bot.channels.twilio.sender import TwilioSender
from bot.channels.twilio.signature import SignatureChecker
from bot.channels.twilio.spec import SPEC
from bot.channels.twilio.status import StatusCallbacks
from bot.channels.twilio.webhook import (
    EMPTY_TWIML,
    Accepted,
    Inbound,
    WebhookResult,
    first,
    parse_inbound,
)
from bot.inbox import store as inbox
from bot.inbox.group_commit import GroupCommit
from bot.privacy.keys import contact_hash
from bot.settings import TwilioSettings, get_settings

log = logging.getLogger(__name__)

__all__ = ["EMPTY_TWIML", "SmsGateway", "WebhookResult"]
# Webhooks are stored by writer threads of their own (they never queue behind the bot
# turns' work), the webhooks waiting shared out in batches, one transaction each: one
# writer on SQLite (one writer at a time there anyway); eight on PostgreSQL, whose round
# trips overlap across connections (docs/reliability.md, Load).
ACCEPT_WRITERS = {"sqlite": 1}
DEFAULT_ACCEPT_WRITERS = 8
MAX_BATCH = 64
_writers: Dict[str, GroupCommit] = {}


def accept_writers() -> GroupCommit:
    """The writers that store webhooks, sized for the tips database (made on first use)."""
    dialect = get_settings().database_url.split(":", 1)[0].split("+", 1)[0]
    if dialect not in _writers:
        _writers[dialect] = GroupCommit(
            "sms-accept", writers=ACCEPT_WRITERS.get(dialect, DEFAULT_ACCEPT_WRITERS),
            max_batch=MAX_BATCH, wait_seconds=lambda: get_settings().inbox.store_wait_seconds)
    return _writers[dialect]


class SmsGateway(SmsDrains):
    """Accepts Twilio webhooks (their turns run in the drains); one per Rasa process."""

    def __init__(self, settings: Optional[TwilioSettings] = None, *,
                 sender: Optional[TwilioSender] = None,
                 input_channel: str = SPEC.input_name) -> None:
        settings = settings or get_settings().twilio
        super().__init__(settings, sender or TwilioSender(settings), input_channel)
        self.checker = SignatureChecker(settings.auth_token, settings.public_url)
        self.status_callbacks = StatusCallbacks(settings, input_channel, accept_writers)
        self.max_chars: int = getattr(get_settings().inbox, self.spec.limits.max_chars)

    def contact_key(self, address: str) -> str:
        """The keyed hash standing for ``address`` on this channel (WhatsApp has its own)."""
        return contact_hash(address)

    async def handle_webhook(self, url: str, form: Mapping[str, Any],
                             signature: Optional[str]) -> WebhookResult:
        """Check, store and acknowledge one webhook; the bot turn runs afterwards."""
        sid = (first(form, "MessageSid") or "-")[:64]
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
        key = self.contact_key(inbound.address)
        self._webhooks += 1
        try:
            accepted = await accept_writers().run(
                key, lambda conn: self._accept_in(conn, inbound, key))
        finally:
            self._webhooks -= 1
        if accepted.replay:
            log.info("twilio webhook replay of %s acknowledged, nothing stored", inbound.sid)
        elif accepted.keyword is not None:
            log.info("sms keyword %s from %s", accepted.keyword.kind, key[:12])
            if accepted.keyword_allowed:
                self._spawn(self._answer_keyword(key, inbound.address, accepted))
        elif accepted.too_long:
            log.info("sms %s over %d characters refused", inbound.sid, self.max_chars)
            self._spawn(self.send(key, "too_long", accepted.language, "notice",
                                  address=inbound.address, limit=self.max_chars))
        else:
            if accepted.notify:
                self._spawn(self.send(key, "rate_limited", accepted.language, "notice",
                                      address=inbound.address))
            if inbound.media and self.settings.fetch_media:
                self._spawn(asyncio.to_thread(fetch_media, inbound.media, self.settings))
            self.ensure_drain(key)
        return WebhookResult(200, EMPTY_TWIML)

    def _accept_in(self, conn: Connection, inbound: Inbound, key: str) -> Accepted:
        """The webhook's work in the caller's transaction (or savepoint)."""
        if inbox.known(conn, self.channel, inbound.sid) is not None:
            return Accepted(replay=True)
        contact = store.upsert_contact(conn, key, self.cipher.encrypt(inbound.address),
                                       self.channel)
        if len(inbound.text) > self.max_chars:  # Twilio sends at most 1600: a forgery?
            inbox.insert(conn, self.channel, inbound.sid, key, "", status="refused")
            return Accepted(too_long=True, language=contact.language)
        found = None if inbound.media else keywords.match(inbound.text, contact.opted_out)
        if found is not None:
            allowed = True
            if found.kind == keywords.OPT_OUT:
                store.set_opted_out(conn, key, True)
            elif found.kind == keywords.OPT_IN:
                store.set_opted_out(conn, key, False)
            else:  # HELP is answered, within the sender's limit
                allowed = self.limits.arrival(key)
            inbox.insert(conn, self.channel, inbound.sid, key, inbound.text,
                         status="processed")
            return Accepted(keyword=found, keyword_allowed=allowed,
                            language=contact.language)
        allowed = self.limits.arrival(key) if self.limits.enabled else True
        notify = not allowed and self.limits.should_notify(key)
        inbox.insert(conn, self.channel, inbound.sid, key, inbound.text, media=inbound.media,
                     status="received" if allowed else "deferred")
        return Accepted(deferred=not allowed, notify=notify, language=contact.language)

    async def _answer_keyword(self, key: str, address: str, accepted: Accepted) -> None:
        found = accepted.keyword
        assert found is not None
        language = self._language(accepted.language, found.language)
        message_key = {keywords.OPT_OUT: "stopped", keywords.OPT_IN: "started",
                       keywords.HELP: "help"}[found.kind]
        # the STOP confirmation and HELP answers go out even to an opted-out number
        await self.send(key, message_key, language, "keyword", address=address,
                        ignore_opt_out=found.kind != keywords.OPT_IN)
