"""Security probes of the console through Flask's test client: calendar-end dates, crafted
cursors, login redirects, sessions that end on the server, throttled (never locked) sign-in."""

from __future__ import annotations

import base64
from typing import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console.app import create_app
from bot.console.context import EXTENSION
from bot.settings import ConsoleSettings
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry
from harness.console import PASSWORD, SECRET, csrf_from, make_officer, make_tip

NEW_PASSWORD = "another horse battery staple"
OFFICERS = ("alice", "bob", "carol", "dave", "erin", "frank", "grace")


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('console-security') / 'tips.db'}"
    upgrade(url)
    with Session(make_engine(url)) as session:
        for name in OFFICERS:
            make_officer(session, name, "RCMP")
        make_officer(session, "boss", None, role="admin")
        session.commit()
    return url


@pytest.fixture(scope="module")
def app(db_url: str) -> Flask:
    settings = ConsoleSettings(secret_key=SECRET, login_rate_limit="5 per 5 minutes",
                               login_rate_limit_per_address="1000 per minute")
    return create_app(settings, database_url=db_url)


@pytest.fixture()
def db(db_url: str) -> Iterator[Session]:
    with Session(make_engine(db_url), expire_on_commit=False) as session:
        yield session


def login(client: FlaskClient, username: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token, **extra})


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.fixture(scope="module")
def alice(app: Flask) -> FlaskClient:
    return signed_in(app, "alice")


