"""Per-sender drains of one channel's inbox: in order, retried with back-off, never lost.

For each sender with stored messages, one task takes the oldest (``store.next_pending``),
claims it with a lease (renewed while the turn runs) and asks the channel's ``Handler``
to run its turn. Handled: the message is ``processed``, then the replies are delivered.
Not handled: it goes back to the queue with a back-off (1 s, 2 s, 4 s ... up to
``retry_max``), and the tipster gets the ``delayed`` reply once (``store.note_delayed``).
A message whose process died is released when its lease runs out (``recover``: at
start, then every ``sweep_seconds``); if its turn is already in the tracker and durable,
its recorded replies are delivered instead of running it twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Awaitable, Callable, Dict, Optional

from bot.inbox import store
from bot.inbox.config import InboxSettings
from bot.inbox.ratelimit import SenderRateLimit
from bot.inbox.turn import Attempt, Handler
from bot.store.models import utcnow

log = logging.getLogger(__name__)


class InboxWorker:
    """Drains, back-off and recovery of one channel's messages in this process."""

    def __init__(self, handler: Handler, settings: InboxSettings, *,
                 limits: Optional[SenderRateLimit] = None,
                 ready: Optional[Callable[[], bool]] = None, concurrency: int = 0) -> None:
        self.handler = handler
        self.settings = settings
        self.limits = limits
        self.ready = ready  # None: always (tests without Rasa); else the agent is loaded
        self._concurrency = max(1, concurrency or settings.concurrency)
        self._turns: Optional[asyncio.Semaphore] = None
        self._drains: Dict[str, asyncio.Task] = {}
        self._wakeups: Dict[str, int] = {}
        self._sweeper: Optional[asyncio.Task] = None
        self._stopping = False

    @property
    def channel(self) -> str:
        return self.handler.channel

    def ensure_drain(self, sender: str) -> None:
        """Make sure this sender's stored messages are being processed, in order."""
        if self._stopping:
            return  # stored: the next start (or another replica's sweep) processes it
        task = self._drains.get(sender)
        if task is not None and not task.done():
            self._wakeups[sender] = self._wakeups.get(sender, 0) + 1
            return
        self._wakeups[sender] = 0
        self._drains[sender] = asyncio.ensure_future(self._drain(sender))

    async def idle(self, timeout: float = 30.0) -> bool:
        """Wait until no sender has work in progress (tests, shutdown)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._drains:
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    def backoff(self, attempts: int) -> float:
        return min(self.settings.retry_max, self.settings.retry_base * 2 ** max(0, attempts - 1))

    async def _drain(self, sender: str) -> None:
        try:
            while not self._stopping:
                generation = self._wakeups.get(sender, 0)
                pending = await asyncio.to_thread(store.next_pending, self.channel, sender)
                if pending is None:
                    if self._wakeups.get(sender, 0) != generation:
                        continue
                    return
                wait = (pending.retry_at - utcnow()).total_seconds() if pending.retry_at else 0
                if wait > 0:
                    await asyncio.sleep(wait)
                elif self.ready is not None and not self.ready():
                    await asyncio.sleep(0.5)  # Rasa's agent is not loaded (yet)
                elif (self.limits is not None and self.limits.enabled
                      and pending.attempts == 0 and not self.limits.process(sender)):
                    await asyncio.sleep(min(self.limits.wait_seconds(sender),
                                            self.settings.sweep_seconds))
                elif await asyncio.to_thread(store.claim, pending.id, self._lease()):
                    await self._attempt(pending)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the database is down: the sweep starts it again
            log.warning("inbox %s drain stopped (%s); resumed by the next sweep",
                        self.channel, type(error).__name__)
        finally:
            if self._drains.get(sender) is asyncio.current_task():
                self._drains.pop(sender, None)
                self._wakeups.pop(sender, None)

    def _lease(self) -> timedelta:
        return timedelta(seconds=self.settings.lease_seconds)

    async def _keep_lease(self, message_id: int) -> None:
        while True:
            await asyncio.sleep(max(0.5, self.settings.lease_seconds / 3))
            try:
                await asyncio.to_thread(store.renew, message_id, self._lease())
            except Exception as error:
                log.warning("inbox message %d: lease not renewed (%s)", message_id,
                            type(error).__name__)

    async def _attempt(self, pending: store.Pending) -> None:
        lease = asyncio.ensure_future(self._keep_lease(pending.id))
        try:
            attempt = None
            if pending.interrupted:
                attempt = await self.handler.recorded(pending)
            if attempt is None:
                if self._turns is None:
                    self._turns = asyncio.Semaphore(self._concurrency)
                async with self._turns:
                    attempt = await self.handler.run(pending)
        except Exception as error:
            log.warning("inbox message %d: attempt failed (%s)", pending.id,
                        type(error).__name__)
            attempt = Attempt(False, reason=type(error).__name__)
        finally:
            lease.cancel()
        if attempt.handled:
            await asyncio.to_thread(store.finish, pending.id)
            await self._safely(self.handler.deliver(pending, attempt), pending, "replies")
            return
        attempts = pending.attempts + 1
        if attempts >= self.settings.max_attempts:
            log.error("inbox message %d: not handled after %d attempts (%s); set aside, "
                      "requeued later", pending.id, attempts, attempt.reason)
            requeue = utcnow() + timedelta(minutes=self.settings.requeue_minutes)
            await asyncio.to_thread(store.give_up, pending.id, attempts, requeue)
        else:
            retry = utcnow() + timedelta(seconds=self.backoff(attempts))
            await asyncio.to_thread(store.postpone, pending.id, attempts, retry)
        if not pending.delayed and await asyncio.to_thread(store.note_delayed, pending.id):
            await self._safely(self.handler.delayed(pending, attempt), pending, "delayed")

    async def _safely(self, work: Awaitable[None], pending: store.Pending, what: str) -> None:
        try:
            await work
        except Exception as error:
            log.warning("inbox message %d: %s not delivered (%s)", pending.id, what,
                        type(error).__name__)

    # -- recovery --------------------------------------------------------------------------

    async def recover(self, all_failed: bool = False) -> int:
        """Release expired claims (and due ``failed`` messages); resume waiting senders."""
        await asyncio.to_thread(store.release, self.channel, True, all_failed)
        senders = await asyncio.to_thread(store.waiting_senders, self.channel)
        resumed = [s for s in senders if s not in self._drains]
        for sender in resumed:
            self.ensure_drain(sender)
        if resumed:
            log.info("inbox %s recovery: resumed %d sender(s)", self.channel, len(resumed))
        return len(resumed)

    async def start(self) -> None:
        """Recover what a previous process left, then sweep periodically."""
        self._stopping = False
        await self.recover(all_failed=True)
        if self._sweeper is None:
            self._sweeper = asyncio.ensure_future(self._sweep())

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self.settings.sweep_seconds)
            try:
                await self.recover()
            except Exception as error:
                log.warning("inbox %s sweep failed (%s)", self.channel, type(error).__name__)

    async def stop(self, grace: float = 10.0) -> None:
        """Let the turns in progress finish (up to ``grace`` seconds), then cancel the rest;
        what is left stays stored for the next start."""
        self._stopping = True
        if self._sweeper is not None:
            self._sweeper.cancel()
        deadline = asyncio.get_running_loop().time() + grace
        while self._drains and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        tasks = [t for t in (self._sweeper, *self._drains.values()) if t]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._sweeper = None
