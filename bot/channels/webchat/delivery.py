"""Rasa side of officers' replies: deliver queued messages to open chat sessions.

A background task polls ``webchat_outbox`` every ``poll_seconds`` for the sessions that
have a socket on this process, claims their pending messages and emits them to the
session's room; a session that comes back (``session_request`` with its id) gets its
messages at once. Database work runs in a worker thread: the event loop never waits on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Awaitable, Callable, Collection, List

from bot.channels.webchat import store
from bot.store.db import session_scope

log = logging.getLogger(__name__)

Emit = Callable[[store.OutboxMessage], Awaitable[None]]
ERROR_LOG_INTERVAL = 60.0


def _claim(session_ids: Collection[str]) -> List[store.OutboxMessage]:
    with session_scope() as session:
        return store.claim_pending(session, session_ids)


class OutboxDelivery:
    """Delivers queued messages to the sessions returned by ``open_sessions``."""

    def __init__(self, emit: Emit, open_sessions: Callable[[], Collection[str]],
                 poll_seconds: float = 2.0) -> None:
        self.emit = emit
        self.open_sessions = open_sessions
        self.poll_seconds = max(0.2, poll_seconds)
        self._stopped = asyncio.Event()
        self._last_error_log = 0.0

    async def deliver(self, session_ids: Collection[str]) -> int:
        """Emit the pending messages of ``session_ids``; how many were delivered."""
        if not session_ids:
            return 0
        try:
            messages = await asyncio.to_thread(_claim, list(session_ids))
        except Exception as error:  # the database is back at a later poll
            now = time.monotonic()
            if now - self._last_error_log > ERROR_LOG_INTERVAL:
                self._last_error_log = now
                log.warning("web chat outbox not readable: %s: %s", type(error).__name__,
                            str(error)[:200])
            return 0
        for message in messages:
            try:
                await self.emit(message)
            except Exception:  # claimed but not emitted: it stays in tip_messages
                log.exception("web chat outbox message %d not emitted", message.id)
        if messages:
            log.info("web chat: %d queued message(s) delivered", len(messages))
        return len(messages)

    async def run(self) -> None:
        """Poll until ``stop``."""
        while not self._stopped.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), timeout=self.poll_seconds)
            if not self._stopped.is_set():
                await self.deliver(set(self.open_sessions()))

    def stop(self) -> None:
        self._stopped.set()
