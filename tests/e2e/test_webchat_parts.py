"""Web chat parts without Rasa's model: the channel on a bare Sanic server, its filters,
its outbox and its files. Fast (no tip line stack), so they run before the browser tests.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from typing import Any, Iterator, List

import pytest
import requests
import socketio
from sanic import Sanic

from bot import compat
from bot.channels.webchat import assets, delivery, store
from bot.channels.webchat.channel import WebChatChannel
from bot.channels.webchat.origins import normalise_origin, parse_origins
from bot.channels.webchat.safety import as_plain_markdown, clean_metadata
from bot.channels.webchat.spec import SPEC
from bot.store import migrate
from bot.store.db import session_scope
from harness.servers import free_port, wait_http

SITE = "https://www.town.example"


# ------------------------------------------------------------------- pure functions

def test_text_for_the_widget_is_escaped_for_markdown() -> None:
    hostile = "<img src=x onerror=alert(1)> [a](javascript:x) ![i](https://t.example/p.png)"
    escaped = as_plain_markdown(hostile)
    for active in ("<img", "[a]", "](", "![", "https://"):
        assert active not in escaped
    assert as_plain_markdown("Reference AB12CD.") == "Reference AB12CD\\."
    assert as_plain_markdown("a & b") == "a &amp; b"


def test_only_location_and_language_reach_rasa() -> None:
    raw = {"location": {"lat": "45.0151", "lon": -73.4488, "accuracy": 12},
           "language": "FR", "device_id": "abc", "userAgent": "Mozilla", "ip": "10.0.0.1"}
    assert clean_metadata(raw) == {"location": {"lat": 45.0151, "lon": -73.4488},
                                   "language": "fr"}
    assert clean_metadata({"location": {"lat": 95, "lon": 0}, "language": "<b>"}) == {}
    assert clean_metadata({"location": {"lat": True, "lon": 1}}) == {}
    assert clean_metadata("not a dict") == {}


def test_origins_are_normalised_and_checked() -> None:
    assert parse_origins("https://www.Town.example/, http://school.example:8080 ") == [
        SITE, "http://school.example:8080"]
    assert normalise_origin("https://www.town.example:443") == SITE
    with pytest.raises(ValueError):
        parse_origins("https://www.town.example/page")
    with pytest.raises(ValueError):
        parse_origins("www.town.example")


def test_the_bundle_is_rewritten_without_font_services() -> None:
    source = (assets.node_modules() / assets.BUNDLE).read_text(encoding="utf-8")
    assert "fonts.googleapis.com" in source  # what the package ships
    clean = assets.sanitise_bundle(source)
    assert "googleapis" not in clean and "gstatic" not in clean
    assert "font-family:Inter" not in clean and "transformLinkUri:null" not in clean
    with pytest.raises(assets.AssetError):
        assets.sanitise_bundle("x{src:url(https://fonts.gstatic.com/s/inter.woff2)}")


# ------------------------------------------------------------ outbox and officer sender

@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated tips database; the outbox delivery reads this one, and the channel's
    inbox (bot/inbox) stores the messages in it."""
    from harness.twilio import reset_process_state

    url = f"sqlite:///{tmp_path_factory.mktemp('webchat-parts') / 'tips.db'}"
    migrate.upgrade(url)
    patch = pytest.MonkeyPatch()
    patch.setattr(delivery, "session_scope", lambda: session_scope(url))
    patch.setenv("TIPLINE_DATABASE_URL", url)
    reset_process_state()
    yield url
    patch.undo()
    reset_process_state()


def test_outbox_messages_are_claimed_once(database: str) -> None:
    mine, other = uuid.uuid4().hex, uuid.uuid4().hex
    with session_scope(database) as session:
        for text in ("first", "second"):
            store.enqueue(session, mine, text, language="fr")
        store.enqueue(session, other, "other session")
    with session_scope(database) as session:
        claimed = store.claim_pending(session, [mine])
    assert [(m.text, m.language) for m in claimed] == [("first", "fr"), ("second", "fr")]
    with session_scope(database) as session:
        assert store.claim_pending(session, [mine]) == []
        assert store.pending_count(session, other) == 1


