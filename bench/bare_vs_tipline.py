"""The tip line against a bare ``rasa init`` bot, measured side by side in one run (issue 10).

Starts the bare bot (bench/bare_bot.py: same Rasa, in-memory tracker, REST), then the tip
line as ``make run`` runs it (action server, SQLite tips and tracker store, translation
off); times each model load to ready (process start to the first answered
``/model/parse``), then measures both, alternating in rounds: the REST turn and
``/model/parse``, sequential and with N clients. The tip line's turn is a tip turn (a new
sender's tip: NLU + action + tip committed); its tips stored are counted at the end.

    .venv/bin/python -m bench.bare_vs_tipline [--requests 200] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests
from sqlalchemy import create_engine, func, select

from bench.bare_bot import BareBot, project_dir
from bench.stats import percentile
from bench.turn_latency import TIPS, timed
from bot.store.models import Tip
from harness import servers

_local = threading.local()


def _session() -> requests.Session:
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


@dataclass
class Target:
    """A running bot as the benchmark sees it."""

    name: str
    url: str
    params: Dict[str, str] = field(default_factory=dict)
    figures: Dict[str, tuple] = field(default_factory=dict)
    load_seconds: float = 0.0

    def parse(self, i: int) -> None:
        _session().post(f"{self.url}/model/parse", json={"text": TIPS[i % len(TIPS)]},
                        params=self.params, timeout=60).raise_for_status()

    def turn(self, i: int) -> None:
        response = _session().post(
            f"{self.url}/webhooks/rest/webhook", timeout=60,
            json={"sender": f"bench-{uuid.uuid4().hex[:20]}", "message": TIPS[i % len(TIPS)]})
        response.raise_for_status()
        if not response.json():
            raise RuntimeError(f"{self.name}: a turn without a reply")


def wait_ready(target: Target, process, started: float, timeout: float = 300) -> float:
    """Seconds from ``started`` until ``/model/parse`` answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{target.name} exited with {process.returncode}")
        try:
            if requests.post(f"{target.url}/model/parse", json={"text": "hello"},
                             params=target.params, timeout=5).status_code == 200:
                return time.perf_counter() - started
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{target.name} not ready after {timeout} s")


def warm_up(target: Target) -> None:
    for i in range(10):  # both paths, before any figure
        target.parse(i)
        target.turn(i)


def measure(targets: List[Target], count: int, clients: int, rounds: int) -> None:
    """Every row on every target, alternating in ``rounds`` (the machine is shared: its
    load changes during a run, and each target sees the same share of it)."""
    for kind, workers in (("turn", 1), ("turn", clients), ("parse", 1), ("parse", clients)):
        runs: Dict[str, tuple] = {t.name: ([], 0.0) for t in targets}
        for _ in range(rounds):
            for target in targets:
                call = target.turn if kind == "turn" else target.parse
                durations, wall = timed(call, count // rounds, workers)
                done, spent = runs[target.name]
                runs[target.name] = (done + durations, spent + wall)
        for target in targets:
            durations, wall = runs[target.name]
            target.figures[f"{kind}/{workers}"] = (
                percentile(durations, 50), percentile(durations, 95),
                percentile(durations, 99), len(durations) / wall)


def start_bare() -> tuple[Target, BareBot]:
    bot = BareBot(project_dir())
    started = time.perf_counter()
    process = bot.start()
    target = Target("bare rasa init", bot.url)
    try:
        target.load_seconds = wait_ready(target, process, started)
    except BaseException:
        bot.stop()
        raise
    return target, bot


def start_tipline() -> tuple[Target, servers.TipLineStack]:
    """The tip line as make run runs it (SQLite tips and tracker store), its Rasa timed."""
    tmp = Path(tempfile.mkdtemp(prefix="tipline-bare-vs-"))
    env = servers.stack_env(tmp, f"sqlite:///{tmp / 'tips.db'}")
    stack = servers.TipLineStack(env, tmp, servers.write_endpoints(
        tmp, servers.sqlite_tracker(tmp)), servers.write_credentials(tmp))
    begun: Dict[str, float] = {}
    original = servers.Server.start

    def start(server: servers.Server, timeout: float = 240) -> servers.Server:
        begun[server.name] = time.perf_counter()
        return original(server, timeout)

    servers.Server.start = start  # type: ignore[method-assign]
    try:
        stack.start()
    finally:
        servers.Server.start = original  # type: ignore[method-assign]
    target = Target("tip line", stack.url, stack.api_auth)
    rasa = next(s for s in stack.servers if s.name == "rasa")
    target.load_seconds = wait_ready(target, rasa.process, begun["rasa"])
    return target, stack


def tips_stored(stack: servers.TipLineStack) -> int:
    engine = create_engine(stack.env["TIPLINE_DATABASE_URL"], future=True)
    with engine.connect() as conn:
        return int(conn.execute(select(func.count(Tip.id))).scalar() or 0)


def table(bare: Target, tip: Target, clients: int) -> str:
    def cell(target: Target, key: str) -> str:
        p50, p95, p99, rate = target.figures[key]
        return f"{p50 * 1000:.1f} / {p95 * 1000:.1f} / {p99 * 1000:.1f} ms, {rate:.1f} req/s"

    lines = ["| measure | bare rasa init | tip line | tip line / bare | target |",
             "|---|---|---|---|---|",
             f"| model load to ready | {bare.load_seconds:.1f} s | {tip.load_seconds:.1f} s "
             f"| | tip line ≤ 20 s |"]
    names = {"turn/1": "REST turn, 1 client (tip turn on the tip line)",
             f"turn/{clients}": f"REST turn, {clients} clients",
             "parse/1": "/model/parse, 1 client", f"parse/{clients}": f"/model/parse, {clients}"}
    goals: Dict[str, Optional[float]] = {"turn/1": 1.0, f"turn/{clients}": 1.0,
                                         "parse/1": None, f"parse/{clients}": 0.8}
    for key, name in names.items():
        ratio = tip.figures[key][3] / bare.figures[key][3]
        goal = goals[key]
        verdict = "" if goal is None else f"≥ {goal:.1f}× ({'met' if ratio >= goal else 'missed'})"
        lines.append(f"| {name} (p50 / p95 / p99, throughput) | {cell(bare, key)} | "
                     f"{cell(tip, key)} | {ratio:.2f}× | {verdict} |")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="per row and target")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=4, help="alternations per row")
    args = parser.parse_args(argv)
    count = args.requests - args.requests % args.rounds
    bare, bot = start_bare()
    try:
        print(f"bare bot ready in {bare.load_seconds:.1f} s", flush=True)
        tip, stack = start_tipline()
        try:
            print(f"tip line ready in {tip.load_seconds:.1f} s", flush=True)
            warm_up(bare)
            warm_up(tip)
            measure([bare, tip], count, args.concurrency, args.rounds)
            tips = tips_stored(stack)
        finally:
            stack.stop()
    finally:
        bot.stop()
    print(table(bare, tip, args.concurrency))
    turns = 10 + 2 * count
    print(f"\ntips stored by the tip line: {tips} of {turns} tip turns "
          f"({'OK' if tips == turns else 'MISMATCH'})")


if __name__ == "__main__":
    main()
