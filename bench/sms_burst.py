"""A burst of signed Twilio webhooks against the SMS channel of a running tip line.

Starts the real action server and Rasa server (SQLite tips, translation off) with the SMS
channel pointed at a local fake of Twilio's Messages API, then: 50 concurrent senders post
500 signed webhooks (10 tips each, back to back), plus optional replays of MessageSids
(Twilio retries). Prints the webhook acknowledgement latency (p50/p95/p99), the tips stored
per second until the whole burst is processed, and checks the count of tips stored equals
the count sent, with no duplicate.

    .venv/bin/python -m bench.sms_burst [--messages 500 --senders 50 --replays 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Tuple

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bench.stats import summary_ms
from bot.channels.twilio.store import OutboundMessage
from bot.privacy.keys import contact_hash
from bot.store.models import InboundMessage, Tip
from harness.fakes.twilio_api import FakeTwilioApi
from harness.servers import (
    TipLineStack,
    sqlite_tracker,
    stack_env,
    write_credentials,
    write_endpoints,
)
from harness.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE,
    WEBHOOK_PATH,
    TwilioWebhooks,
    twilio_credentials,
    twilio_env,
)

# Tips that say where and when: each is stored and confirmed at once (no follow-up
# question), so every message of a sender is a tip of its own.
TIPS = [
    "I saw two men loading bags of cocaine into a white van near Lacolle last night",
    "A boat without lights unloaded boxes near Fort Erie at 2am",
    "Someone is selling fake border passes online to people in Windsor yesterday",
    "Hay cajas de cigarrillos sin declarar en un camion cerca de Blaine ayer",
    "Des gens traversent a pied dans le bois pres de Stanstead vers 2h du matin",
    "A guy is selling pistols across the river near Detroit yesterday, he brings them in "
    "his truck",
]


def start_stack(api: FakeTwilioApi, rate_limit: str,
                concurrency: int | None = None) -> TipLineStack:
    tmp = Path(tempfile.mkdtemp(prefix="tipline-sms-bench-"))
    env = stack_env(tmp, f"sqlite:///{tmp / 'tips.db'}", **twilio_env(api, rate_limit=rate_limit))
    if concurrency:
        env["TIPLINE_TWILIO_CONCURRENCY"] = str(concurrency)
    stack = TipLineStack(env, tmp, write_endpoints(tmp, sqlite_tracker(tmp)),
                         write_credentials(tmp, twilio_credentials()))
    return stack.start()


def numbers(count: int) -> List[str]:
    areas = random.sample(range(201, 990), count)
    return [f"+1{area}55501{random.randint(0, 99):02d}" for area in areas]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--replays", type=int, default=50,
                        help="MessageSids posted a second time (must create nothing)")
    parser.add_argument("--rate-limit", default="10/minute")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--concurrency", type=int, default=None,
                        help="bot turns run at once by the channel (TIPLINE_TWILIO_CONCURRENCY)")
    args = parser.parse_args()
    per_sender = args.messages // args.senders
    total = per_sender * args.senders

    api = FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN).start()
    started = time.perf_counter()
    stack = start_stack(api, args.rate_limit, args.concurrency)
    load = time.perf_counter() - started
    engine = create_engine(stack.env["TIPLINE_DATABASE_URL"], future=True)
    hooks = TwilioWebhooks(stack.url + WEBHOOK_PATH, AUTH_TOKEN,
                           signed_url=PUBLIC_BASE + WEBHOOK_PATH)
    try:
        phones = numbers(args.senders + 3)
        senders, warm_up = phones[:args.senders], phones[args.senders:]
        # warm up the NLU and the action server (not counted)
        for i, phone in enumerate(warm_up):
            hooks.send(phone, TIPS[i % len(TIPS)])
        api.wait_for(lambda m: len(m) >= 3, timeout=120)
        with Session(engine) as session:
            warm_tips = session.execute(select(func.count(Tip.id))).scalar_one()
            warm_inbound = session.execute(select(func.count(InboundMessage.id))).scalar_one()
        api.reset()
        print(f"servers ready (action server + Rasa, model loaded) in {load:.1f} s")

        acks: List[float] = []
        statuses: Dict[int, int] = {}
        sent: List[Tuple[str, Dict[str, str]]] = []
        lock = threading.Lock()
        barrier = threading.Barrier(args.senders)

        def sender(index: int) -> None:
            phone = senders[index]
            own = TwilioWebhooks(hooks.post_url, AUTH_TOKEN, signed_url=hooks.signed_url)
            barrier.wait()
            for j in range(per_sender):
                params = own.form(phone, TIPS[(index + j) % len(TIPS)])
                t0 = time.perf_counter()
                response = own.post(params, timeout=60)
                elapsed = time.perf_counter() - t0
                with lock:
                    acks.append(elapsed)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    sent.append((phone, params))

        burst_start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.senders) as pool:
            list(pool.map(sender, range(args.senders)))
        burst_wall = time.perf_counter() - burst_start

        replay_statuses: Dict[int, int] = {}
        for _, params in random.sample(sent, min(args.replays, len(sent))):
            code = hooks.post(params).status_code
            replay_statuses[code] = replay_statuses.get(code, 0) + 1

        deadline = time.monotonic() + args.timeout
        tips = inbound = 0
        while time.monotonic() < deadline:
            with Session(engine) as session:
                tips = session.execute(select(func.count(Tip.id))).scalar_one() - warm_tips
                inbound = session.execute(
                    select(func.count(InboundMessage.id))
                    .where(InboundMessage.status == "processed")
                ).scalar_one() - warm_inbound
            if inbound >= total and tips >= total:
                break
            time.sleep(0.25)
        processed_wall = time.perf_counter() - burst_start
        time.sleep(3)  # the last replies leave

        with Session(engine) as session:
            rows = session.execute(select(InboundMessage.external_id, InboundMessage.status)
                                   ).all()
            sids = [sid for sid, _ in rows]
            by_status: Dict[str, int] = {}
            for _, status in rows:
                by_status[status] = by_status.get(status, 0) + 1
            tips = session.execute(select(func.count(Tip.id))).scalar_one() - warm_tips
            per_conversation = session.execute(
                select(Tip.conversation_id, func.count(Tip.id)).group_by(Tip.conversation_id)
            ).all()
            outbound = dict(session.execute(
                select(OutboundMessage.status, func.count(OutboundMessage.id))
                .group_by(OutboundMessage.status)).all())
        keys = {contact_hash(p, key=stack.env["TIPLINE_HASH_KEY"]) for p in senders}
        counts = [n for key, n in per_conversation if key in keys]
        duplicates_inbound = len(sids) - len(set(sids))
        print(f"burst: {total} signed webhooks from {args.senders} concurrent senders "
              f"({per_sender} each), {args.replays} replays, rate limit {args.rate_limit}")
        print(f"webhook ack latency  {summary_ms(acks)}  (max {max(acks) * 1000:.1f} ms, "
              f"sent in {burst_wall:.1f} s, {total / burst_wall:.1f} webhooks/s)")
        print(f"HTTP statuses: {statuses}; replays: {replay_statuses}")
        print(f"processed: {total} messages -> {tips} tips stored in {processed_wall:.1f} s "
              f"= {tips / processed_wall:.1f} tips/s")
        print(f"inbound messages: {len(sids) - warm_inbound} ({by_status}), duplicate "
              f"MessageSids: {duplicates_inbound}; tips per sender: min {min(counts)} max "
              f"{max(counts)} mean {statistics.fmean(counts):.1f}")
        print(f"replies via the Messages API: {len(api.messages())} messages, "
              f"outbound records {outbound}")
        ok = tips == total and duplicates_inbound == 0
        print("RESULT:", "OK tips stored = tips sent, no duplicates" if ok else
              f"MISMATCH tips stored {tips} != sent {total}")
    finally:
        stack.stop()
        api.stop()


if __name__ == "__main__":
    main()
