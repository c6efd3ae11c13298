"""Web chat end to end: headless Chromium, the real Rasa and action servers, SQLite tips.

The widget is the one a community site pastes (``/webchat/embed.js``), on the tip line's
demo pages and on a community site of another origin (harness/webchat.py). The
shared ``sqlite_stack`` carries the web chat channel (tests/conftest.py).
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.store.references import find_references
from harness.db import TipsDb
from harness.outbound import officer_reply
from harness.servers import TipLineStack
from harness.webchat import (
    COMMUNITY_SITE,
    OTHER_SITE,
    CommunitySite,
    artifacts_dir,
    axe_source,
    chromium,
)

pytestmark = pytest.mark.timeout(300)

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
NEAR_LACOLLE = {"latitude": 45.0151, "longitude": -73.4488}
# Before any page script: record CSP violations, alert() calls and geolocation requests.
WATCH = """
window.__csp = []; window.__alerts = []; window.__geo = 0;
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
window.alert = (m) => window.__alerts.push(String(m));
if (navigator.geolocation) {
  const get = navigator.geolocation.getCurrentPosition.bind(navigator.geolocation);
  navigator.geolocation.getCurrentPosition = (...args) => {
    window.__geo += 1;
    return get(...args);
  };
}
"""


# ---------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def db(sqlite_stack: TipLineStack) -> TipsDb:
    return TipsDb(sqlite_stack.env["TIPLINE_DATABASE_URL"])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


@pytest.fixture(scope="module")
def site(sqlite_stack: TipLineStack) -> Iterator[CommunitySite]:
    community = CommunitySite(sqlite_stack.url).start()
    yield community
    community.stop()


class Chat:
    """One browser tab with the widget, and everything it asked the network for."""

    def __init__(self, browser: Any, locale: str = "en-US", viewport: Optional[dict] = None,
                 geolocation: Optional[dict] = None) -> None:
        options: Dict[str, Any] = {"locale": locale, "viewport": viewport or DESKTOP}
        if geolocation:
            options.update(geolocation=geolocation, permissions=["geolocation"])
        self.context = browser.new_context(**options)
        self.context.add_init_script(WATCH)
        self.requests: List[str] = []
        self.errors: List[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.on("websocket", lambda ws: self.requests.append(ws.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def close(self) -> None:
        self.context.close()

    def goto(self, url: str) -> Chat:
        self.page.goto(url)
        self.page.wait_for_selector(".rw-launcher", timeout=30000)
        return self

    def open(self) -> Chat:
        if not self.page.locator(".rw-conversation-container").count():
            self.page.click(".rw-launcher")
        self.page.wait_for_selector(".rw-new-message", timeout=10000)
        self.page.wait_for_selector(".tl-tools", timeout=10000)
        return self

    def bot_texts(self) -> List[str]:
        return self.page.locator(".rw-from-response .rw-message-text").all_inner_texts()

    def wait_until(self, probe: Callable[[], Any], timeout: float = 45.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = probe()
            if value:
                return value
            self.page.wait_for_timeout(200)
        raise AssertionError(f"timed out; bot said {self.bot_texts()}; {self.snapshot()}")

    def snapshot(self) -> str:
        """Screenshot and HTML of the tab in test-artifacts (for a failing test)."""
        name = f"webchat-failure-{int(time.time() * 1000)}"
        try:
            self.page.screenshot(path=str(artifacts_dir() / f"{name}.png"))
            (artifacts_dir() / f"{name}.html").write_text(self.page.content())
        except Exception as error:  # the page may be gone
            return f"no snapshot ({error})"
        return f"see test-artifacts/{name}.png"

    def send(self, words: str) -> List[str]:
        """Type and send a message; the bot's new messages once they stop arriving."""
        before = len(self.bot_texts())
        box = self.page.locator(".rw-new-message")
        if not box.count():
            raise AssertionError(f"no input; bot said {self.bot_texts()}; {self.snapshot()}")
        box.fill(words)
        box.press("Enter")
        return self.replies_after(before)

    def replies_after(self, before: int, timeout: float = 45.0) -> List[str]:
        self.wait_until(lambda: len(self.bot_texts()) > before, timeout)
        stable, count = 0, len(self.bot_texts())
        while stable < 8:  # the widget shows messages one by one
            self.page.wait_for_timeout(250)
            now = len(self.bot_texts())
            stable = stable + 1 if now == count else 0
            count = now
        return self.bot_texts()[before:]

    def tell_tip(self, tip: str, answers: List[str]) -> tuple[str, List[str]]:
        """Send a tip, answer the form's questions until the bot gives the reference."""
        replies = self.send(tip)
        pending = list(answers)
        while not find_references(" ".join(replies)):
            assert pending, f"no reference in {replies}"
            replies += self.send(pending.pop(0))
        return find_references(" ".join(replies))[0], replies

    def session_id(self) -> str:
        return self.page.evaluate(
            "() => JSON.parse(window.sessionStorage.getItem('chat_session')).session_id")

    def js(self, expression: str) -> Any:
        return self.page.evaluate(f"() => {expression}")


