"""Web chat messages through the inbox: checked, stored, run, answered in the session.

``accept`` applies the channel's limits (``TIPLINE_WEBCHAT_MAX_CHARS``: refused whole with
the ``too_long`` reply beyond it; ``TIPLINE_WEBCHAT_RATE_LIMIT`` per chat session: kept
``deferred``, one ``rate_limited`` notice per window) and stores the message; the
session's drain (bot/inbox/worker.py) runs its turn. Replies go to the session's room
when it is open on this process, else to ``webchat_outbox``, delivered when the session
comes back (or by the replica that holds it). A turn that could not complete gets the
``delayed`` reply once and is retried.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import UserMessage

from bot.channels.webchat import store as outbox
from bot.channels.webchat.spec import SPEC
from bot.inbox import store
from bot.inbox.agent import AgentLink
from bot.inbox.config import InboxSettings
from bot.inbox.limits import admit, channel_limits
from bot.inbox.turn import Attempt, recorded_attempt, run_turn, user_message
from bot.inbox.worker import InboxWorker
from bot.messages import get_catalog
from bot.store.db import session_scope

log = logging.getLogger(__name__)

Emit = Callable[[str, List[Dict[str, Any]], Optional[str]], Awaitable[None]]


class WebChatInbox:
    """The web chat's part of the durable intake (the inbox worker's handler)."""

    channel = SPEC.name

    def __init__(self, input_channel: str, settings: InboxSettings) -> None:
        self.input_channel = input_channel
        self.limits = channel_limits(SPEC.name, settings)
        self.link = AgentLink()
        self.worker = InboxWorker(self, settings, limits=self.limits.rate, ready=self.link.ready)
        self.on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None
        self.emit: Optional[Emit] = None  # (session id, messages, language) to an open session
        self.is_open: Callable[[str], bool] = lambda _session: False

    async def connect(self, app: Any) -> None:
        if await self.link.connect(app):
            await self.worker.start()

    async def accept(self, session_id: str, text: str, metadata: Dict[str, Any]) -> None:
        """Check and store one message of ``session_id``; its turn follows."""
        admission = await asyncio.to_thread(admit, SPEC.name, session_id, text, self.limits,
                                            meta=metadata or None)
        if admission.outcome == "too_long":
            log.info("web chat: a message over %d characters refused", self.limits.max_chars)
            await self._notice(session_id, "too_long", metadata, limit=self.limits.max_chars)
        elif admission.notify:
            await self._notice(session_id, "rate_limited", metadata)
        if admission.stored:
            self.worker.ensure_drain(session_id)

    async def _language(self, session_id: str, metadata: Optional[Dict[str, Any]],
                        key: Optional[str] = None) -> str:
        hint = (metadata or {}).get("language")
        return await self.link.language(session_id, key, hint if isinstance(hint, str) else None)

    async def _notice(self, session_id: str, message_key: str,
                      metadata: Optional[Dict[str, Any]], key: Optional[str] = None,
                      **params: Any) -> None:
        language = await self._language(session_id, metadata, key)
        text = await asyncio.to_thread(get_catalog().render, message_key, language, **params)
        await self._send(session_id, [{"text": text}], language)

    async def _send(self, session_id: str, messages: List[Dict[str, Any]],
                    language: Optional[str]) -> None:
        messages = [m for m in messages if m.get("text")]
        if self.emit is not None and self.is_open(session_id):
            await self.emit(session_id, messages, language)
        elif messages:  # the session is closed here: it gets them when it comes back
            await asyncio.to_thread(_enqueue, session_id, messages, language)

    # -- the inbox worker's handler --------------------------------------------------------

    async def run(self, message: store.Pending) -> Attempt:
        return await run_turn(self.on_new_message, user_message(
            message, self.input_channel, metadata=message.meta), message.id)

    async def deliver(self, message: store.Pending, attempt: Attempt) -> None:
        await self._send(message.sender, attempt.messages, await self.link.slot(message.sender))

    async def delayed(self, message: store.Pending, attempt: Attempt) -> None:
        await self._notice(message.sender, "delayed", message.meta, message.key)

    async def recorded(self, message: store.Pending) -> Optional[Attempt]:
        return await recorded_attempt(self.link, message)


def _enqueue(session_id: str, messages: List[Dict[str, Any]], language: Optional[str]) -> None:
    with session_scope() as session:
        for message in messages:
            outbox.enqueue(session, session_id, str(message["text"]), kind="bot",
                           language=language)
