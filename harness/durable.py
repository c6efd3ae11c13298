"""The durable intake end to end: a stack of its own (short back-off and leases) on SQLite
or PostgreSQL, and its tips database as the tests read it (clients: harness/clients.py)."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.store.models import InboundMessage, Tip
from harness.inbox import pg_database
from harness.servers import (
    TipLineStack,
    sqlite_tracker,
    stack_env,
    write_credentials,
    write_endpoints,
)
from harness.twilio import twilio_credentials, twilio_env
from harness.webchat import webchat_credentials

FAST = {"TIPLINE_INBOX_RETRY_BASE": "0.5", "TIPLINE_INBOX_RETRY_MAX": "2",
        "TIPLINE_INBOX_LEASE_SECONDS": "5", "TIPLINE_INBOX_SWEEP_SECONDS": "2",
        "TIPLINE_REST_WAIT_SECONDS": "30", "TIPLINE_REST_RATE_LIMIT": "5 per 30 seconds",
        "TICKET_LOCK_LIFETIME": "10"}
# Tips that say what, where and when: each is stored and confirmed with its reference.
TIPS = [
    "I saw two men loading bags of cocaine into a white van near Lacolle last night",
    "A boat without lights unloaded boxes near Fort Erie at 2am",
    "Someone is selling fake border passes online to people in Windsor yesterday",
    "Des gens traversent a pied dans le bois pres de Stanstead vers 2h du matin",
]
DELAYED = "shortly"  # in the English "delayed" reply
REDIS_HOST = os.environ.get("TIPLINE_TEST_REDIS_HOST", "127.0.0.1")


def start_stack(tmp: Path, fake_twilio: Any, database_url: str, tracker: dict,
                lock: Optional[dict] = None) -> TipLineStack:
    """REST, SMS (to ``fake_twilio``) and web chat on ``database_url``."""
    env = stack_env(tmp, database_url, **twilio_env(fake_twilio, rate_limit="100/minute"),
                    **FAST)
    credentials = write_credentials(tmp, {**twilio_credentials(), **webchat_credentials()})
    return TipLineStack(env, tmp, write_endpoints(tmp, tracker, lock), credentials).start()


def running_stack(kind: str, tmp: Path, fake_twilio: Any) -> Iterator[TipLineStack]:
    """A started stack on SQLite (tracker too), or on a fresh PostgreSQL database (tips
    and tracker) with a Redis lock store; stopped (and dropped) afterwards."""
    if kind == "sqlite":
        stack = start_stack(tmp, fake_twilio, f"sqlite:///{tmp / 'tips.db'}",
                            sqlite_tracker(tmp))
        yield stack
        stack.stop()
        return
    for url in pg_database():
        tracker = {"type": "SQL", "dialect": "postgresql", "url": "127.0.0.1", "port": 5432,
                   "username": "postgres", "db": url.rsplit("/", 1)[1]}
        lock = {"type": "redis", "url": REDIS_HOST, "port": 6379, "db": 1,
                "key_prefix": f"durable{uuid.uuid4().hex[:6]}"}
        stack = start_stack(tmp, fake_twilio, url, tracker, lock)
        yield stack
        stack.stop()


class Inbox:
    """The stack's tips database as the tests read it."""

    def __init__(self, stack: TipLineStack) -> None:
        self.engine = create_engine(stack.env["TIPLINE_DATABASE_URL"], future=True)

    def rows(self, senders: Sequence[str]) -> List[InboundMessage]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.execute(select(InboundMessage).where(
                InboundMessage.contact_hash.in_(list(senders))).order_by(InboundMessage.id))
                .scalars())

    def tips(self, senders: Sequence[str]) -> Dict[str, List[Tip]]:
        with Session(self.engine, expire_on_commit=False) as session:
            found = session.execute(select(Tip).where(
                Tip.conversation_id.in_(list(senders))).order_by(Tip.id)).scalars()
            by_sender: Dict[str, List[Tip]] = {s: [] for s in senders}
            for tip in found:
                by_sender[tip.conversation_id].append(tip)
            return by_sender

    def one_tip_each(self, keys: List[str]) -> Dict[str, Tip]:
        """Once settled, the one tip of each sender (none lost, none stored twice)."""
        self.settle(keys)
        tips = self.tips(keys)
        wrong = {k: len(t) for k, t in tips.items() if len(t) != 1}
        assert not wrong, f"tips per sender (lost: 0, duplicated: 2+): {wrong}"
        return {k: t[0] for k, t in tips.items()}

    def settle(self, senders: Sequence[str], timeout: float = 90.0) -> List[InboundMessage]:
        """Wait until every message of ``senders`` is processed (or refused)."""
        deadline = time.monotonic() + timeout
        while True:
            rows = self.rows(senders)
            if rows and all(r.status in ("processed", "refused") for r in rows):
                return rows
            if time.monotonic() > deadline:
                raise AssertionError(f"not settled: {sorted({r.status for r in rows})}")
            time.sleep(0.5)
