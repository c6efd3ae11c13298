"""Where a tip turn's time goes: cProfile of the model load, parses and tip turns in process.

Runs the real action server (SQLite tips) and, in this process, Rasa's agent on the
trained model with an SQLite tracker store (as ``make run``), then profiles: the model
load, ``parse_message`` and ``handle_message`` of new senders' tips (NLU, rules, the
action server round trip, the tracker store). ``--speed`` installs bot/speed.py first,
as ``bot.serve`` does for ``rasa run``. Prints the top functions by cumulative time.

    .venv/bin/python -m bench.turn_profile [--turns 100] [--speed] [--sort tottime]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from harness import servers

TIPS = ("I saw men loading bags of cocaine into a white van near Lacolle last night",
        "Des gens traversent a pied dans le bois pres de Stanstead vers 2h du matin",
        "Hay cajas de cigarrillos sin declarar en un camion cerca de Blaine ayer")


def report(profile: cProfile.Profile, title: str, sort: str, lines: int) -> None:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).strip_dirs().sort_stats(sort).print_stats(lines)
    print(f"===== {title}\n" + "\n".join(out.getvalue().splitlines()[4:]), flush=True)


async def profile_agent(args: argparse.Namespace, endpoints: Path) -> None:
    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.utils import AvailableEndpoints

    load = cProfile.Profile()
    started = time.perf_counter()
    load.enable()
    agent = await load_agent(model_path=str(servers.ROOT / "models" / "current.tar.gz"),
                             endpoints=AvailableEndpoints.read_endpoints(str(endpoints)))
    load.disable()
    print(f"model loaded in {time.perf_counter() - started:.1f} s")
    report(load, "model load", "cumulative", args.lines)
    for i in range(5):  # warm up
        await agent.parse_message(TIPS[i % len(TIPS)])
    parse = cProfile.Profile()
    started = time.perf_counter()
    parse.enable()
    for i in range(args.turns):
        await agent.parse_message(TIPS[i % len(TIPS)] + f" {i}")
    parse.disable()
    print(f"parse: {(time.perf_counter() - started) / args.turns * 1000:.1f} ms each")
    report(parse, "parse_message", args.sort, args.lines)
    turn = cProfile.Profile()
    started = time.perf_counter()
    turn.enable()
    for i in range(args.turns):
        await agent.handle_message(UserMessage(
            TIPS[i % len(TIPS)], CollectingOutputChannel(), f"profile-{uuid.uuid4().hex[:12]}",
            input_channel="rest", message_id=uuid.uuid4().hex))
    turn.disable()
    print(f"tip turn: {(time.perf_counter() - started) / args.turns * 1000:.1f} ms each")
    report(turn, "handle_message (tip turn)", args.sort, args.lines)


@contextmanager
def action_server_for_this_process(prefix: str) -> Iterator[Path]:
    """A migrated SQLite tips database, its settings in this process's environment (this
    process is the Rasa server) and a real action server on it; yields endpoints.yml."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    env = servers.stack_env(tmp, f"sqlite:///{tmp / 'tips.db'}")
    port = servers.free_port()
    env["TIPLINE_ACTIONS_PORT"] = str(port)
    os.environ.update(env)
    endpoints = servers.write_endpoints(tmp, servers.sqlite_tracker(tmp))
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=servers.ROOT,
                   env=env, check=True, capture_output=True)
    actions = servers.Server("actions", [sys.executable, "-m", "bot.serve", "actions",
                                         "--actions", "actions", "--port", str(port)],
                             env, f"http://127.0.0.1:{port}/health", tmp / "actions.log")
    actions.start()
    try:
        yield endpoints
    finally:
        actions.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=40)
    args = parser.parse_args()
    with action_server_for_this_process("tipline-profile-") as endpoints:
        from bot import compat

        compat.apply()
        if args.speed:
            from bot import speed

            speed.install()
        asyncio.run(profile_agent(args, endpoints))


if __name__ == "__main__":
    main()
