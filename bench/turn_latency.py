"""One tip turn through the REST channel versus a bare /model/parse, in the same run.

Starts the real action server and Rasa server (SQLite tips, translation off) and prints
model load time, latency p50/p95/p99 and throughput, sequential and with concurrency,
and the CPU time the two servers spent per request (user + system, from /proc: on a
shared machine it moves far less with the load than the latency does).

    make bench   (or: .venv/bin/python -m bench.turn_latency --requests 200 [--sqlite-tracker])

``--sqlite-tracker``: conversations in an SQLite tracker store, as ``make run`` keeps them
(default: Rasa's in-memory tracker store).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, List

import requests

from bench.stats import summary_ms
from harness.servers import (
    TipLineStack,
    sqlite_tracker,
    stack_env,
    write_credentials,
    write_endpoints,
)

TICKS = os.sysconf("SC_CLK_TCK")

TIPS = [
    "I saw men loading bags of cocaine into a white van near Lacolle last night",
    "Des gens traversent a pied dans le bois pres de Stanstead vers 2h du matin",
    "Hay cajas de cigarrillos sin declarar en un camion cerca de Blaine ayer",
    "Someone is selling fake border passes online to people in Windsor",
]


def timed(call: Callable[[int], None], count: int, workers: int) -> tuple[List[float], float]:
    durations: List[float] = []

    def one(i: int) -> None:
        start = time.perf_counter()
        call(i)
        durations.append(time.perf_counter() - start)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, range(count)))
    return durations, time.perf_counter() - started


def cpu_seconds(stack: TipLineStack) -> float:
    """User + system CPU time spent so far by the stack's servers (Linux /proc)."""
    total = 0.0
    for server in stack.servers:
        assert server.process is not None
        with open(f"/proc/{server.process.pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--sqlite-tracker", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tipline-bench-"))
    env = stack_env(tmp, f"sqlite:///{tmp / 'tips.db'}")
    tracker = sqlite_tracker(tmp) if args.sqlite_tracker else None
    stack = TipLineStack(env, tmp, write_endpoints(tmp, tracker), write_credentials(tmp))
    started = time.perf_counter()
    stack.start()
    load = time.perf_counter() - started
    session = requests.Session()
    try:
        def parse(i: int) -> None:
            session.post(f"{stack.url}/model/parse", json={"text": TIPS[i % len(TIPS)]},
                         params=stack.api_auth, timeout=60).raise_for_status()

        def turn(i: int) -> None:
            session.post(f"{stack.url}/webhooks/rest/webhook",
                         json={"sender": f"bench-{uuid.uuid4().hex}", "message": TIPS[i % 4]},
                         timeout=60).raise_for_status()

        for i in range(10):  # warm up both paths
            parse(i)
            turn(i)
        print(f"servers ready (action server + Rasa, model loaded) in {load:.1f} s")
        print(f"{'path':<28}{'workers':>8}  latency{'':43}throughput")
        for name, call in (("POST /model/parse", parse), ("REST tip turn (stored)", turn)):
            for workers in (1, args.concurrency):
                spent = cpu_seconds(stack)
                durations, wall = timed(call, args.requests, workers)
                spent = cpu_seconds(stack) - spent
                print(f"{name:<28}{workers:>8}  {summary_ms(durations)}  "
                      f"{len(durations) / wall:6.1f} req/s  "
                      f"cpu {spent / len(durations) * 1000:5.1f} ms/req", flush=True)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
