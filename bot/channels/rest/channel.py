"""Rasa's REST channel made durable: stored first, run from the inbox, answered once.

``POST /webhooks/rest/webhook`` with ``{"sender": ..., "message": ..., "metadata": {...},
"message_id": ...}`` (``message_id`` optional: the client's idempotency key, letters,
digits and ``-_.:``, at most 64; a resend after a lost response creates nothing new).
The message is checked (size: ``TIPLINE_REST_MAX_CHARS``, else the ``too_long`` reply;
rate: ``TIPLINE_REST_RATE_LIMIT``), stored, and its turn runs in the sender's drain
(bot/inbox/worker.py). The response holds the turn's replies, or the ``delayed`` reply
when the turn could not complete (it is retried; its replies come with the sender's next
response), or the ``rate_limited`` notice for a message kept for later. Unlike Rasa's
``RestInput``, the text is never logged, a client cannot choose the input channel, and
``?stream=true`` is not offered (the whole answer comes at once).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.rest.spec import SPEC
from bot.channels.rest.turns import RestTurns
from bot.inbox import store
from bot.inbox.config import InboxSettings
from bot.inbox.limits import admit, channel_limits
from bot.inbox.text import is_clean
from bot.inbox.worker import InboxWorker
from bot.settings import get_settings

log = logging.getLogger(__name__)
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_SENDER = 64
MAX_METADATA = 8_000


class DurableRestInput(RestInput, RestTurns):
    """REST channel whose messages are stored before their turn and never lost."""

    @classmethod
    def name(cls) -> str:
        return SPEC.input_name

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> DurableRestInput:
        return cls()

    def __init__(self, settings: Optional[InboxSettings] = None) -> None:
        RestTurns.__init__(self)
        self.settings = settings or get_settings().inbox
        self.limits = channel_limits(SPEC.name, self.settings)
        self.worker = InboxWorker(self, self.settings, limits=self.limits.rate,
                                  ready=self.link.ready)
        self._connecting: Optional[asyncio.Task] = None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        self.on_new_message = on_new_message
        webhook = Blueprint("custom_webhook_DurableRestInput", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(request)

        @webhook.listener("after_server_start")
        async def start(app: Any, loop: Any) -> None:
            self._connecting = loop.create_task(self._connect(app))

        @webhook.listener("before_server_stop")
        async def stop(_app: Any, _loop: Any) -> None:
            await self.worker.stop()

        return webhook

    async def _connect(self, app: Any) -> None:
        if await self.link.connect(app):
            await self.worker.start()

    async def receive(self, request: Request) -> HTTPResponse:
        """Check, store and answer one message."""
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, RecursionError):  # not JSON, or nested past the recursion limit
            return response.json({"error": "the body must be JSON"}, status=400)
        sender, text, metadata, client_id, problem = _fields(body)
        if problem:
            log.info("rest: message refused (400): %s", problem)
            return response.json({"error": problem}, status=400)
        admission = await asyncio.to_thread(admit, SPEC.name, sender, text, self.limits,
                                            meta=metadata, external_id=client_id)
        if admission.outcome in ("too_long", "flood"):
            key = "too_long" if admission.outcome == "too_long" else "rate_limited"
            return response.json(self._pop_late(sender) + [
                await self._reply(sender, key, metadata, limit=self.limits.max_chars)])
        if admission.outcome == "deferred":
            self.worker.ensure_drain(sender)
            return response.json(self._pop_late(sender) + [
                await self._reply(sender, "rate_limited", metadata)])
        message_id = admission.message_id
        assert message_id is not None
        # waiting before anything else can run: the turn may end at any await from now on
        waiter = self.waiting.setdefault(message_id, asyncio.get_running_loop().create_future())
        if admission.outcome == "replay":
            pending = await asyncio.to_thread(store.get, message_id)
            if pending is None or pending.status not in (*store.PENDING, "processing"):
                self.waiting.pop(message_id, None)  # done before: what is left to say
                return response.json(self._pop_late(sender) + (
                    waiter.result() if waiter.done() else []))
        self.worker.ensure_drain(sender)
        try:
            messages = await asyncio.wait_for(asyncio.shield(waiter),
                                              self.settings.rest_wait_seconds)
        except TimeoutError:
            self.waiting.pop(message_id, None)
            messages = []
            if await asyncio.to_thread(store.note_delayed, message_id):
                messages = [await self._reply(sender, "delayed", metadata)]
        return response.json(self._pop_late(sender) + messages)


def _fields(body: Any) -> tuple:
    """(sender, text, metadata, client id, problem) of a request body."""
    if not isinstance(body, dict):
        return "", "", None, None, "the body must be a JSON object"
    sender, text = body.get("sender"), body.get("message")
    metadata, client_id = body.get("metadata"), body.get("message_id")
    if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER or not is_clean(
            sender) or not sender.isprintable():
        return "", "", None, None, f"sender must be printable text of 1 to {MAX_SENDER} characters"
    if not isinstance(text, str):
        return "", "", None, None, "message must be a string"
    if metadata is not None and not isinstance(metadata, dict):
        return "", "", None, None, "metadata must be a JSON object"
    if metadata and len(json.dumps(metadata, default=str)) > MAX_METADATA:
        return "", "", None, None, f"metadata must be at most {MAX_METADATA} characters of JSON"
    if client_id is not None and not (isinstance(client_id, str) and _CLIENT_ID.match(client_id)):
        return "", "", None, None, "message_id must be 1 to 64 letters, digits or -_.:"
    return sender, text, metadata or None, client_id, None