@pytest.fixture()
def chat(browser: Any) -> Iterator[Callable[..., Chat]]:
    opened: List[Chat] = []

    def make(**kwargs: Any) -> Chat:
        opened.append(Chat(browser, **kwargs))
        return opened[-1]

    yield make
    for item in opened:
        item.close()


def origins(urls: List[str]) -> set:
    found = set()
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            continue
        scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
        found.add(f"{scheme}://{parts.netloc}")
    return found


def only_tip(db: TipsDb, session_id: str) -> Any:
    tips = db.tips_of(session_id)
    assert len(tips) == 1, [t.reference for t in tips]
    return tips[0]


# ------------------------------------------------------------------------------- tests

def test_spanish_tip_on_the_demo_page_is_answered_in_spanish_stored_and_routed(
        sqlite_stack: TipLineStack, db: TipsDb, chat: Callable[..., Chat]) -> None:
    # an English browser: the widget starts in English, then follows the resident
    tab = chat(locale="en-US").goto(f"{sqlite_stack.url}/webchat/demo/es").open()
    assert tab.page.get_attribute(".rw-new-message", "placeholder") == "Describe what you saw…"
    reference, replies = tab.tell_tip(
        "Anoche vi a dos hombres cargando paquetes de cocaina en una camioneta blanca cerca "
        "de Lacolle", ["no sé", "no sé"])
    joined = " ".join(replies).lower()
    assert "referencia" in joined and "gracias" in joined, replies
    tip = only_tip(db, tab.session_id())
    assert tip.reference == reference
    assert (tip.channel, tip.language, tip.category, tip.location_side, tip.queue) == (
        "webchat", "es", "drug_smuggling", "CA", "RCMP")
    # the widget's own texts followed the language of the conversation
    tab.wait_until(lambda: tab.page.get_attribute(".tipline-webchat", "lang") == "es")
    assert tab.page.get_attribute(".rw-new-message", "placeholder") == "Describa lo que vio…"
    assert tab.page.inner_text(".tl-share") == "Compartir mi ubicación"
    font = tab.js("getComputedStyle(document.querySelector('.rw-message-text')).fontFamily")
    assert "Inter" not in font and "system-ui" in font, font
    # nothing left the tip line's origin, and the page's CSP was never hit
    assert origins(tab.requests) == {sqlite_stack.url}, sorted(set(tab.requests))
    assert any(u.startswith("ws://") for u in tab.requests), "websocket transport not used"
    assert tab.js("window.__csp") == [] and tab.errors == []


def test_french_tip_from_a_community_site_of_another_origin(
        sqlite_stack: TipLineStack, db: TipsDb, site: CommunitySite,
        chat: Callable[..., Chat]) -> None:
    tab = chat(locale="fr-CA").goto(f"{COMMUNITY_SITE}/").open()
    # starts in the browser's language; the site's data-title is used
    assert tab.page.get_attribute(".tipline-webchat", "lang") == "fr"
    assert tab.page.inner_text(".rw-title") == "Town tip line"
    assert "Décrivez" in (tab.page.get_attribute(".rw-new-message", "placeholder") or "")
    reference, replies = tab.tell_tip(
        "Des hommes ont fait traverser un groupe de personnes a pied dans le bois pres de "
        "Derby Line hier soir", ["je sais pas", "je sais pas"])
    assert "référence" in " ".join(replies).lower(), replies
    tip = only_tip(db, tab.session_id())
    assert (tip.reference, tip.channel, tip.language, tip.category, tip.queue) == (
        reference, "webchat", "fr", "human_smuggling", "USBP")
    # the community page called only its own server and the tip line: no font service
    assert origins(tab.requests) == {COMMUNITY_SITE, sqlite_stack.url}, sorted(
        set(tab.requests))
    assert tab.errors == []