def test_delivery_survives_a_database_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> Any:
        raise RuntimeError("database down")

    monkeypatch.setattr(delivery, "_claim", lambda ids: broken())
    sent: List[Any] = []

    async def emit(message: Any) -> None:
        sent.append(message)

    outbox = delivery.OutboxDelivery(emit, lambda: {"a" * 32})
    assert asyncio.run(outbox.deliver({"a" * 32})) == 0 and sent == []


# ------------------------------------------------ the channel on a real (bare) Sanic server

class Server:
    """The web chat channel on a Sanic server of its own, in a background thread."""

    def __init__(self) -> None:
        compat.apply()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.messages: List[Any] = []
        self.app = Sanic(f"webchat_parts_{uuid.uuid4().hex[:8]}")
        self.channel = WebChatChannel(allowed_origins=[SITE], poll_seconds=0.3)

        async def on_new_message(message: Any) -> None:
            self.messages.append(message)

        self.app.blueprint(self.channel.blueprint(on_new_message),
                           url_prefix=f"/webhooks/{SPEC.input_name}")
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(self.app.create_server(
            host="127.0.0.1", port=self.port, return_asyncio_server=True))
        self.loop.run_until_complete(server.startup())
        self.loop.run_until_complete(server.after_start())
        self.server = server
        self.loop.run_forever()

    def start(self) -> Server:
        self.thread.start()
        wait_http(f"{self.url}/webhooks/{SPEC.input_name}/", 30)
        return self

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(database: str) -> Iterator[Server]:
    """One per process: Sanic 21.12 does not start a second app in the same process."""
    running = Server().start()
    yield running
    running.stop()


def test_channel_sessions_metadata_origins_and_outbox(server: Server, database: str) -> None:
    handshake = f"{server.url}/socket.io/?EIO=4&transport=polling"
    assert requests.get(handshake, headers={"Origin": "https://evil.example"},
                        timeout=5).status_code == 400
    assert requests.get(handshake, headers={"Origin": server.url}, timeout=5).status_code == 200

    events: dict = {"confirm": [], "bot": []}
    sio = socketio.Client(reconnection=False)
    sio.on("session_confirm", lambda data: events["confirm"].append(data))
    sio.on("bot_uttered", lambda data: events["bot"].append(data))
    sio.connect(server.url, headers={"Origin": SITE}, transports=["polling"])
    try:
        sio.emit("session_request", {"session_id": "not-a-server-issued-id"})
        deadline = time.monotonic() + 5
        while not events["confirm"] and time.monotonic() < deadline:
            time.sleep(0.05)
        session = events["confirm"][0]
        assert len(session) == 32 and session != "not-a-server-issued-id"
        sio.emit("user_uttered", {"message": "hello", "session_id": "f" * 32,
                                  "customData": {"language": "es", "device": "x",
                                                 "location": {"lat": 45.01, "lon": -73.45}}})
        deadline = time.monotonic() + 5
        while not server.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        message = server.messages[0]
        assert message.sender_id == session  # the joined session, not the one claimed
        assert message.input_channel == SPEC.input_name
        assert message.metadata == {"language": "es", "location": {"lat": 45.01, "lon": -73.45}}
        # an officer's reply queued by another process reaches the open session
        with session_scope(database) as db:
            store.enqueue(db, session, "Was it *red*? <b>x</b>", language="en")
        deadline = time.monotonic() + 5
        while not events["bot"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert events["bot"] == [{"text": as_plain_markdown("Was it *red*? <b>x</b>")}]
    finally:
        sio.disconnect()


def test_the_chat_server_writes_no_access_log(server: Server) -> None:
    records: List[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    access = logging.getLogger("sanic.access")
    level = access.level
    access.setLevel(logging.INFO)
    handler = Collect()
    access.addHandler(handler)
    try:
        assert server.app.config.ACCESS_LOG is False
        for path in ("/webchat/demo/en", "/webchat/embed.js",
                     "/socket.io/?EIO=4&transport=polling"):
            assert requests.get(server.url + path, timeout=5).status_code == 200
        assert records == []
        # were it switched on again, the records would carry no client address
        server.app.config.ACCESS_LOG = True
        requests.get(f"{server.url}/webchat/demo/fr", headers={"Connection": "close"},
                     timeout=5)
    finally:
        server.app.config.ACCESS_LOG = False
        access.removeHandler(handler)
        access.setLevel(level)
    assert len(records) == 1 and records[0].host == "-"  # type: ignore[attr-defined]
