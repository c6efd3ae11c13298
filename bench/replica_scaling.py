"""Two Rasa replicas versus one under the same SMS load, on PostgreSQL and Redis (issue 10).

The replicas of docker/compose.yml as processes on this machine (harness/rollout.py:
HAProxy with its runtime API, 2 Rasa, 2 action servers, a fresh PostgreSQL database,
Redis lock store). The same burst of signed SMS tips (one per new tipster, ``--clients``
webhooks in flight) is sent in alternating rounds: with replica 2 of Rasa and of the action
server set to ``maint`` in HAProxy (one replica serves), then with both. Throughput = tips
committed per second, from the first webhook of a round to the last tip of the round in the
database. Every tipster must end with exactly one tip. Figures: docs/benchmarks.md.

    .venv/bin/python -m bench.replica_scaling [--tips 60] [--clients 8] [--rounds 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List

from sqlalchemy import create_engine, func, select

from bot.privacy.keys import contact_hash
from bot.store.models import Tip
from harness.clients import tip_text
from harness.durable import Inbox
from harness.fakes.twilio_api import FakeTwilioApi
from harness.inbox import pg_database
from harness.rollout import RollingReplicas
from harness.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE,
    WEBHOOK_PATH,
    TwilioWebhooks,
    fake_number,
)

SECOND = ("rasa2", "actions2")  # what "one replica" takes out of the balancer


def burst(cluster: RollingReplicas, tips: int, clients: int, offset: int) -> Dict[str, float]:
    """``tips`` signed SMS tips through the balancer; seconds until all are stored."""
    engine = create_engine(cluster.database_url, future=True)
    with engine.connect() as conn:
        before = conn.execute(select(func.count(Tip.id))).scalar_one()
    numbers = [fake_number() for _ in range(tips)]
    url = cluster.url + WEBHOOK_PATH

    def send(index: int) -> int:
        hooks = TwilioWebhooks(url, AUTH_TOKEN, signed_url=PUBLIC_BASE + WEBHOOK_PATH)
        return hooks.send(numbers[index], tip_text(offset + index))[0].status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        statuses = list(pool.map(send, range(tips)))
    acked = time.perf_counter() - started
    assert statuses == [200] * tips, f"refused webhooks: {statuses}"
    while True:
        with engine.connect() as conn:
            stored = conn.execute(select(func.count(Tip.id))).scalar_one() - before
        if stored >= tips:
            break
        if time.perf_counter() - started > 900:
            raise AssertionError(f"only {stored}/{tips} tips stored after 900 s")
        time.sleep(0.2)
    done = time.perf_counter() - started
    engine.dispose()
    keys = [contact_hash(n, key=cluster.env["TIPLINE_HASH_KEY"]) for n in numbers]
    Inbox(cluster).one_tip_each(keys)  # type: ignore[arg-type]  (none lost, none twice)
    return {"seconds": done, "acked": acked, "rate": tips / done}


def set_replicas(cluster: RollingReplicas, count: int) -> None:
    balancer = cluster.balancer_api()
    for name in SECOND:
        balancer.set_state(name, "ready" if count == 2 else "maint")
    time.sleep(2)  # HAProxy applies it at once; let in-flight checks settle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tips", type=int, default=60, help="per round")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each configuration")
    args = parser.parse_args()
    api = FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN).start()
    results: Dict[int, List[Dict[str, float]]] = {1: [], 2: []}
    for url in pg_database():
        cluster = RollingReplicas(Path(tempfile.mkdtemp(prefix="tipline-scale-")), url, api)
        started = time.perf_counter()
        cluster.start()
        print(f"cluster ready in {time.perf_counter() - started:.1f} s")
        try:
            set_replicas(cluster, 2)
            burst(cluster, 10, args.clients, 10_000)  # warm both replicas up
            offset = 0
            for _ in range(args.rounds):
                for count in (1, 2):
                    set_replicas(cluster, count)
                    result = burst(cluster, args.tips, args.clients, offset)
                    offset += args.tips
                    results[count].append(result)
                    print(f"{count} replica(s): {args.tips} tips in {result['seconds']:.1f} s "
                          f"({result['rate']:.2f} tips/s; webhooks acknowledged in "
                          f"{result['acked']:.1f} s)")
        finally:
            cluster.stop()
    api.stop()
    rate = {count: sum(r["rate"] for r in rounds) / len(rounds)
            for count, rounds in results.items()}
    print("\n| replicas | tips | clients | rounds | tips/s (mean) |")
    print("|---|---|---|---|---|")
    for count in (1, 2):
        print(f"| {count} | {args.tips} | {args.clients} | {args.rounds} | {rate[count]:.2f} |")
    print(f"\ntwo replicas / one: {rate[2] / rate[1]:.2f}x (target >= 1.5x); "
          f"every tipster exactly one tip")


if __name__ == "__main__":
    main()