def test_reload_keeps_the_conversation(sqlite_stack: TipLineStack, db: TipsDb,
                                       chat: Callable[..., Chat]) -> None:
    tab = chat().goto(f"{sqlite_stack.url}/webchat/demo/en").open()
    reference, _ = tab.tell_tip(
        "I saw two men loading bags of cocaine into a white van near Lacolle last night",
        ["I don't know", "I don't know"])
    session = tab.session_id()
    shown = tab.bot_texts()
    tab.page.reload()
    tab.page.wait_for_selector(".rw-launcher")
    tab.open()
    assert tab.session_id() == session
    tab.wait_until(lambda: tab.bot_texts() == shown, 10)
    # the server side goes on too: the tip is found only from its own conversation
    status = tab.send(f"what is the status of my tip {reference}?")
    assert any(reference in s for s in status), status
    assert "cannot find" not in " ".join(status)
    assert only_tip(db, session).reference == reference


def test_hostile_text_from_an_officer_or_the_resident_is_shown_as_text(
        sqlite_stack: TipLineStack, db: TipsDb, chat: Callable[..., Chat]) -> None:
    tab = chat().goto(f"{sqlite_stack.url}/webchat/demo/en").open()
    typed = '<img src=x onerror="window.__pwned=1"> <b>bold</b>'
    reference, _ = tab.tell_tip(
        "Drones are flying packages over the river at Cornwall every night " + typed,
        ["I don't know", "I don't know"])
    hostile = ('Thanks. <img src=x onerror="window.__pwned=2;alert(1)"> <script>alert(2)'
               '</script> [click](javascript:alert(3)) ![t](http://127.0.0.1:9/t.png) '
               '<javascript://%0aalert(4)> **bold** & done')
    before = len(tab.bot_texts())
    started = time.monotonic()
    assert officer_reply(sqlite_stack.env, reference, hostile)["status"] == "queued"
    arrived = tab.replies_after(before, timeout=20)
    assert time.monotonic() - started < 15
    assert len(arrived) == 1 and reference in arrived[0]
    # exactly the officer's characters (after the translated prefix), nothing rendered
    assert arrived[0].endswith(hostile), arrived
    assert typed in " ".join(tab.page.locator(".rw-from-client").all_inner_texts())
    messages = tab.page.locator(".rw-messages-container")
    for tag in ("img", "a", "script", "b", "strong"):
        assert messages.locator(tag).count() == 0, tag
    assert tab.js("window.__pwned") is None and tab.js("window.__alerts") == []
    assert tab.js("window.__csp") == []
    with sqlite3.connect(sqlite_stack.workdir / "tips.db") as conn:
        rows = conn.execute("SELECT status FROM webchat_outbox WHERE session_id = ?",
                            (tab.session_id(),)).fetchall()
    assert rows == [("delivered",)]


def test_an_officer_reply_waits_for_the_session_to_come_back(
        sqlite_stack: TipLineStack, db: TipsDb, chat: Callable[..., Chat]) -> None:
    tab = chat(locale="es-MX").goto(f"{sqlite_stack.url}/webchat/demo/es").open()
    reference, _ = tab.tell_tip(
        "Hay cajas de cigarrillos sin declarar en un camion cerca de Blaine desde ayer",
        ["no sé", "no sé"])
    session = tab.session_id()
    tab.page.goto("about:blank")  # the resident left: no socket for this session
    engine = create_engine(sqlite_stack.env["TIPLINE_DATABASE_URL"], future=True)
    assert officer_reply(sqlite_stack.env, reference, "Was the truck red?")["status"] == "queued"
    time.sleep(3)  # a poll or more: nothing to deliver to
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM webchat_outbox WHERE session_id = :s"),
                            {"s": session}).scalars().all() == ["pending"]
    tab.goto(f"{sqlite_stack.url}/webchat/demo/es").open()  # same tab: same session id
    tab.wait_until(lambda: any("Was the truck red?" in t for t in tab.bot_texts()), 20)
    officer = [t for t in tab.bot_texts() if "Was the truck red?" in t][0]
    assert reference in officer and "agente" in officer.lower()  # the Spanish prefix
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM webchat_outbox WHERE session_id = :s"),
                            {"s": session}).scalars().all() == ["delivered"]
    engine.dispose()


