"""Clients of a test stack's channels for the durable intake's tests: REST with resends,
signed SMS, a web chat session; a burst with a server killed in the middle; waiting."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, List, Optional, Sequence

import requests
import socketio

from harness.durable import TIPS
from harness.servers import Server, TipLineStack
from harness.twilio import AUTH_TOKEN, PUBLIC_BASE, WEBHOOK_PATH, TwilioWebhooks
from harness.webchat import COMMUNITY_SITE


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
