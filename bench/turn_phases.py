"""Where a tip turn's wall time goes, phase by phase, on the inbox path of a channel.

Runs the real action server (SQLite tips) and, in this process, Rasa's agent on the
trained model with an SQLite tracker store and bot/speed.py installed (as ``rasa run``
under ``bot.serve``); each tip turn goes the way the REST channel's worker takes it: the
message stored in the inbox, claimed, its turn run with the inbox key as Rasa's message
id (``bot.inbox.turn.run_turn``: the actions mark it), then finished. Wall-clock timers
around each phase (the NLU, each action-server call, the tracker store, the inbox
commits) give the median and mean per turn. Rasa's HTTP layer is not included.

    .venv/bin/python -m bench.turn_phases [--turns 60]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, List

from bench.turn_profile import TIPS, action_server_for_this_process
from harness import servers

_spent: Dict[str, float] = defaultdict(float)


def _timed_async(owner: Any, name: str, label: Callable[..., str]) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            _spent[label(*args, **kwargs)] += time.perf_counter() - started

    setattr(owner, name, timed)


def _timed_sync(owner: Any, name: str, label: str) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _spent[label] += time.perf_counter() - started

    setattr(owner, name, timed)


def instrument() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.inbox import store

    _timed_async(MessageProcessor, "parse_message", lambda *a, **k: "NLU (parse_message)")
    _timed_async(RemoteAction, "run", lambda self, *a, **k: f"action call: {self.name()}")
    _timed_async(SQLTrackerStore, "retrieve", lambda *a, **k: "tracker store: retrieve")
    _timed_async(SQLTrackerStore, "save", lambda *a, **k: "tracker store: save")
    for name in ("claim", "finish", "is_handled"):
        _timed_sync(store, name, f"inbox: {name}")


def stored(sender: str, text: str) -> int:
    from bot.inbox import store
    from bot.store.db import get_engine

    started = time.perf_counter()
    with get_engine().begin() as conn:
        message_id = store.insert(conn, "rest", uuid.uuid4().hex, sender, text)
    _spent["inbox: insert"] += time.perf_counter() - started
    return message_id


async def run(turns: int, endpoints: Path) -> List[Dict[str, float]]:
    from datetime import timedelta

    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    from bot.inbox import probe, store
    from bot.inbox.turn import run_turn, user_message

    agent = await load_agent(model_path=str(servers.ROOT / "models" / "current.tar.gz"),
                             endpoints=AvailableEndpoints.read_endpoints(str(endpoints)))
    probe.install_on_agent(agent)
    rows: List[Dict[str, float]] = []
    for i in range(10 + turns):
        _spent.clear()
        started = time.perf_counter()
        sender = f"phases-{uuid.uuid4().hex[:12]}"
        message_id = await asyncio.to_thread(stored, sender, TIPS[i % len(TIPS)])
        assert await asyncio.to_thread(store.claim, message_id, timedelta(seconds=60))
        pending = await asyncio.to_thread(store.get, message_id)
        attempt = await run_turn(agent.handle_message, user_message(pending, "rest"),
                                 message_id)
        if not attempt.handled or not attempt.texts:
            raise RuntimeError(f"turn {i} not handled: {attempt.reason}")
        await asyncio.to_thread(store.finish, message_id)
        _spent["whole turn"] = time.perf_counter() - started
        if i >= 10:  # warm-up turns are not counted
            rows.append(dict(_spent))
    kept = getattr(agent.action_endpoint, "_tipline_session", None)  # bot/speed_actions.py
    if kept is not None:
        await kept[1].close()
    return rows


def report(rows: List[Dict[str, float]]) -> None:
    whole = [r["whole turn"] for r in rows]
    names = sorted({k for r in rows for k in r}, key=lambda k: -sum(r.get(k, 0) for r in rows))
    print(f"{'phase':<44}{'median ms':>10}{'mean ms':>10}{'share':>8}")
    for name in names:
        values = [r.get(name, 0.0) for r in rows]
        share = sum(values) / sum(whole)
        print(f"{name:<44}{statistics.median(values) * 1000:10.1f}"
              f"{statistics.fmean(values) * 1000:10.1f}{share:8.0%}")


def main() -> None:
    from bot import speed

    speed.pin_threads()  # before numpy starts, as bot.serve does
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=60)
    args = parser.parse_args()
    with action_server_for_this_process("tipline-phases-") as endpoints:
        import logging

        from rasa.utils.common import configure_logging_and_warnings
        from rasa.utils.log_utils import configure_structlog

        from bot import compat

        configure_logging_and_warnings(logging.INFO)  # as ``rasa run``: no debug lines
        configure_structlog(logging.INFO)
        compat.apply()
        speed.install()
        instrument()
        report(asyncio.run(run(args.turns, endpoints)))


if __name__ == "__main__":
    main()