def test_another_origin_is_refused(sqlite_stack: TipLineStack, site: CommunitySite,
                                   chat: Callable[..., Chat]) -> None:
    handshake = f"{sqlite_stack.url}/socket.io/?EIO=4&transport=polling"
    refused = requests.get(handshake, headers={"Origin": OTHER_SITE}, timeout=10)
    assert refused.status_code == 400
    assert "Access-Control-Allow-Origin" not in refused.headers
    upgrade = requests.get(
        f"{sqlite_stack.url}/socket.io/?EIO=4&transport=websocket",
        headers={"Origin": "https://evil.example", "Connection": "Upgrade",
                 "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                 "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}, timeout=10)
    assert upgrade.status_code == 400
    allowed = requests.get(handshake, headers={"Origin": COMMUNITY_SITE}, timeout=10)
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == COMMUNITY_SITE
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    assert "set-cookie" not in {k.lower() for k in allowed.headers}
    own = requests.get(handshake, headers={"Origin": sqlite_stack.url}, timeout=10)
    assert own.status_code == 200
    # in a browser, the same community page served from an unlisted origin gets no chat
    tab = chat()
    tab.page.goto(f"{OTHER_SITE}/")
    tab.page.wait_for_timeout(5000)
    assert not tab.page.locator(".rw-launcher").is_visible()
    assert any("/socket.io/" in u for u in tab.requests)


def test_shared_location_decides_the_side(sqlite_stack: TipLineStack, db: TipsDb,
                                          chat: Callable[..., Chat]) -> None:
    tab = chat(locale="es-ES", geolocation=NEAR_LACOLLE)
    tab.goto(f"{sqlite_stack.url}/webchat/demo/es").open()
    tab.page.wait_for_timeout(500)
    assert tab.js("window.__geo") == 0  # no position asked before the button
    tab.page.click(".tl-share")
    tab.wait_until(lambda: "se enviará" in tab.page.inner_text(".tl-status"), 15)
    assert tab.js("window.__geo") == 1
    assert tab.page.get_attribute(".tl-share", "aria-pressed") == "true"
    reference, _ = tab.tell_tip(
        "Vi a unos hombres escondiendo paquetes de droga en el bosque",
        ["no sé", "no sé", "no sé"])
    tip = only_tip(db, tab.session_id())
    assert tip.reference == reference
    assert (tip.location_side, tip.queue, tip.location_place) == ("CA", "RCMP", "Lacolle")
    assert abs(tip.location_lat - NEAR_LACOLLE["latitude"]) < 1e-4
    assert abs(tip.location_lon - NEAR_LACOLLE["longitude"]) < 1e-4


def test_location_shared_during_the_form_reroutes_the_tip(sqlite_stack: TipLineStack,
                                                         db: TipsDb) -> None:
    """Shared after the tip was sent: the coordinates come with the form's answers."""
    who = f"test-{uuid.uuid4().hex[:12]}"
    shared = {"location": {"lat": NEAR_LACOLLE["latitude"], "lon": NEAR_LACOLLE["longitude"]}}
    first = sqlite_stack.say(who, "Vi a unos hombres escondiendo paquetes de droga en el bosque")
    assert only_tip(db, who).queue == "IBET_JOINT", first  # no place yet
    sqlite_stack.say(who, "aquí mismo", shared)
    last = sqlite_stack.say(who, "no sé", shared)
    tip = only_tip(db, who)
    assert tip.reference in " ".join(last)
    assert (tip.location_side, tip.queue, tip.location_place) == ("CA", "RCMP", "Lacolle")


def test_keyboard_only(sqlite_stack: TipLineStack, chat: Callable[..., Chat]) -> None:
    tab = chat().goto(f"{sqlite_stack.url}/webchat/demo/en")
    page = tab.page
    for _ in range(25):
        page.keyboard.press("Tab")
        if "rw-launcher" in (tab.js("document.activeElement.className") or ""):
            break
    else:
        raise AssertionError("Tab never reached the chat button")
    assert tab.js("document.activeElement.getAttribute('aria-label')")
    page.keyboard.press("Enter")
    page.wait_for_selector(".rw-new-message")
    tab.wait_until(lambda: "rw-new-message" in tab.js("document.activeElement.className"), 5)
    before = len(tab.bot_texts())
    page.keyboard.type("Hello")
    page.keyboard.press("Enter")
    assert tab.replies_after(before), "no answer to a message sent with the keyboard"
    # the location button and the conversation are reachable with the keyboard too, and
    # the chat button closes the chat again
    reached = set()
    for _ in range(4):
        page.keyboard.press("Shift+Tab")
        reached.add(tab.js("document.activeElement.className"))
    assert {"tl-share", "rw-messages-container"} <= reached, reached
    for _ in range(10):
        page.keyboard.press("Tab")
        if "rw-launcher" in (tab.js("document.activeElement.className") or ""):
            break
    assert tab.js("document.activeElement.getAttribute('aria-expanded')") == "true"
    page.keyboard.press("Enter")
    tab.wait_until(lambda: not page.locator(".rw-conversation-container").count(), 5)


