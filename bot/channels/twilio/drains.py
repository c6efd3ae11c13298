"""The SMS channel's per-sender drains and recovery: the inbox worker around the turns.

Each sender's stored messages run in arrival order (bot/inbox/worker.py, turns.py); a
message counts as ``processed`` only once its turn's effect is durable, else it is retried
with back-off. Messages left by a stopped process are picked up at start and by the
periodic sweep. Webhook acceptance (gateway.py) stores messages and calls ``ensure_drain``.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable

from bot.channels.twilio.sender import TwilioSender
from bot.channels.twilio.turns import SmsTurns
from bot.inbox.ratelimit import SenderRateLimit
from bot.inbox.worker import InboxWorker
from bot.settings import TwilioSettings, get_settings


class SmsDrains(SmsTurns):
    """Runs stored SMS through their bot turns, one drain per sender; resumes after a stop."""

    def __init__(self, settings: TwilioSettings, sender: TwilioSender, input_channel: str) -> None:
        super().__init__(settings, sender, input_channel)
        self.limits = SenderRateLimit(settings.rate_limit, settings.rate_limit_storage)
        self.worker = InboxWorker(self, get_settings().inbox, limits=self.limits,
                                  ready=self._ready, concurrency=settings.concurrency)
        self._background: set[asyncio.Task] = set()  # notices and keyword answers

    def ensure_drain(self, key: str) -> None:
        """Make sure this sender's pending messages are being processed, in order."""
        self.worker.ensure_drain(key)

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def idle(self, timeout: float = 30.0) -> bool:
        """Wait until no sender has work in progress (tests, shutdown)."""
        deadline = asyncio.get_running_loop().time() + timeout
        if not await self.worker.idle(timeout):
            return False
        while self._background:
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def recover(self, include_failed: bool = True) -> int:
        """Resume the senders whose messages a stopped process left unprocessed."""
        return await self.worker.recover(all_failed=include_failed)

    async def start(self) -> None:
        """Recover what a previous process left, then sweep periodically."""
        await self.worker.start()

    async def stop(self, grace: float = 10.0) -> None:
        """Let the turns in progress finish (up to ``grace`` seconds), then cancel the rest;
        unprocessed messages stay in the database for the next start."""
        await self.worker.stop(grace)
        tasks = list(self._background)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
