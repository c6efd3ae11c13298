"""The durable intake end to end: a stack of its own (short back-off and leases), clients
for its three channels, a burst with a server killed in the middle, the inbox as stored."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import requests
import socketio
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.store.models import InboundMessage, Tip
from tests.support.servers import (
    Server,
    TipLineStack,
    stack_env,
    write_credentials,
    write_endpoints,
)
from tests.support.twilio import (
    AUTH_TOKEN,
    PUBLIC_BASE,
    WEBHOOK_PATH,
    TwilioWebhooks,
    twilio_credentials,
    twilio_env,
)
from tests.support.webchat import COMMUNITY_SITE, webchat_credentials

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


def start_stack(tmp: Path, fake_twilio: Any, database_url: str, tracker: dict,
                lock: Optional[dict] = None) -> TipLineStack:
    """REST, SMS (to ``fake_twilio``) and web chat on ``database_url``."""
    env = stack_env(tmp, database_url, **twilio_env(fake_twilio, rate_limit="100/minute"),
                    **FAST)
    credentials = write_credentials(tmp, {**twilio_credentials(), **webchat_credentials()})
    return TipLineStack(env, tmp, write_endpoints(tmp, tracker, lock), credentials).start()


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


def rest(stack: TipLineStack, sender: str, text: str, message_id: Optional[str] = None,
         until: float = 0.0, timeout: float = 60) -> List[str]:
    """One REST message; resent (same ``message_id``) while Rasa is unreachable, until
    ``until`` (a time.monotonic())."""
    body = {"sender": sender, "message": text, "message_id": message_id or uuid.uuid4().hex}
    while True:
        try:
            response = requests.post(f"{stack.url}/webhooks/rest/webhook", json=body,
                                     timeout=timeout)
            response.raise_for_status()
            return [m.get("text", "") for m in response.json()]
        except requests.ConnectionError:
            if time.monotonic() > until:
                raise
            time.sleep(0.5)


def burst(items: Sequence[Any], send: Callable[[Any], Any], kill: Callable[[], None],
          kill_after: int, spacing: float = 0.3, workers: int = 6) -> List[Any]:
    """Send ``items`` (``spacing`` apart, ``workers`` at a time); ``kill`` runs after the
    ``kill_after``-th is sent. The results, in order."""
    started = threading.Event()

    def one(index_item: tuple) -> Any:
        index, item = index_item
        time.sleep(index * spacing)
        if index == kill_after:
            started.set()
        return send(item)

    with ThreadPoolExecutor(max_workers=workers + 1) as pool:
        killer = pool.submit(lambda: (started.wait(120), kill()))
        results = list(pool.map(one, enumerate(items)))
        killer.result()
    return results


def restart(server: Server, down: float, hard: bool = False) -> None:
    """Stop ``server`` (SIGTERM, or SIGKILL: a crash), start it again ``down`` s later."""
    assert server.process is not None
    if hard:
        server.process.kill()
        server.process.wait()
    else:
        server.stop()
    time.sleep(down)
    server.start(timeout=300)


def sms_hooks(stack: TipLineStack) -> TwilioWebhooks:
    """Signed webhooks as Twilio posts them to this stack."""
    return TwilioWebhooks(stack.url + WEBHOOK_PATH, AUTH_TOKEN,
                          signed_url=PUBLIC_BASE + WEBHOOK_PATH)


class WebChat:
    """A resident's chat session over socket.io, from a community site."""

    def __init__(self, stack: TipLineStack) -> None:
        self.replies: List[str] = []
        self.confirmed: List[str] = []
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("bot_uttered", lambda data: self.replies.append(data.get("text", "")))
        self.sio.on("session_confirm", lambda data: self.confirmed.append(data))
        self.sio.connect(stack.url, headers={"Origin": COMMUNITY_SITE}, transports=["polling"])
        self.sio.emit("session_request", {"session_id": None})
        wait_until(lambda: self.confirmed, 10)
        self.session_id = self.confirmed[0]

    def say(self, text: str) -> None:
        self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id,
                                       "customData": {"language": "en"}})

    def close(self) -> None:
        self.sio.disconnect()


def wait_until(probe: Callable[[], Any], timeout: float, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s")
        time.sleep(interval)
    return found


def senders(prefix: str, count: int) -> List[str]:
    return [f"{prefix}-{uuid.uuid4().hex[:12]}" for _ in range(count)]


def tip_text(index: int) -> str:
    return TIPS[index % len(TIPS)]