def csrf(client: FlaskClient) -> str:
    return csrf_from(client.get("/account").text)


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock(app: Flask, monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The login throttle's clock, moved by the test (the throttle keeps its counts)."""
    throttle = app.extensions[EXTENSION].throttle
    fake = FakeClock(throttle.clock())
    monkeypatch.setattr(throttle, "clock", fake)
    return fake


# --- 1. dates and cursors at the ends of the calendar ----------------------------------

@pytest.mark.parametrize("path", ["/", "/api/tips", "/api/tips.csv", "/export.csv"])
@pytest.mark.parametrize("dates", ["date_to=9999-12-31", "to=9999-12-31",
                                   "date_from=0001-01-01&date_to=9999-12-31",
                                   "date_from=9999-12-31", "date_to=0001-01-01"])
def test_dates_at_the_ends_of_the_calendar_are_answered(alice: FlaskClient, path: str,
                                                        dates: str) -> None:
    response = alice.get(f"{path}?status=all&{dates}")
    response.get_data()  # the CSV streams: read it to the end
    assert response.status_code == 200


def test_the_last_day_of_the_calendar_means_no_upper_bound(alice: FlaskClient,
                                                           db: Session) -> None:
    tip = make_tip(db, queue="RCMP")
    db.commit()
    client = alice
    listed = client.get("/api/tips?limit=500&date_to=9999-12-31").json["tips"]
    assert tip.reference in {t["reference"] for t in listed}
    assert tip.reference in client.get("/api/tips.csv?date_to=9999-12-31").text
    assert tip.reference in client.get("/?status=all&date_to=9999-12-31").text
    bad = client.get("/api/tips?date_to=10000-01-01")
    assert bad.status_code == 400 and "date_to must be a date" in bad.json["error"]


@pytest.mark.parametrize("since", [
    b64("2024-01-01T00:00:00+00:00|99999999999999999999999"),
    b64("2024-01-01T00:00:00+00:00|-1"),
    b64("9999-12-31T23:59:59-05:00|1"),
    b64("2024-99-01T00:00:00+00:00|1"),
    b64("2024-01-01T00:00:00+00:00|1|0001-01-01T00:00:00+14:00"),
    "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-05:00",
])
def test_crafted_cursors_answer_400(alice: FlaskClient, since: str) -> None:
    client = alice
    response = client.get("/api/tips", query_string={"since": since})
    assert response.status_code == 400
    assert "since must be a cursor" in response.json["error"]
    assert client.get("/queue/changes", query_string={"cursor": since}).status_code == 400


def test_a_cursor_before_the_epoch_reads_from_the_start(alice: FlaskClient) -> None:
    client = alice
    for since in ("0001-01-01T00:00:00Z",
                  b64("2024-01-01T00:00:00+00:00|1|0001-01-01T00:00:00+00:00")):
        assert client.get("/api/tips", query_string={"since": since}).status_code == 200
        assert client.get("/queue/changes", query_string={"cursor": since}).status_code == 200


# --- 2, 3. where a sign-in leads -------------------------------------------------------

BAD_TARGETS = ["/\t/evil.example/phish", "//evil.example/x", "/\\evil.example",
               "https://evil.example/", "/%2F%2Fevil.example", "/\n/evil.example",
               "/\r\nSet-Cookie: stolen=1", "/ /evil.example", "/\u2028/evil.example",
               "javascript:alert(1)"]


@pytest.mark.parametrize("target", BAD_TARGETS)
def test_sign_in_never_leads_off_the_console(app: Flask, target: str) -> None:
    client = app.test_client()
    response = login(client, "bob", next=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    # an officer already signed in is sent on at once: the same check applies
    response = client.get("/login", query_string={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("raw", ["/%09/evil.example/phish", "/%0a/evil.example",
                                 "/%0d%0aSet-Cookie:%20x=1", "/%5C/evil.example"])
def test_the_probed_login_urls_go_to_the_queue(app: Flask, raw: str) -> None:
    response = signed_in(app, "bob").get(f"/login?next={raw}")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_local_next_is_followed(app: Flask) -> None:
    response = login(app.test_client(), "bob", next="/?status=all&q=white+van")
    assert response.headers["Location"] == "/?status=all&q=white+van"


# --- 4. sessions end on the server ------------------------------------------------------

def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    thief = app.test_client()
    thief.set_cookie("tipline_console", client.get_cookie("tipline_console").value)
    assert thief.get("/").status_code == 200
    return thief


def test_sign_out_ends_every_copy_of_the_session_cookie(app: Flask, db: Session) -> None:
    officer = signed_in(app, "carol")
    thief = copy_of(app, officer)
    assert officer.post("/logout", data={"csrf_token": csrf(officer)}).status_code == 302
    assert thief.get("/").status_code == 302
    assert thief.get("/api/me").status_code == 401
    assert db.execute(select(AuditEntry).where(AuditEntry.action == "logout",
                                               AuditEntry.actor == "carol")).first()
    assert signed_in(app, "carol").get("/").status_code == 200  # signing in again works


def test_a_password_change_ends_copies_of_the_old_cookie(app: Flask) -> None:
    officer = signed_in(app, "dave")
    thief = copy_of(app, officer)
    officer.post("/account/password", data={
        "csrf_token": csrf(officer), "current_password": PASSWORD,
        "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert thief.get("/").status_code == 302
    assert officer.get("/").status_code == 200  # the officer who changed it stays in


# --- 5. throttled, never locked ---------------------------------------------------------

def test_failed_sign_ins_slow_down_but_never_lock_the_officer_out(app: Flask,
                                                                  clock: FakeClock) -> None:
    client, waits = app.test_client(), []
    for _ in range(7):
        assert login(client, "erin", "wrong password!!").status_code == 401
        too_soon = login(client, "erin")  # the right password, before the wait is over
        assert too_soon.status_code == 429 and "Too many failed attempts" in too_soon.text
        waits.append(int(too_soon.headers["Retry-After"]))
        clock.now += waits[-1]
    assert waits == [2, 4, 8, 16, 32, 60, 60]
    assert login(client, "erin").status_code == 302  # after the wait, the password works


def test_guessing_from_elsewhere_neither_blocks_the_officer_nor_goes_unnoticed(
        app: Flask, db: Session, clock: FakeClock) -> None:
    officer = signed_in(app, "grace")  # this browser now knows grace (device cookie)
    officer.post("/logout", data={"csrf_token": csrf(officer)})
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for i in range(6):
        clock.now += 60  # the attacker waits as told
        assert login(attacker, "grace", f"guess number {i}!").status_code == 401
    assert login(attacker, "grace", "guess number 7!").status_code == 429
    assert login(officer, "grace").status_code == 302  # the officer is not slowed down
    notice = db.execute(select(AuditEntry).where(AuditEntry.action == "login_failures")
                        ).scalars().all()
    assert [n.after["failures"] for n in notice if n.after["username"] == "grace"] == [5]
    page = signed_in(app, "boss").get("/admin/officers").text
    assert 'id="login-alerts"' in page and "grace: 5 failures" in page
    assert "203.0.113.9" not in page  # addresses are never stored
