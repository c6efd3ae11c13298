"""Per-sender drains (bot/inbox/worker.py) with a scripted channel: order, back-off, one
``delayed`` reply, giving up and requeueing, interrupted turns, the recovery job."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from bot.inbox import recovery, store
from bot.inbox.turn import Attempt
from bot.inbox.worker import InboxWorker
from bot.settings import get_settings
from bot.store.db import get_engine
from bot.store.models import utcnow
from harness.inbox import configured

FAST = {"TIPLINE_INBOX_RETRY_BASE": "0.05", "TIPLINE_INBOX_RETRY_MAX": "0.2",
        "TIPLINE_INBOX_MAX_ATTEMPTS": "4", "TIPLINE_INBOX_LEASE_SECONDS": "2"}


@pytest.fixture()
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    yield from configured(f"sqlite:///{tmp_path / 'tips.db'}", tmp_path, monkeypatch, **FAST)


class Channel:
    """A channel whose turns fail ``failures[text]`` times before they work."""

    channel = "rest"

    def __init__(self, failures: Optional[Dict[str, int]] = None) -> None:
        self.failures = dict(failures or {})
        self.runs: List[str] = []
        self.delivered: List[str] = []
        self.delayed_for: List[str] = []
        self.recorded_turns: Dict[str, Attempt] = {}

    async def run(self, message: store.Pending) -> Attempt:
        self.runs.append(message.text)
        if self.failures.get(message.text, 0) > 0:
            self.failures[message.text] -= 1
            return Attempt(False, reason="action failed")
        return Attempt(True, [{"text": f"re: {message.text}"}])

    async def deliver(self, message: store.Pending, attempt: Attempt) -> None:
        self.delivered.extend(attempt.texts)

    async def delayed(self, message: store.Pending, attempt: Attempt) -> None:
        self.delayed_for.append(message.text)

    async def recorded(self, message: store.Pending) -> Optional[Attempt]:
        return self.recorded_turns.get(message.text)


def store_messages(*texts: str, sender: str = "s1") -> List[int]:
    with get_engine().begin() as conn:
        return [store.insert(conn, "rest", f"id-{sender}-{text}", sender, text) for text in texts]


def drain(channel: Channel, sender: str = "s1", **kwargs: Any) -> InboxWorker:
    async def scenario() -> InboxWorker:
        worker = InboxWorker(channel, get_settings().inbox, **kwargs)
        worker.ensure_drain(sender)
        assert await worker.idle(20)
        return worker

    return asyncio.run(scenario())


def test_a_message_is_retried_until_it_works_and_the_next_waits(database: str) -> None:
    first, second = store_messages("tip", "and more")
    channel = Channel({"tip": 3})
    drain(channel)
    assert channel.runs == ["tip"] * 4 + ["and more"]
    assert channel.delivered == ["re: tip", "re: and more"]
    assert channel.delayed_for == ["tip"]  # once, not at every retry
    assert [(store.get(m).status, store.get(m).attempts) for m in (first, second)] == [
        ("processed", 3), ("processed", 0)]


def test_the_back_off_doubles_up_to_its_maximum(database: str) -> None:
    worker = InboxWorker(Channel(), get_settings().inbox)
    assert [worker.backoff(n) for n in range(1, 6)] == [0.05, 0.1, 0.2, 0.2, 0.2]


def test_after_the_last_attempt_it_is_set_aside_and_requeued_at_start(database: str) -> None:
    stuck, after = store_messages("stuck", "after")
    channel = Channel({"stuck": 4})
    drain(channel)
    assert channel.runs == ["stuck"] * 4 + ["after"] and channel.delayed_for == ["stuck"]
    assert store.get(stuck).status == "failed" and store.get(after).status == "processed"

    async def restart() -> None:
        worker = InboxWorker(channel, get_settings().inbox)
        await worker.start()
        assert await worker.idle(20)
        await worker.stop()

    asyncio.run(restart())
    assert channel.runs[-1] == "stuck" and store.get(stuck).status == "processed"
    assert channel.delayed_for == ["stuck"]  # already told


def test_an_interrupted_turn_already_recorded_is_not_run_again(database: str) -> None:
    done, redo = store_messages("done", "redo")
    expired = utcnow() - timedelta(seconds=1)
    with get_engine().begin() as conn:  # claimed by a process that died
        conn.execute(store.INBOX.update().where(store.INBOX.c.id.in_([done, redo]))
                     .values(status="processing", lease_until=expired))
    channel = Channel()
    channel.recorded_turns["done"] = Attempt(True, [{"text": "recorded reply"}])
    assert recovery.run_once()["released"] == 2  # the jobs consumer's recovery
    drain(channel)
    assert channel.runs == ["redo"]
    assert channel.delivered == ["recorded reply", "re: redo"]


def test_a_deferred_message_waits_for_the_senders_budget(database: str) -> None:
    from bot.inbox.ratelimit import SenderRateLimit

    store_messages("one", "two", "three")
    channel = Channel()
    started = asyncio.run(_timed(channel, SenderRateLimit("2 per 1 second", namespace="t")))
    assert channel.runs == ["one", "two", "three"] and started >= 0.5


async def _timed(channel: Channel, limits: Any) -> float:
    loop = asyncio.get_running_loop()
    began = loop.time()
    worker = InboxWorker(channel, get_settings().inbox, limits=limits)
    worker.ensure_drain("s1")
    assert await worker.idle(20)
    return loop.time() - began


def test_nothing_runs_before_rasas_agent_is_ready(database: str) -> None:
    store_messages("early")
    channel = Channel()
    ready = {"now": False}

    async def scenario() -> None:
        worker = InboxWorker(channel, get_settings().inbox, ready=lambda: ready["now"])
        worker.ensure_drain("s1")
        await asyncio.sleep(0.6)
        assert channel.runs == [] and channel.delayed_for == []
        ready["now"] = True
        assert await worker.idle(10)

    asyncio.run(scenario())
    assert channel.runs == ["early"] and channel.delayed_for == []


def test_the_recovery_job_reports_what_waits(database: str) -> None:
    store_messages("a", "b", sender="s2")
    report = recovery.run_once()
    assert report["released"] == 0 and report["counts"] == {"rest": {"received": 2}}
