"""Load on the durable intake: 2,000 signed SMS webhooks and 50 web chat sessions at once.

The real stack (action server, Rasa with the SMS gateway and web chat; SQLite or a fresh
PostgreSQL database) with the fake Twilio Messages API; traffic in bench/intake_traffic.py.
Prints a Markdown table (docs/reliability.md, "Load"): webhook acknowledgement times
(target p99 < 1 s), web chat time to first reply, time until every message is processed,
tips stored per inbound message (0 lost, 0 duplicated), each server's memory before/after.

    .venv/bin/python -m bench.intake_load [--database postgres] [--sms-rate-limit 30/minute]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bench import intake_traffic as traffic
from bench.stats import percentile
from bot.channels.twilio.store import OutboundMessage
from bot.privacy.keys import contact_hash
from bot.store.models import InboundMessage, Tip
from harness import servers
from harness.clients import sms_hooks
from harness.fakes.twilio_api import FakeTwilioApi
from harness.twilio import ACCOUNT_SID, AUTH_TOKEN, twilio_credentials, twilio_env
from harness.webchat import webchat_credentials

DEFAULT_SMS_LIMIT = "10/minute"  # TIPLINE_TWILIO_RATE_LIMIT's default (docs/sms.md)


@contextmanager
def running(database: str, api: FakeTwilioApi, sms_limit: str) -> Iterator[servers.TipLineStack]:
    """The stack with SMS (to ``api``) and web chat, on SQLite or a fresh PostgreSQL db."""
    from harness.inbox import pg_database

    tmp = Path(tempfile.mkdtemp(prefix="tipline-load-"))
    databases = iter([f"sqlite:///{tmp / 'tips.db'}"]) if database == "sqlite" else pg_database()
    url = next(databases)
    tracker = servers.sqlite_tracker(tmp) if database == "sqlite" else {
        "type": "SQL", "dialect": "postgresql", "url": "127.0.0.1", "port": 5432,
        "username": "postgres", "db": url.rsplit("/", 1)[1]}
    env = servers.stack_env(tmp, url, **twilio_env(api, rate_limit=sms_limit))
    channels = {**twilio_credentials(), **webchat_credentials()}
    credentials = servers.write_credentials(tmp, channels)
    stack = servers.TipLineStack(env, tmp, servers.write_endpoints(tmp, tracker), credentials)
    try:
        yield stack.start()
    finally:
        stack.stop()
        next(databases, None)  # drops the PostgreSQL database


async def load(stack: servers.TipLineStack, scripts: Dict[str, list], chats: List[Tuple[str, str]],
               in_flight: int, timeout: float) -> tuple:
    """The burst and the chats at once, then the wait until the inbox holds every message
    processed; (SMS results, sessions, seconds until processed, chats that failed)."""
    sessions = [traffic.ChatSession(stack.url) for _ in chats]
    engine = create_engine(stack.env["TIPLINE_DATABASE_URL"], future=True)
    started = time.perf_counter()
    sms, *outcomes = await asyncio.gather(
        traffic.sms_burst(sms_hooks(stack), scripts, in_flight),
        *(s.tip(text, language, timeout=600)
          for s, (text, language) in zip(sessions, chats, strict=True)),
        return_exceptions=True)
    if isinstance(sms, BaseException):
        raise sms
    keys = [contact_hash(p, key=stack.env["TIPLINE_HASH_KEY"]) for p in scripts]
    query = select(func.count(InboundMessage.id)).where(
        InboundMessage.status == "processed",
        InboundMessage.contact_hash.in_(keys + [s.session_id for s in sessions]))

    def count() -> int:
        with Session(engine) as session:
            return session.execute(query).scalar_one()

    total = sum(map(len, scripts.values())) + sum(bool(s.session_id) for s in sessions)
    while time.perf_counter() < started + timeout and await asyncio.to_thread(count) < total:
        await asyncio.sleep(0.5)
    wall = time.perf_counter() - started
    await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    return sms, sessions, wall, [o for o in outcomes if isinstance(o, BaseException)]


def account(engine: Engine, sent: Dict[str, tuple], chat_ids: Set[str]) -> Dict[str, str]:
    """Inbox rows and tips of this run: a tip message is lost without a tip of its inbound
    id (``tips.inbound_id`` = ``inbox-<id>``), duplicated with two."""
    with Session(engine) as session:
        rows = session.execute(select(InboundMessage.id, InboundMessage.channel,
                                      InboundMessage.external_id, InboundMessage.contact_hash,
                                      InboundMessage.status)).all()
        tips = dict(session.execute(select(Tip.inbound_id, func.count(Tip.id))
                                    .group_by(Tip.inbound_id)).all())
        notices = session.execute(select(func.count(OutboundMessage.id)).where(
            OutboundMessage.kind == "notice")).scalar_one()
    sms = [r for r in rows if r.channel == "sms" and r.external_id in sent]
    chat = [r for r in rows if r.channel == "webchat" and r.contact_hash in chat_ids]
    stored = {r.id: tips.get(f"inbox-{r.id}", 0) for r in sms + chat}
    sms_tips = [r for r in sms if sent[r.external_id][1] == "tip"]
    expected = sum(kind == "tip" for _, kind in sent.values())
    per_sender = Counter(sent[r.external_id][0] for r in sms_tips if stored[r.id])
    counts = [per_sender.get(phone, 0) for phone in {phone for phone, _ in sent.values()}]
    sids = [r.external_id for r in sms]
    sms_stored = sum(stored[r.id] > 0 for r in sms_tips)
    chat_stored = sum(stored[r.id] > 0 for r in chat)
    lost = expected - sms_stored + len(chat_ids) - chat_stored
    duplicated = sum(n > 1 for n in stored.values()) + len(sids) - len(set(sids))
    return {
        "inbox rows (SMS + web chat)": f"{len(sms) + len(chat)}: "
        f"{dict(Counter(r.status for r in sms + chat))}; MessageSids missing "
        f"{len(set(sent) - set(sids))}, stored twice {len(sids) - len(set(sids))}",
        "tips expected / stored": f"SMS {expected} / {sms_stored} (per sender "
        f"{min(counts)}-{max(counts)}), web chat {len(chat_ids)} / {chat_stored}",
        "tips lost / duplicated": f"**{lost} / {duplicated}**",
        "other tips (an answer or follow-up read as a tip)":
            str(sum(stored[r.id] for r in sms if sent[r.external_id][1] != "tip")),
        "notices sent (rate limited, delayed)": str(notices),
    }


def rss_mb(pid: int) -> Tuple[float, float]:
    """(resident, peak resident) memory of a process in MB, from /proc."""
    values = {line.split(":")[0]: int(line.split()[1])
              for line in Path(f"/proc/{pid}/status").read_text().splitlines()
              if line.startswith(("VmRSS", "VmHWM"))}
    return values["VmRSS"] / 1024, values["VmHWM"] / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--senders", type=int, default=100)
    parser.add_argument("--messages", type=int, default=20, help="per sender")
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--sms-rate-limit", default="30/minute", help="TIPLINE_TWILIO_RATE_"
                        f"LIMIT for the run (the product's default: {DEFAULT_SMS_LIMIT})")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    api = FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN).start()
    started = time.perf_counter()
    with running(args.database, api, args.sms_rate_limit) as stack:
        ready = time.perf_counter() - started
        texts = traffic.usable_texts(stack.parse)
        asyncio.run(traffic.warm_up(sms_hooks(stack), stack.url, texts))
        api.wait_for(lambda m: len(m) >= 3, timeout=120)
        time.sleep(2)
        processes = {"Rasa (SMS gateway, web chat)": stack.servers[1].process,
                     "action server": stack.servers[0].process}
        before = {name: rss_mb(process.pid)[0] for name, process in processes.items()}
        scripts = traffic.sms_scripts(texts, args.senders, args.messages)
        sms, sessions, wall, failed = asyncio.run(load(
            stack, scripts, traffic.chat_tips(texts, args.chats), args.in_flight, args.timeout))
        time.sleep(3)  # the last replies leave
        after = {name: rss_mb(process.pid) for name, process in processes.items()}
        figures = account(create_engine(stack.env["TIPLINE_DATABASE_URL"], future=True),
                          sms.sent, {s.session_id for s in sessions if s.session_id})
    api.stop()
    acks, limit = sms.acks, args.sms_rate_limit
    replies = [s.first_reply for s in sessions if s.first_reply == s.first_reply]
    why = ("raised for the run through the documented setting, so that none of a sender's "
           f"{args.messages} messages is deferred" if limit != DEFAULT_SMS_LIMIT else
           "the product's default: messages over it are deferred and processed later")
    print(f"intake load, {date.today()}, database {args.database}, servers ready in "
          f"{ready:.0f} s; languages {', '.join(sorted(texts))}\nSMS rate limit per sender: "
          f"TIPLINE_TWILIO_RATE_LIMIT={limit} ({why}); web chat: the default "
          "TIPLINE_WEBCHAT_RATE_LIMIT=10/minute (one tip per session)\n")
    rows = {
        "signed SMS webhooks": f"{len(acks)} from {args.senders} senders, {args.in_flight} in "
        f"flight, sent in {sms.wall:.1f} s ({len(acks) / sms.wall:.0f}/s); HTTP {sms.statuses}",
        "webhook ack p50 / p95 / p99 / max": " / ".join(
            f"{percentile(acks, q) * 1000:.0f}" for q in (50, 95, 99, 100)) + " ms",
        "p99 ack < 1 s": "**met**" if percentile(acks, 99) < 1 else "**missed**",
        "web chat: first bot reply p50 / p99": f"{percentile(replies, 50):.1f} / "
        f"{percentile(replies, 99):.1f} s ({len(replies)} of {len(sessions)} answered"
        + (f"; {len(failed)} failed: {failed[0]!r})" if failed else ")"),
        "every message processed after": f"{wall:.0f} s "
        f"({(len(acks) + len(sessions)) / wall:.1f} messages/s)",
        **figures,
    }
    for name, (now, peak) in after.items():
        rows[f"RSS {name}: before / after (peak)"] = \
            f"{before[name]:.0f} / {now:.0f} MB ({peak:.0f} MB)"
    print("| measure | value |\n|---|---|")
    print("\n".join(f"| {name} | {value} |" for name, value in rows.items()))


if __name__ == "__main__":
    main()