def test_no_serious_accessibility_violation(sqlite_stack: TipLineStack,
                                            chat: Callable[..., Chat]) -> None:
    tab = chat().goto(f"{sqlite_stack.url}/webchat/demo/en").open()
    tab.send("Hello")
    tab.page.evaluate(axe_source())
    report = tab.page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})")
    (artifacts_dir() / "webchat-axe.json").write_text(json.dumps(report["violations"],
                                                                 indent=2))
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in report["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []
    # the widget itself has no violation at all (landmark, heading level, names)
    widget = tab.page.evaluate(
        "async () => await axe.run('#tipline-webchat', {resultTypes: ['violations']})")
    assert [(v["id"], v["impact"]) for v in widget["violations"]] == []
    # the chat itself was checked (it is open)
    assert tab.page.locator(".rw-conversation-container").count() == 1


@pytest.mark.parametrize(("name", "viewport", "locale"), [
    ("desktop", DESKTOP, "fr-CA"), ("phone", PHONE, "es-MX")])
def test_screenshots(sqlite_stack: TipLineStack, chat: Callable[..., Chat], name: str,
                     viewport: dict, locale: str) -> None:
    language = locale[:2]
    tab = chat(locale=locale, viewport=viewport)
    tab.goto(f"{sqlite_stack.url}/webchat/demo/{language}")
    tab.page.wait_for_timeout(1500)  # the chat button slides in
    out: Path = artifacts_dir()
    tab.page.screenshot(path=str(out / f"webchat-{name}-closed.png"))
    tab.open()
    tab.send({"fr": "Bonjour", "es": "Hola"}[language])
    tab.page.screenshot(path=str(out / f"webchat-{name}.png"))
    assert (out / f"webchat-{name}.png").stat().st_size > 10_000


def test_pages_and_files_are_served_safely(sqlite_stack: TipLineStack) -> None:
    page = requests.get(f"{sqlite_stack.url}/webchat/demo/fr", timeout=10)
    assert page.status_code == 200 and 'lang="fr"' in page.text
    policy = page.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    for name in ("style-src", "font-src", "connect-src", "img-src"):
        assert "http" not in directives[name] and "*" not in directives[name], name
    assert page.headers["Referrer-Policy"] == "no-referrer"
    embed = requests.get(f"{sqlite_stack.url}/webchat/embed.js", timeout=10)
    assert embed.headers["Content-Type"].startswith("application/javascript")
    bundle_url = re.search(r'"bundle": "([^"]+)"', embed.text).group(1)
    bundle = requests.get(sqlite_stack.url + bundle_url, timeout=30)
    assert bundle.status_code == 200 and len(bundle.content) > 100_000
    assert "googleapis" not in bundle.text and "gstatic" not in bundle.text
    assert requests.get(f"{sqlite_stack.url}/webchat/static/..%2Fchannel.py",
                        timeout=10).status_code == 404
    assert requests.get(f"{sqlite_stack.url}/webchat/demo/de", timeout=10).status_code == 404


def test_no_address_or_device_id_is_kept(sqlite_stack: TipLineStack,
                                         chat: Callable[..., Chat]) -> None:
    """Runs after the chats above: their traces in logs, tracker and tips."""
    tab = chat().goto(f"{sqlite_stack.url}/webchat/demo/en").open()
    tab.send("Hello")
    session = tab.session_id()
    logs = sqlite_stack.logs()
    started = logs.rfind(f"Starting Rasa server on {sqlite_stack.url}")
    logs = logs[max(started, 0):]  # this run's Rasa server (log files are appended to)
    # no access log line (request line, client address and port), no socket URL
    assert not re.search(r"(GET|POST) https?://\S*(/webchat/|/socket\.io/)", logs)
    assert not re.search(r"\[127\.0\.0\.1:\d+\]", logs)
    assert "/webchat/demo" not in logs and "socket.io/?EIO" not in logs
    with sqlite3.connect(sqlite_stack.workdir / "tracker.db") as conn:
        rows = conn.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = "
                            "'user'", (session,)).fetchall()
    assert rows
    for (data,) in rows:
        event = json.loads(data)
        assert set(event.get("metadata") or {}) <= {"language", "location", "model_id",
                                                    "assistant_id"}, event["metadata"]
        assert "127.0.0.1" not in data and "Mozilla" not in data
