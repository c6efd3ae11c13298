"""The console application through Flask's test client, on a migrated SQLite database."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.console.app import create_app
from bot.console.models import ApiToken, Officer, TipNote
from bot.outbound import Delivery
from bot.settings import ConsoleSettings
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry, RoutingDecision, Tip, TipMessage
from harness.console import PASSWORD, SECRET, csrf_from, make_officer, make_tip


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('console') / 'tips.db'}"
    upgrade(url)
    with Session(make_engine(url)) as session:
        make_officer(session, "rcmp-one", "RCMP")
        make_officer(session, "rcmp-two", "RCMP")
        make_officer(session, "hsi-one", "HSI")
        make_officer(session, "boss", None, role="admin")
        make_officer(session, "limited", "CBSA")
        session.commit()
    return url


@pytest.fixture(scope="module")
def app(db_url: str) -> Flask:
    settings = ConsoleSettings(secret_key=SECRET, login_rate_limit="5 per 5 minutes",
                               login_rate_limit_per_address="1000 per minute",
                               settle_seconds=5)
    return create_app(settings, database_url=db_url)


@pytest.fixture()
def db(db_url: str) -> Iterator[Session]:
    with Session(make_engine(db_url), expire_on_commit=False) as session:
        yield session


def login(client: FlaskClient, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


@pytest.fixture()
def rcmp(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert login(client, "rcmp-one").status_code == 302
    return client


@pytest.fixture()
def hsi(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert login(client, "hsi-one").status_code == 302
    return client


@pytest.fixture()
def admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert login(client, "boss").status_code == 302
    return client


def csrf(client: FlaskClient) -> str:
    return csrf_from(client.get("/account").text)


def seed(db: Session, **fields) -> Tip:  # type: ignore[no-untyped-def]
    tip = make_tip(db, **fields)
    db.commit()
    return tip


def audit_of(db: Session, tip: Tip) -> list:
    db.expire_all()
    # reads are audited too (tip_read); these tests count the changes
    return db.execute(select(AuditEntry).where(AuditEntry.tip_id == tip.id,
                                               AuditEntry.action != "tip_read")
                      .order_by(AuditEntry.id)).scalars().all()


def fresh(db: Session, tip: Tip) -> Tip:
    db.expire_all()
    return db.get(Tip, tip.id)


# --- authentication -------------------------------------------------------------------

def test_pages_need_a_signed_in_officer(app: Flask) -> None:
    client = app.test_client()
    for path in ("/", "/tips/AB2CD3", "/account", "/admin/officers", "/export.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.get("/api/tips")
    assert response.status_code == 401 and response.json == {"error": "authentication required"}


def cookie_named(response, name: str) -> str:  # type: ignore[no-untyped-def]
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "="))


def test_session_cookie_is_httponly_samesite_and_secure_over_tls(app: Flask) -> None:
    response = login(app.test_client(), "rcmp-one")
    cookie = cookie_named(response, "tipline_console")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    device = cookie_named(response, "tipline_device")
    assert "HttpOnly" in device and "SameSite=Strict" in device and "Path=/login" in device
    tls = app.test_client()
    token = csrf_from(tls.get("/login", base_url="https://console.example").text)
    response = tls.post("/login", base_url="https://console.example",
                        headers={"Referer": "https://console.example/login"},
                        data={"username": "rcmp-one", "password": PASSWORD, "csrf_token": token})
    assert "Secure" in cookie_named(response, "tipline_console")
    assert "Secure" in cookie_named(response, "tipline_device")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_secure_cookies_can_be_forced(db_url: str) -> None:
    forced = create_app(ConsoleSettings(secret_key=SECRET, secure_cookies=True),
                        database_url=db_url)
    response = login(forced.test_client(), "rcmp-one")
    assert "Secure" in cookie_named(response, "tipline_console")


def test_console_refuses_to_start_without_a_secret(db_url: str) -> None:
    with pytest.raises(RuntimeError, match="TIPLINE_CONSOLE_SECRET"):
        create_app(ConsoleSettings(secret_key=""), database_url=db_url)


def test_wrong_password_is_refused_and_the_next_attempt_must_wait(app: Flask) -> None:
    client = app.test_client()
    response = login(client, "limited", "wrong password!!")
    assert response.status_code == 401
    assert "Wrong user name or password" in response.text
    blocked = login(client, "limited")  # too soon, even with the right password
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Too many failed attempts" in blocked.text
    assert login(app.test_client(), "rcmp-two").status_code == 302  # others unaffected


def test_unknown_user_gets_the_same_answer(app: Flask) -> None:
    response = login(app.test_client(), "nobody-here", "whatever password")
    assert response.status_code == 401 and "Wrong user name or password" in response.text


def test_login_redirects_only_inside_the_console(app: Flask) -> None:
    client = app.test_client()
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"username": "rcmp-two", "password": PASSWORD,
                                           "csrf_token": token, "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_logout_needs_post_with_csrf_and_ends_the_session(rcmp: FlaskClient) -> None:
    assert rcmp.post("/logout").status_code == 400
    assert rcmp.get("/").status_code == 200
    assert rcmp.post("/logout", data={"csrf_token": csrf(rcmp)}).status_code == 302
    assert rcmp.get("/").status_code == 302


def test_every_response_carries_the_security_headers(app: Flask, rcmp: FlaskClient) -> None:
    for response in (app.test_client().get("/login"), rcmp.get("/"), rcmp.get("/nope"),
                     rcmp.get("/static/console.js"), rcmp.get("/api/tips/NOPE22")):
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "http" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
    page = rcmp.get("/").text
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", page)  # no inline script
    assert "style=" not in page and "https://" not in page and "http://" not in page


# --- agency scoping -------------------------------------------------------------------

def test_an_officer_sees_only_the_agency_queue_and_the_joint_queue(
        db: Session, rcmp: FlaskClient, hsi: FlaskClient, admin: FlaskClient) -> None:
    mine, joint, theirs = (seed(db, queue="RCMP"), seed(db, queue="IBET_JOINT"),
                           seed(db, queue="HSI"))
    page = rcmp.get("/?status=all").text
    assert mine.reference in page and joint.reference in page and theirs.reference not in page
    page = hsi.get("/?status=all").text
    assert mine.reference not in page and joint.reference in page and theirs.reference in page
    page = admin.get("/?status=all").text
    assert all(t.reference in page for t in (mine, joint, theirs))
    # asking for another agency's queue by filter gives nothing
    assert theirs.reference not in rcmp.get("/?status=all&queue=HSI").text


def test_an_rcmp_officer_cannot_read_or_change_an_hsi_tip(db: Session,
                                                          rcmp: FlaskClient) -> None:
    theirs = seed(db, queue="HSI", original_text="HSI only: boat at Rouses Point")
    before = len(audit_of(db, theirs))
    token = csrf(rcmp)
    assert rcmp.get(f"/tips/{theirs.reference}").status_code == 404
    assert rcmp.get(f"/tips/{theirs.reference.lower()}").status_code == 404
    for action, form in (("claim", {}), ("status", {"status": "closed"}),
                         ("reroute", {"queue": "RCMP", "reason": "mine now"}),
                         ("notes", {"text": "peek"}), ("reply", {"text": "hello"}),
                         ("standard-reply", {"key": "thanks"}),
                         ("category", {"category": "contraband"}),
                         ("duplicate", {"original": theirs.reference})):
        response = rcmp.post(f"/tips/{theirs.reference}/{action}",
                             data={"csrf_token": token, **form})
        assert response.status_code == 404, action
    assert rcmp.get(f"/api/tips/{theirs.reference}").status_code == 404
    response = rcmp.patch(f"/api/tips/{theirs.reference}", json={"status": "closed"},
                          headers={"X-CSRFToken": token})
    assert response.status_code == 404 and response.json == {"error": "not found"}
    listed = rcmp.get("/api/tips?limit=500").json["tips"]
    assert theirs.reference not in {t["reference"] for t in listed}
    assert theirs.reference not in rcmp.get("/export.csv?status=all").text
    assert "HSI only" not in rcmp.get("/?status=all&q=Rouses").text
    again = fresh(db, theirs)
    assert (again.status, again.queue, again.assigned_to) == ("new", "HSI", None)
    assert len(audit_of(db, theirs)) == before


def test_a_duplicate_must_point_to_a_tip_the_officer_can_see(db: Session,
                                                             rcmp: FlaskClient) -> None:
    mine, theirs = seed(db, queue="RCMP"), seed(db, queue="HSI")
    rcmp.post(f"/tips/{mine.reference}/duplicate",
              data={"csrf_token": csrf(rcmp), "original": theirs.reference})
    assert fresh(db, mine).duplicate_of_id is None
    assert "no tip" in rcmp.get(f"/tips/{mine.reference}").text


# --- CSRF -----------------------------------------------------------------------------

def test_posts_without_a_valid_csrf_token_are_refused(app: Flask, db: Session,
                                                      rcmp: FlaskClient) -> None:
    tip = seed(db, queue="RCMP")
    other = app.test_client()
    login(other, "rcmp-two")
    foreign_token = csrf(other)
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": foreign_token}):
        response = rcmp.post(f"/tips/{tip.reference}/claim", data=data)
        assert response.status_code == 400
        assert "did not come from this console" in response.text
        response = rcmp.post(f"/tips/{tip.reference}/notes", data={**data, "text": "x"})
        assert response.status_code == 400
    response = rcmp.patch(f"/api/tips/{tip.reference}", json={"status": "closed"})
    assert response.status_code == 400 and "CSRF" in response.json["error"]
    assert fresh(db, tip).status == "new" and fresh(db, tip).assigned_to is None
    assert len(audit_of(db, tip)) == 1
    assert db.execute(select(TipNote).where(TipNote.tip_id == tip.id)).first() is None


# --- queue ----------------------------------------------------------------------------

def test_queue_puts_urgent_open_tips_first_then_newest(db: Session, admin: FlaskClient) -> None:
    now = datetime.now(UTC)
    old_urgent = seed(db, queue="CBP", urgency="high", created_at=now - timedelta(hours=5))
    new_normal = seed(db, queue="CBP", created_at=now - timedelta(minutes=1))
    closed_urgent = seed(db, queue="CBP", urgency="high", status="closed",
                         created_at=now - timedelta(seconds=10))
    page = admin.get("/?status=all&queue=CBP").text
    positions = [page.index(t.reference) for t in (old_urgent, closed_urgent, new_normal)]
    assert positions[0] < positions[1] and positions[0] < positions[2]
    assert page.index(closed_urgent.reference) < page.index(new_normal.reference)
    assert closed_urgent.reference not in admin.get("/?queue=CBP").text  # open by default


def test_queue_filters(db: Session, admin: FlaskClient) -> None:
    tip = seed(db, queue="USCG", category="suspicious_activity", language="pt",
               urgency="high", created_at=datetime(2023, 3, 4, 12, tzinfo=UTC))
    other = seed(db, queue="USCG", category="contraband", language="es")
    base = "/?queue=USCG"
    for args, shown in (("&category=suspicious_activity", True), ("&category=contraband", False),
                        ("&language=pt", True), ("&language=es", False),
                        ("&urgency=high", True), ("&urgency=normal", False),
                        ("&date_from=2023-03-04&date_to=2023-03-04", True),
                        ("&date_from=2023-03-05", False), ("&status=new", True),
                        ("&status=closed", False), ("&assigned=unassigned", True)):
        page = admin.get(base + args + ("" if "status=" in args else "&status=all")).text
        assert (tip.reference in page) is shown, args
    assert other.reference in admin.get(base + "&category=contraband").text


def test_search_covers_original_and_english_text(db: Session, admin: FlaskClient) -> None:
    tip = seed(db, queue="CBSA", original_text="Cigarettes sans timbre au dépanneur",
               translated_text="Unstamped cigarettes at the corner store")
    assert tip.reference in admin.get("/?q=timbre").text
    assert tip.reference in admin.get("/?q=UNSTAMPED cigarettes").text
    assert tip.reference not in admin.get("/?q=cocaine").text


@pytest.mark.parametrize("words", [
    "'; DROP TABLE tips; --", "' OR '1'='1", "%", "_", "\\", "\" OR \"\"=\"", "1; SELECT 1",
    "%' UNION SELECT password_hash FROM officers --",
])
def test_sql_metacharacters_in_search_are_harmless(db: Session, admin: FlaskClient,
                                                    words: str) -> None:
    literal = seed(db, queue="CBSA", original_text=f"note: {words} end", translated_text=None)
    plain = seed(db, queue="CBSA", original_text="nothing special here", translated_text=None)
    response = admin.get("/", query_string={"q": words, "status": "all"})
    assert response.status_code == 200
    assert literal.reference in response.text and plain.reference not in response.text
    assert "$argon2" not in response.text
    api = admin.get("/api/tips", query_string={"q": words, "limit": 500}).json["tips"]
    assert {t["reference"] for t in api} >= {literal.reference}
    assert plain.reference not in {t["reference"] for t in api}
    assert db.execute(text("SELECT count(*) FROM tips")).scalar() > 0
    assert db.execute(text("SELECT count(*) FROM officers")).scalar() >= 5


def test_live_changes_report_new_tips_of_the_officer_queues(db: Session,
                                                            rcmp: FlaskClient) -> None:
    page = rcmp.get("/").text
    cursor = re.search(r'data-cursor="([^"]+)"', page).group(1)
    urgent = seed(db, queue="RCMP", urgency="high")
    hidden = seed(db, queue="HSI", urgency="high")
    data = rcmp.get(f"/queue/changes?cursor={cursor}").json
    refs = {c["reference"]: c for c in data["changes"]}
    assert urgent.reference in refs and hidden.reference not in refs
    assert refs[urgent.reference]["urgency"] == "high"
    assert refs[urgent.reference]["url"] == f"/tips/{urgent.reference}"
    assert rcmp.get("/queue/changes?cursor=garbage").status_code == 400
    partial = rcmp.get("/?partial=1").text
    assert partial.startswith('<div id="queue-table">') and urgent.reference in partial


# --- tip page and triage --------------------------------------------------------------

def test_tip_page_shows_everything_an_officer_needs(db: Session, rcmp: FlaskClient) -> None:
    tip = seed(db, queue="RCMP", language="fr", original_text="Camion blanc à Lacolle",
               translated_text="White truck at Lacolle", place="Lacolle",
               attachments=[{"url": "https://api.twilio.com/media/ME1", "type": "image/jpeg"},
                            {"url": "javascript:alert(1)", "type": "text/html"}])
    page = rcmp.get(f"/tips/{tip.reference}").text
    for expected in ("Camion blanc à Lacolle", "White truck at Lacolle", "French", "93 %",
                     "Drug smuggling", "87 %", "white van", "ABC 123", "Lacolle", "Canada",
                     "image/jpeg", 'href="https://api.twilio.com/media/ME1"', "created",
                     "intake", "drug_smuggling/CA"):
        assert expected in page, expected
    assert 'href="javascript:' not in page and "(not a web link)" in page
    assert "+1" not in page  # no phone number anywhere


def test_triage_workflow_is_audited_with_officer_and_before_after(
        db: Session, rcmp: FlaskClient, hsi: FlaskClient) -> None:
    tip = seed(db, queue="RCMP")
    token = csrf(rcmp)
    post = lambda action, **form: rcmp.post(f"/tips/{tip.reference}/{action}",  # noqa: E731
                                            data={"csrf_token": token, **form})
    assert post("claim").status_code == 302
    assert (fresh(db, tip).assigned_to, fresh(db, tip).status) == ("rcmp-one", "assigned")
    post("assign", assignee="rcmp-two")
    assert fresh(db, tip).assigned_to == "rcmp-two"
    post("assign", assignee="hsi-one")  # cannot see the RCMP queue
    assert fresh(db, tip).assigned_to == "rcmp-two"
    post("status", status="actioned")
    post("status", status="new")  # not a workflow step
    assert fresh(db, tip).status == "actioned"
    post("category", category="weapons_smuggling")
    assert (fresh(db, tip).category, fresh(db, tip).category_confidence) == (
        "weapons_smuggling", None)
    post("notes", text="Called the detachment <b>now</b>")
    page = rcmp.get(f"/tips/{tip.reference}").text
    assert "Called the detachment &lt;b&gt;now&lt;/b&gt;" in page
    assert post("reroute", queue="HSI", reason="").status_code == 302
    assert fresh(db, tip).queue == "RCMP"  # a reason is required
    response = post("reroute", queue="HSI", reason="the boat landed on the US shore")
    assert response.headers["Location"] == "/"  # no longer in the RCMP queues
    moved = fresh(db, tip)
    assert (moved.queue, moved.status, moved.assigned_to) == ("HSI", "rerouted", None)
    assert tip.reference in hsi.get("/").text
    assert rcmp.get(f"/tips/{tip.reference}").status_code == 404
    decision = db.execute(select(RoutingDecision).where(RoutingDecision.tip_id == tip.id)
                          .order_by(RoutingDecision.id.desc())).scalars().first()
    assert (decision.queue, decision.decided_by) == ("HSI", "rcmp-one")
    assert "the boat landed" in decision.rule
    entries = [(e.actor, e.action, e.before, e.after) for e in audit_of(db, tip)][1:]
    assert entries[0] == ("rcmp-one", "claimed", {"assigned_to": None, "status": "new"},
                          {"assigned_to": "rcmp-one", "status": "assigned"})
    assert entries[1][:2] == ("rcmp-one", "assigned")
    assert entries[1][3] == {"assigned_to": "rcmp-two", "status": "assigned"}
    assert entries[2] == ("rcmp-one", "status_changed", {"status": "assigned"},
                          {"status": "actioned"})
    assert entries[3][1:3] == ("category_corrected", {"category": "drug_smuggling",
                                                      "category_confidence": 0.87})
    assert entries[4][1] == "note_added"
    assert entries[5] == ("rcmp-one", "rerouted",
                          {"queue": "RCMP", "status": "actioned", "assigned_to": "rcmp-two"},
                          {"queue": "HSI", "status": "rerouted", "assigned_to": None,
                           "reason": "the boat landed on the US shore"})
    assert len(entries) == 6  # refused changes left no trace
    assert all(e.created_at is not None for e in audit_of(db, tip))


def test_duplicates_are_linked_and_can_be_undone(db: Session, rcmp: FlaskClient) -> None:
    first, second = seed(db, queue="RCMP"), seed(db, queue="IBET_JOINT")
    token = csrf(rcmp)
    rcmp.post(f"/tips/{second.reference}/duplicate",
              data={"csrf_token": token, "original": first.reference.lower()})
    assert (fresh(db, second).status, fresh(db, second).duplicate_of_id) == (
        "duplicate", first.id)
    assert second.reference in rcmp.get(f"/tips/{first.reference}").text
    assert first.reference in rcmp.get(f"/tips/{second.reference}").text
    rcmp.post(f"/tips/{first.reference}/duplicate",
              data={"csrf_token": token, "original": second.reference})
    assert fresh(db, first).duplicate_of_id is None  # no cycle
    rcmp.post(f"/tips/{second.reference}/status", data={"csrf_token": token,
                                                         "status": "triaged"})
    undone = fresh(db, second)
    assert (undone.status, undone.duplicate_of_id) == ("triaged", None)
    last = audit_of(db, second)[-1]
    assert (last.before, last.after) == ({"status": "duplicate", "duplicate_of": first.reference},
                                         {"status": "triaged", "duplicate_of": None})


def test_anonymous_reply_goes_out_translated_on_the_tip_channel(
        db: Session, rcmp: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import outbound
    from bot.translation import TranslationResult

    class FakeTranslation:
        def translate(self, text: str, source: str, target: str) -> TranslationResult:
            return TranslationResult(text=f"[{source}->{target}] {text}", status="done",
                                     provider="fake")

    monkeypatch.setattr(outbound, "get_service", lambda: FakeTranslation())
    sent: list = []

    def sender(session: Session, tip: Tip, message: str) -> Delivery:
        sent.append((tip.reference, message))
        return Delivery("sent")

    monkeypatch.setitem(outbound._senders, "sms", sender)
    tip = seed(db, queue="RCMP", language="es", channel="sms")
    response = rcmp.post(f"/tips/{tip.reference}/reply", data={
        "csrf_token": csrf(rcmp), "text": "Thank you. Is the truck still there?"})
    assert response.status_code == 302
    page = rcmp.get(response.headers["Location"]).text
    assert "Reply sent to the tipster (in Spanish)" in page
    assert len(sent) == 1 and sent[0][0] == tip.reference
    assert "[en->es] Thank you. Is the truck still there?" in sent[0][1]
    db.expire_all()
    out = db.execute(select(TipMessage).where(TipMessage.tip_id == tip.id,
                                              TipMessage.direction == "out")).scalar_one()
    assert (out.author, out.translated_text) == ("officer", "Thank you. Is the truck still there?")
    assert "[en->es]" in out.text
    assert audit_of(db, tip)[-1].actor == "rcmp-one"
    assert "[en-&gt;es] Thank you" in page  # the conversation shows what went out


def test_reply_without_a_sender_is_recorded_and_says_so(db: Session, rcmp: FlaskClient) -> None:
    tip = seed(db, queue="RCMP", language="en", channel="rest")
    response = rcmp.post(f"/tips/{tip.reference}/reply",
                         data={"csrf_token": csrf(rcmp), "text": "Please call 911 now."})
    page = rcmp.get(response.headers["Location"]).text
    assert "The reply is recorded but was not delivered (no rest sender" in page
    assert audit_of(db, tip)[-1].after["delivery"] == "no_channel"


@pytest.fixture()
def sms_sent(monkeypatch: pytest.MonkeyPatch) -> list:
    """What the console hands to the SMS channel (a fake sender registered for ``sms``)."""
    from bot import outbound

    sent: list = []

    def sender(session: Session, tip: Tip, message: str) -> Delivery:
        sent.append((tip.reference, message))
        return Delivery("sent")

    monkeypatch.setitem(outbound._senders, "sms", sender)
    return sent


def translation_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import outbound
    from bot.translation import TranslationService

    service = TranslationService(provider="none")
    monkeypatch.setattr(outbound, "get_service", lambda: service)


def officer_messages(db: Session, tip: Tip) -> list:
    db.expire_all()
    return db.execute(select(TipMessage).where(TipMessage.tip_id == tip.id,
                                               TipMessage.author == "officer")
                      .order_by(TipMessage.id)).scalars().all()


def catalogue(directory: str, language: str) -> dict:
    import yaml

    from harness.servers import ROOT

    return yaml.safe_load((ROOT / "data" / directory / f"{language}.yml").read_text("utf-8"))


def test_a_standard_reply_reaches_a_punjabi_tipster_in_punjabi(
        db: Session, rcmp: FlaskClient, sms_sent: list, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import outbound

    class NoMachineTranslation:  # a provider that is up, and must not be asked
        provider_name = "libre"

        def translate(self, text: str, source: str, target: str) -> None:
            raise AssertionError("standard replies are never machine translated")

    monkeypatch.setattr(outbound, "get_service", NoMachineTranslation)
    tip = seed(db, queue="RCMP", language="pa", channel="sms",
               original_text="ਲੈਕੋਲ ਨੇੜੇ ਇੱਕ ਚਿੱਟੀ ਵੈਨ ਵਿੱਚ ਨਸ਼ੇ", translated_text="Drugs in a white van")
    page = rcmp.get(f"/tips/{tip.reference}").text
    assert 'id="standard-ask_vehicle"' in page and "Ask for the vehicle" in page
    assert "Can you describe the vehicle? Make, colour and licence plate" in page  # English
    assert "the tipster receives the Punjabi version" in page
    before = len(audit_of(db, tip))
    response = rcmp.post(f"/tips/{tip.reference}/standard-reply",
                         data={"csrf_token": csrf(rcmp), "key": "ask_vehicle"})
    assert response.status_code == 302
    page = rcmp.get(response.headers["Location"]).text
    assert "Standard reply “Ask for the vehicle” sent to the tipster (in Punjabi)." in page
    punjabi = (catalogue("messages", "pa")["officer_prefix"].format(reference=tip.reference)
               + catalogue("officer_replies", "pa")["ask_vehicle"])
    assert sms_sent == [(tip.reference, punjabi)]
    [out] = officer_messages(db, tip)
    assert (out.direction, out.text, out.language) == ("out", punjabi, "pa")
    assert out.translated_text == catalogue("officer_replies", "en")["ask_vehicle"]
    [entry] = audit_of(db, tip)[before:]
    assert (entry.actor, entry.action) == ("rcmp-one", "officer_reply")
    assert entry.after == {"delivery": "sent", "translation": "catalogue", "language": "pa",
                           "characters": len(out.translated_text), "message_id": out.id,
                           "standard_reply": "ask_vehicle"}
    assert catalogue("officer_replies", "pa")["ask_vehicle"] in page  # the delivered text
    assert "standard reply, written in Punjabi (no machine translation) · delivery: sent" in page
    # the placeholder is filled in the tipster's language too
    rcmp.post(f"/tips/{tip.reference}/standard-reply",
              data={"csrf_token": csrf(rcmp), "key": "thanks"})
    assert tip.reference in sms_sent[-1][1] and "{reference}" not in sms_sent[-1][1]
    assert sms_sent[-1][1].endswith(catalogue("officer_replies", "pa")["thanks"].format(
        reference=tip.reference))


def test_standard_replies_are_refused_without_csrf_or_a_known_key(
        db: Session, rcmp: FlaskClient, sms_sent: list) -> None:
    tip = seed(db, queue="RCMP", language="pa")
    before = len(audit_of(db, tip))
    assert rcmp.post(f"/tips/{tip.reference}/standard-reply",
                     data={"key": "thanks"}).status_code == 400
    response = rcmp.post(f"/tips/{tip.reference}/standard-reply",
                         data={"csrf_token": csrf(rcmp), "key": "__class__"})
    assert "choose one of the standard replies" in rcmp.get(response.headers["Location"]).text
    assert sms_sent == [] and officer_messages(db, tip) == []
    assert len(audit_of(db, tip)) == before


def test_another_agency_cannot_send_a_standard_reply(db: Session, hsi: FlaskClient,
                                                     sms_sent: list) -> None:
    tip = seed(db, queue="RCMP", language="pa")
    before = len(audit_of(db, tip))
    for action, form in (("standard-reply", {"key": "thanks"}), ("reply", {"text": "hi"})):
        response = hsi.post(f"/tips/{tip.reference}/{action}",
                            data={"csrf_token": csrf(hsi), "send_english": "1", **form})
        assert response.status_code == 404, action
    assert sms_sent == [] and officer_messages(db, tip) == []
    assert len(audit_of(db, tip)) == before


def test_free_text_that_cannot_be_translated_is_not_sent_without_consent(
        db: Session, rcmp: FlaskClient, sms_sent: list, monkeypatch: pytest.MonkeyPatch) -> None:
    translation_off(monkeypatch)
    tip = seed(db, queue="RCMP", language="so", channel="sms")
    page = rcmp.get(f"/tips/{tip.reference}").text
    assert ("Free text cannot be translated now: the tipster would receive English."
            in page)
    assert "Use a standard reply, or send in English anyway." in page
    assert 'id="send-english"' in page and "no translation provider is configured" in page
    before = len(audit_of(db, tip))
    refused = rcmp.post(f"/tips/{tip.reference}/reply", data={
        "csrf_token": csrf(rcmp), "text": "Is the <b>boat</b> still there?"})
    assert refused.status_code == 409
    assert "Nothing was sent." in refused.text and 'id="send-english"' in refused.text
    assert "Is the &lt;b&gt;boat&lt;/b&gt; still there?</textarea>" in refused.text  # kept
    assert sms_sent == [] and officer_messages(db, tip) == []
    assert len(audit_of(db, tip)) == before
    response = rcmp.post(f"/tips/{tip.reference}/reply", data={
        "csrf_token": csrf(rcmp), "text": "Is the boat still there?", "send_english": "1"})
    assert response.status_code == 302
    page = rcmp.get(response.headers["Location"]).text
    assert "It was NOT translated: the tipster received English." in page
    english = f"Message from an officer about tip {tip.reference}: Is the boat still there?"
    assert sms_sent == [(tip.reference, english)]
    [out] = officer_messages(db, tip)
    assert (out.text, out.language) == (english, "en")
    assert audit_of(db, tip)[-1].after["translation"] == "failed"
    assert "NOT translated: the tipster received English · delivery: sent" in page
    # standard replies still go out in Somali, whatever the translation provider does
    rcmp.post(f"/tips/{tip.reference}/standard-reply",
              data={"csrf_token": csrf(rcmp), "key": "danger_now"})
    assert sms_sent[-1][1].endswith(catalogue("officer_replies", "so")["danger_now"])
    # a tip in English needs no translation: no warning
    english_tip = seed(db, queue="RCMP", language="en")
    assert "Free text cannot be translated" not in rcmp.get(f"/tips/{english_tip.reference}").text


def test_free_text_that_the_provider_fails_to_translate_asks_first(
        db: Session, rcmp: FlaskClient, sms_sent: list, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import outbound
    from bot.translation import TranslationResult

    class Down:  # configured and believed up, but fails on this call
        provider_name = "libre"

        def translate(self, text: str, source: str, target: str) -> TranslationResult:
            return TranslationResult(None, "failed", "libre")

    monkeypatch.setattr(outbound, "get_service", lambda: Down())
    tip = seed(db, queue="RCMP", language="fr")
    assert "Free text cannot be translated" not in rcmp.get(f"/tips/{tip.reference}").text
    refused = rcmp.post(f"/tips/{tip.reference}/reply",
                        data={"csrf_token": csrf(rcmp), "text": "Merci?"})
    assert refused.status_code == 409 and "the translation provider did not answer" in refused.text
    assert "Free text cannot be translated now: the tipster would receive English." in refused.text
    assert sms_sent == [] and officer_messages(db, tip) == []


def officer_reply_with_parts(db: Session, tip: Tip, text: str, delivery: str,
                             *parts: tuple) -> TipMessage:
    """An officer reply as bot.outbound records it, with the parts Twilio reported on
    (``(status, error code)`` each, as bot/channels/twilio/reports.py stores them)."""
    from bot.channels.twilio.reports import RANKS, ReplyPart
    from harness.twilio import new_sid

    message = TipMessage(tip_id=tip.id, direction="out", author="officer", text=text,
                         translated_text=text, language="en")
    db.add(message)
    db.flush()
    db.add(AuditEntry(tip_id=tip.id, actor="rcmp-one", action="officer_reply", after={
        "delivery": delivery, "translation": "not_needed", "language": "en",
        "characters": len(text), "message_id": message.id}))
    for index, (status, code) in enumerate(parts, 1):
        db.add(ReplyPart(tip_id=tip.id, message_id=message.id, channel="sms", attempt=1,
                         part=index, parts=len(parts), external_id=new_sid(), status=status,
                         status_rank=RANKS.get(status, 0), error_code=code, callback=True))
    return message


def receipt(page: str, message: TipMessage) -> tuple:
    """(level, text) of the delivery line of ``message`` on the tip page."""
    found = re.search(rf'<p class="msg-receipt receipt-(\w+)" id="receipt-{message.id}"'
                      rf'[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no delivery line for message {message.id}"
    return found.group(1), re.sub(r"<[^>]+>", "", found.group(2))


def test_tip_page_shows_whether_each_reply_reached_the_tipster(
        db: Session, rcmp: FlaskClient, hsi: FlaskClient) -> None:
    tip = seed(db, queue="RCMP", language="en", channel="sms")
    delivered = officer_reply_with_parts(db, tip, "Thanks.", "sent", ("delivered", None))
    pending = officer_reply_with_parts(db, tip, "Where?", "sent", ("delivered", None),
                                       ("sent", None))
    lost = officer_reply_with_parts(db, tip, "Are you safe?", "sent", ("undelivered", 30003),
                                    ("failed", 30003))
    refused = officer_reply_with_parts(db, tip, "Hello?", "failed")  # Twilio said no at once
    odd = officer_reply_with_parts(db, tip, "Odd.", "sent", ("<b>odd</b>", None))
    db.commit()
    response = rcmp.get(f"/tips/{tip.reference}")
    assert response.status_code == 200
    page = response.text
    assert receipt(page, delivered) == ("delivered", "Delivery: delivered")
    assert receipt(page, pending) == (
        "pending", "Delivery: sent, not yet confirmed (1 of 2 parts delivered)")
    level, line = receipt(page, lost)
    assert level == "failed" and line.startswith(
        "Delivery: not delivered: the phone is unreachable (30003)")
    assert "The tipster did not receive this reply: try another way." in line
    assert f'id="receipt-{lost.id}" role="alert"' in page
    level, line = receipt(page, refused)
    assert level == "failed" and "not delivered: the channel did not accept it" in line
    assert "try another way" in line
    # autoescaped: whatever a row says is text, never markup
    assert receipt(page, odd)[1] == "Delivery: unknown delivery state: &lt;b&gt;odd&lt;/b&gt;"
    assert "<b>odd</b>" not in page
    # another agency sees neither the tip nor its replies' fate
    other = hsi.get(f"/tips/{tip.reference}")
    assert other.status_code == 404
    assert "msg-receipt" not in other.text and "unreachable" not in other.text


def test_tip_page_summary_language_and_translation_state(db: Session, rcmp: FlaskClient,
                                                         admin: FlaskClient) -> None:
    tip = seed(db, queue="RCMP", language="pa", urgency="high", place="Lacolle", side="CA",
               original_text="<b>ਚਿੱਟੀ ਵੈਨ</b>", translated_text=None,
               translation_status="failed", incident_time="last night",
               entities=[{"entity": "vehicle", "value": "white van"},
                         {"entity": "plate", "value": "<script>x</script>"},
                         {"entity": "vessel", "value": "zodiac"},
                         {"entity": "people_count", "value": "3 men"}])
    page = rcmp.get(f"/tips/{tip.reference}").text
    summary = page[page.index('id="summary"'):page.index('class="texts"')]
    for expected in ("Drug smuggling", "URGENT: someone in danger now or a crossing under way",
                     "Lacolle, Canada side (CA)", "last night", "white van",
                     "&lt;script&gt;x&lt;/script&gt;", "zodiac", "3 men"):
        assert expected in summary, expected
    assert "<script>x" not in page and "&lt;b&gt;ਚਿੱਟੀ ਵੈਨ&lt;/b&gt;" in page
    assert "Punjabi (pa)" in page
    assert "not translated yet — will be retried" in page
    unknown = seed(db, queue="IBET_JOINT", category="unknown", side="unknown", place=None,
                   entities=[])
    page = rcmp.get(f"/tips/{unknown.reference}").text
    summary = page[page.index('id="summary"'):page.index('class="texts"')]
    assert "unknown — needs a human" in summary and "none mentioned" in summary
    assert "no place given, side unknown" in summary
    queue = rcmp.get("/?category=unknown").text
    assert unknown.reference in queue and tip.reference not in queue
    assert '<option value="unknown"' in queue and "unknown — needs a human" in queue
    one = admin.get(f"/api/tips/{tip.reference}").json
    assert set(one) >= SPEC_FIELDS | {"translation_status", "entities", "assigned_to"}
    assert one["original_text"] == "<b>ਚਿੱਟੀ ਵੈਨ</b>" and one["category"] == "drug_smuggling"
    assert one["summary"]["urgency_label"].startswith("URGENT")
    assert (one["summary"]["place"], one["summary"]["side"]) == ("Lacolle", "CA")
    assert one["summary"]["vehicles"] == ["white van"] and one["summary"]["people"] == ["3 men"]
    assert one["summary"]["plates"] == ["<script>x</script>"]  # JSON: data, not markup
    listed = admin.get("/api/tips?category=unknown&limit=500").json["tips"]
    mine = next(t for t in listed if t["reference"] == unknown.reference)
    assert mine["summary"]["category_label"] == "unknown — needs a human"


# --- API ------------------------------------------------------------------------------

SPEC_FIELDS = {"reference", "channel", "language", "original_text", "translated_text",
               "category", "urgency", "queue", "status", "created_at", "location"}


def make_token(client: FlaskClient) -> str:
    page = client.post("/account/tokens", data={"csrf_token": csrf(client),
                                                "name": "records sync"}).text
    return re.search(r'id="new-token">([^<]+)<', page).group(1)


def test_api_with_a_token_has_the_spec_fields_and_the_officer_scope(
        db: Session, app: Flask, hsi: FlaskClient) -> None:
    token = make_token(hsi)
    tip = seed(db, queue="HSI", place="Blaine", side="US")
    script = app.test_client()  # no cookie at all
    headers = {"Authorization": f"Bearer {token}"}
    one = script.get(f"/api/tips/{tip.reference}", headers=headers).json
    assert set(one) >= SPEC_FIELDS
    assert one["location"] == {"text": "Blaine", "side": "US", "place": "Blaine"}
    assert one["channel"] in ("sms", "webchat") and one["status"] == "new"
    datetime.fromisoformat(one["created_at"])
    page = script.get("/api/tips?limit=500", headers=headers).json
    assert {t["queue"] for t in page["tips"]} <= {"HSI", "IBET_JOINT"}
    # changes by token need no CSRF token: a browser cannot send this header cross-site
    patched = script.patch(f"/api/tips/{tip.reference}", headers=headers,
                           json={"assigned_to": "hsi-one"})
    assert patched.status_code == 200 and patched.json["status"] == "assigned"
    assert patched.json["assigned_to"] == "hsi-one"
    assert script.patch(f"/api/tips/{tip.reference}", headers=headers,
                        json={"status": "actioned"}).json["status"] == "actioned"
    bad = script.patch(f"/api/tips/{tip.reference}", headers=headers, json={"queue": "RCMP"})
    assert bad.status_code == 400 and "cannot change queue" in bad.json["error"]
    bad = script.patch(f"/api/tips/{tip.reference}", headers=headers, json={"status": "new"})
    assert bad.status_code == 400
    assert audit_of(db, tip)[-1].actor == "hsi-one"
    assert script.get("/api/tips", headers={"Authorization": "Bearer tlk_wrong"}).status_code == 401
    row = db.execute(select(ApiToken).where(ApiToken.name == "records sync")).scalars().first()
    assert row.token_hash != token and token not in json.dumps(row.prefix) + row.token_hash
    hsi.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": csrf(hsi)})
    assert script.get("/api/tips", headers=headers).status_code == 401


def test_api_pagination_and_since_lose_nothing_when_tips_arrive(
        db: Session, app: Flask, admin: FlaskClient) -> None:
    start = datetime.now(UTC) - timedelta(minutes=30)
    filters = "&queue=CBSA&category=cybercrime"
    existing = {seed(db, queue="CBSA", category="cybercrime",
                     created_at=start + timedelta(seconds=i)).reference for i in range(23)}
    seen: set = set()
    arrived: set = set()
    cursor, pages = "", 0
    while True:
        body = admin.get(f"/api/tips?limit=5{filters}" + (f"&since={cursor}" if cursor else "")
                         ).json
        seen |= {t["reference"] for t in body["tips"]}
        cursor, pages = body["next"], pages + 1
        if pages <= 3:  # tips arrive and an old one changes while the pull goes on
            arrived.add(seed(db, queue="CBSA", category="cybercrime").reference)
            touched = db.execute(select(Tip).where(Tip.queue == "CBSA",
                                                   Tip.category == "cybercrime")
                                 .order_by(Tip.id)).scalars().first()
            touched.status = "triaged"
            db.commit()
        if not body["more"]:
            break
    assert pages >= 5
    assert existing <= seen
    # the next incremental pull (from the last cursor) brings what arrived meanwhile
    later = admin.get(f"/api/tips?limit=500{filters}&since={cursor}").json
    assert arrived <= seen | {t["reference"] for t in later["tips"]}
    assert not later["more"]


def test_api_since_does_not_skip_a_late_commit(db: Session, admin: FlaskClient) -> None:
    # A writer stamps updated_at, then commits after a newer tip was already pulled (on
    # SQLite writers are serialised, so the stamp is set back by hand; the PostgreSQL e2e
    # test does it with two real transactions).
    newer = seed(db, queue="CBSA", category="human_trafficking")
    filters = "&queue=CBSA&category=human_trafficking"
    first = admin.get(f"/api/tips?limit=100{filters}").json
    assert [t["reference"] for t in first["tips"]] == [newer.reference]
    stamp = newer.updated_at - timedelta(seconds=1)
    early = seed(db, queue="CBSA", category="human_trafficking", created_at=stamp)
    second = admin.get(f"/api/tips?limit=100{filters}&since={first['next']}").json
    assert early.reference in {t["reference"] for t in second["tips"]}


def test_a_pull_pages_exactly_and_ends_on_a_settled_cursor(db: Session) -> None:
    from bot.console.cursors import pull_changes
    from bot.console.queries import TipFilters

    boss = db.execute(select(Officer).where(Officer.username == "boss")).scalar_one()
    filters = TipFilters(status="all", queue="USBP", category="weapons_smuggling")
    ids = [seed(db, queue="USBP", category="weapons_smuggling").id for _ in range(3)]
    now = datetime.now(UTC)
    first = pull_changes(db, boss, filters, None, 2, settle_seconds=5, now=now)
    assert [t.id for t in first.tips] == ids[:2] and first.more
    assert first.next_cursor.tip_id == ids[1] and first.next_cursor.started == now
    rest = pull_changes(db, boss, filters, first.next_cursor, 2, settle_seconds=5,
                        now=now + timedelta(seconds=1))
    assert [t.id for t in rest.tips] == ids[2:] and not rest.more
    # the pull ends on a cursor set back before the settle window: the next pull reads
    # the recent tips again (one could have committed late), and loses none
    assert rest.next_cursor.moment == now - timedelta(seconds=5)
    assert rest.next_cursor.started is None
    again = pull_changes(db, boss, filters, rest.next_cursor, 10, settle_seconds=5, now=now)
    assert [t.id for t in again.tips] == ids
    # once the tips are older than the window, the final cursor is the last tip itself
    later = now + timedelta(seconds=10)
    settled = pull_changes(db, boss, filters, None, 10, settle_seconds=5, now=later)
    assert settled.next_cursor.tip_id == ids[2]
    done = pull_changes(db, boss, filters, settled.next_cursor, 10, settle_seconds=5,
                        now=later)
    assert done.tips == [] and not done.more


def test_api_rejects_bad_arguments(admin: FlaskClient) -> None:
    assert admin.get("/api/tips?limit=0").status_code == 400
    assert admin.get("/api/tips?limit=501").status_code == 400
    assert admin.get("/api/tips?since=yesterday").status_code == 400
    assert admin.get("/api/tips?status=gone").status_code == 400
    assert admin.get("/api/tips?since=2020-01-01T00:00:00Z").status_code == 200
    assert admin.get("/api/me").json["queues"] is None


def test_csv_export_is_scoped_filtered_neutralised_and_audited(db: Session,
                                                               rcmp: FlaskClient) -> None:
    tip = seed(db, queue="RCMP", category="cybercrime",
               original_text="=HYPERLINK(\"http://evil.example\",\"click\")",
               translated_text="+cmd|' /C calc'!A0")
    response = rcmp.get("/export.csv?status=all&category=cybercrime")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data.decode()
    assert tip.reference in body
    assert "'=HYPERLINK" in body and "'+cmd" in body
    assert ",=HYPERLINK" not in body and ",+cmd" not in body
    assert all(",HSI," not in line for line in body.splitlines())
    entry = db.execute(select(AuditEntry).where(AuditEntry.action == "csv_export")
                       .order_by(AuditEntry.id.desc())).scalars().first()
    assert entry.actor == "rcmp-one" and entry.after["filters"]["category"] == "cybercrime"


# --- administration -------------------------------------------------------------------

def test_only_admins_manage_officers(db: Session, rcmp: FlaskClient, admin: FlaskClient) -> None:
    assert rcmp.get("/admin/officers").status_code == 403
    assert rcmp.post("/admin/officers", data={"csrf_token": csrf(rcmp), "username": "x1",
                                              "password": PASSWORD}).status_code == 403
    response = admin.post("/admin/officers", data={
        "csrf_token": csrf(admin), "username": "cbp-new", "display_name": "New CBP",
        "agency": "CBP", "role": "officer", "password": PASSWORD, "confirm_password": PASSWORD})
    assert response.status_code == 302
    officer = db.execute(select(Officer).where(Officer.username == "cbp-new")).scalar_one()
    assert officer.agency == "CBP" and officer.password_hash.startswith("$argon2id$")
    response = admin.post("/admin/officers", data={
        "csrf_token": csrf(admin), "username": "bad-agency", "agency": "FBI", "role": "officer",
        "password": PASSWORD, "confirm_password": PASSWORD})
    assert "unknown agency" in admin.get("/admin/officers").text


def test_disabling_an_officer_ends_their_sessions(app: Flask, db: Session,
                                                  admin: FlaskClient) -> None:
    make_officer(db, "short-lived", "CBP")
    db.commit()
    victim = app.test_client()
    login(victim, "short-lived")
    assert victim.get("/").status_code == 200
    officer = db.execute(select(Officer).where(Officer.username == "short-lived")).scalar_one()
    admin.post(f"/admin/officers/{officer.id}", data={
        "csrf_token": csrf(admin), "display_name": "x", "agency": "CBP", "role": "officer",
        "active": "0"})
    assert victim.get("/").status_code == 302
    assert login(app.test_client(), "short-lived").status_code == 401


def test_the_last_admin_cannot_demote_themselves(db: Session, admin: FlaskClient) -> None:
    me = db.execute(select(Officer).where(Officer.username == "boss")).scalar_one()
    admin.post(f"/admin/officers/{me.id}", data={"csrf_token": csrf(admin), "agency": "RCMP",
                                                 "role": "officer", "active": "1"})
    db.expire_all()
    assert db.get(Officer, me.id).role == "admin"


def test_cli_creates_officers_reading_the_password_from_stdin(
        db_url: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    from harness.servers import ROOT

    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TIPLINE_DATABASE_URL": db_url,
           "TIPLINE_VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "create-officer", "cli-officer",
                           "--agency", "usbp"], input=PASSWORD + "\n", env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"created": "cli-officer", "role": "officer",
                                       "agency": "USBP"}
    admin = subprocess.run([sys.executable, "-m", "bot.cli", "create-admin", "cli-admin"],
                           input=PASSWORD + "\n", env=env, cwd=ROOT, capture_output=True,
                           text=True, timeout=60)
    assert admin.returncode == 0, admin.stderr
    weak = subprocess.run([sys.executable, "-m", "bot.cli", "create-officer", "weak",
                           "--agency", "RCMP"], input="short\n", env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert weak.returncode == 2 and "at least 12" in weak.stderr
    argv = subprocess.run([sys.executable, "-m", "bot.cli", "create-officer", "argv",
                           "--agency", "RCMP", "--password", PASSWORD], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert argv.returncode != 0  # there is no way to pass a password in argv
