"""The running console over HTTP, on SQLite and PostgreSQL: scoping by URL and API, CSRF,
login throttling, search with SQL metacharacters, and the tips API losing nothing while
tips arrive during a pull."""

from __future__ import annotations

import csv
import io
import re
import threading
import time
from datetime import timedelta
from typing import Iterator, List, Set

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.models import Tip
from harness.console import (
    PASSWORD,
    RunningConsole,
    csrf_from,
    login_session,
    make_tip,
    running_console,
)

SPEC_FIELDS = {"reference", "channel", "language", "original_text", "translated_text",
               "category", "urgency", "queue", "status", "created_at", "location"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningConsole]:
    tmp = tmp_path_factory.mktemp(f"console-http-{request.param}")
    officers = [("rcmp-a", "RCMP", "officer"), ("rcmp-b", "RCMP", "officer"),
                ("hsi-a", "HSI", "officer"), ("cbsa-a", "CBSA", "officer"),
                ("victim", "USBP", "officer"), ("root", None, "admin")]
    with running_console(request.param, tmp, officers) as running:
        yield running


def token_for(console: RunningConsole, username: str) -> str:
    http = login_session(console.url, username)
    token = csrf_from(http.get(f"{console.url}/account", timeout=10).text)
    page = http.post(f"{console.url}/account/tokens", data={"csrf_token": token,
                                                           "name": "script"}, timeout=10).text
    return re.search(r'id="new-token">([^<]+)<', page).group(1)


def test_an_rcmp_officer_cannot_read_or_change_an_hsi_tip(console: RunningConsole) -> None:
    theirs = console.seed(queue="HSI", side="US", place="Blaine",
                          original_text="HSI eyes only: crates at Blaine marina")
    http = login_session(console.url, "rcmp-a")
    token = csrf_from(http.get(f"{console.url}/account", timeout=10).text)
    assert http.get(f"{console.url}/tips/{theirs.reference}", timeout=10).status_code == 404
    for action, form in (("claim", {}), ("status", {"status": "closed"}),
                         ("reroute", {"queue": "RCMP", "reason": "take it"}),
                         ("reply", {"text": "hi"}), ("notes", {"text": "x"})):
        response = http.post(f"{console.url}/tips/{theirs.reference}/{action}",
                             data={"csrf_token": token, **form}, timeout=10,
                             allow_redirects=False)
        assert response.status_code == 404, action
    bearer = {"Authorization": f"Bearer {token_for(console, 'rcmp-a')}"}
    assert requests.get(f"{console.url}/api/tips/{theirs.reference}", headers=bearer,
                        timeout=10).status_code == 404
    response = requests.patch(f"{console.url}/api/tips/{theirs.reference}", headers=bearer,
                              json={"status": "closed", "assigned_to": "rcmp-a"}, timeout=10)
    assert response.status_code == 404
    listed = requests.get(f"{console.url}/api/tips?limit=500", headers=bearer, timeout=10).json()
    assert theirs.reference not in {t["reference"] for t in listed["tips"]}
    exported = requests.get(f"{console.url}/api/tips.csv", headers=bearer, timeout=10).text
    assert theirs.reference not in exported and "HSI eyes only" not in exported
    stored = console.tip(theirs.reference)
    assert (stored.queue, stored.status, stored.assigned_to) == ("HSI", "new", None)
    assert console.audit_count(theirs) == 1
    hsi = {"Authorization": f"Bearer {token_for(console, 'hsi-a')}"}
    assert requests.get(f"{console.url}/api/tips/{theirs.reference}", headers=hsi,
                        timeout=10).status_code == 200


def test_posts_without_csrf_token_are_refused(console: RunningConsole) -> None:
    tip = console.seed(queue="RCMP")
    http = login_session(console.url, "rcmp-a")
    for path, form in ((f"/tips/{tip.reference}/claim", {}),
                       (f"/tips/{tip.reference}/status", {"status": "closed"}),
                       (f"/tips/{tip.reference}/notes", {"text": "x"}),
                       ("/account/tokens", {"name": "sneaky"}), ("/logout", {})):
        response = http.post(console.url + path, data=form, timeout=10, allow_redirects=False)
        assert response.status_code == 400, path
    cross_site = http.post(f"{console.url}/tips/{tip.reference}/claim",
                           data={"csrf_token": "forged"}, timeout=10, allow_redirects=False,
                           headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 400
    api = http.patch(f"{console.url}/api/tips/{tip.reference}", json={"status": "closed"},
                     timeout=10)
    assert api.status_code == 400 and "CSRF" in api.json()["error"]
    assert http.get(f"{console.url}/", timeout=10).status_code == 200  # still signed in
    stored = console.tip(tip.reference)
    assert (stored.status, stored.assigned_to) == ("new", None)
    assert console.audit_count(tip) == 1


def test_wrong_passwords_slow_down_but_never_lock_out(console: RunningConsole) -> None:
    def attempt(password: str) -> requests.Response:
        http = requests.Session()
        token = csrf_from(http.get(f"{console.url}/login", timeout=10).text)
        return http.post(f"{console.url}/login", data={"username": "victim",
                                                      "password": password,
                                                      "csrf_token": token},
                         timeout=10, allow_redirects=False)

    assert attempt("guess number 1!").status_code == 401
    blocked = attempt(PASSWORD)  # the right password, but too soon after a failure
    assert blocked.status_code == 429
    wait = int(blocked.headers["Retry-After"])
    assert 1 <= wait <= 2
    assert "Too many failed attempts" in blocked.text
    assert login_session(console.url, "rcmp-b")  # another officer still signs in
    time.sleep(wait)
    assert attempt(PASSWORD).status_code == 302  # the wait is over: the password works


@pytest.mark.parametrize("words", [
    "'; DROP TABLE tips; --", "' OR 1=1 --", "%", "_", "\\", "\"; SELECT pg_sleep(5); --",
    "%' UNION SELECT username FROM officers --", "\x00",
])
def test_sql_metacharacters_in_search_are_harmless(console: RunningConsole, words: str) -> None:
    clean = words.replace("\x00", "")
    marker = console.seed(queue="CBSA", original_text=f"literal [{clean}] inside",
                          translated_text=None)
    http = login_session(console.url, "cbsa-a")
    started = time.monotonic()
    response = http.get(f"{console.url}/", params={"q": words, "status": "all"}, timeout=10)
    assert response.status_code in (200, 400)
    assert time.monotonic() - started < 4
    assert "rcmp-a" not in response.text and "$argon2" not in response.text
    if clean:
        assert response.status_code == 200 and marker.reference in response.text
    with Session(console.engine) as session:
        assert session.execute(select(func.count(Tip.id))).scalar_one() > 0


def pull_all(console: RunningConsole, headers: dict, params: dict, since: str = "") -> tuple:
    seen: List[str] = []
    pages = 0
    while True:
        response = requests.get(f"{console.url}/api/tips", headers=headers, timeout=10,
                                params={**params, **({"since": since} if since else {})})
        response.raise_for_status()
        body = response.json()
        seen += [t["reference"] for t in body["tips"]]
        since, pages = body["next"], pages + 1
        for tip in body["tips"]:
            assert set(tip) >= SPEC_FIELDS
            assert set(tip["location"]) == {"text", "side", "place"}
        if not body["more"]:
            return seen, since, pages
        time.sleep(0.02)


def test_api_pull_loses_nothing_while_tips_arrive(console: RunningConsole) -> None:
    headers = {"Authorization": f"Bearer {token_for(console, 'root')}"}
    params = {"queue": "USCG", "category": "weapons_smuggling", "limit": 7}
    existing = {console.seed(queue="USCG", category="weapons_smuggling", side="US",
                             place="Rouses Point").reference for _ in range(40)}
    arrived: Set[str] = set()
    stop = threading.Event()

    def writer() -> None:
        with Session(console.engine) as session:
            while not stop.is_set():
                arrived.add(make_tip(session, queue="USCG", category="weapons_smuggling",
                                     side="US").reference)
                old = session.execute(select(Tip).where(
                    Tip.queue == "USCG", Tip.reference.in_(sorted(existing)[:10])
                ).order_by(func.random()).limit(1)).scalar_one()
                old.status = "triaged" if old.status == "new" else "new"
                session.commit()
                time.sleep(0.03)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        seen, cursor, pages = pull_all(console, headers, params)
    finally:
        stop.set()
        thread.join()
    assert pages >= 6 and existing <= set(seen)
    later, _cursor, _pages = pull_all(console, headers, params, since=cursor)
    assert arrived and arrived <= set(seen) | set(later)
    with Session(console.engine) as session:
        everything = set(session.execute(select(Tip.reference).where(
            Tip.queue == "USCG", Tip.category == "weapons_smuggling")).scalars())
    assert everything == set(seen) | set(later)


def test_api_since_does_not_skip_a_late_commit(console: RunningConsole) -> None:
    """A transaction stamps its tip, a newer tip commits and is pulled, then it commits."""
    headers = {"Authorization": f"Bearer {token_for(console, 'root')}"}
    params = {"queue": "USCG", "category": "cybercrime", "limit": 100}
    if console.kind == "postgresql":  # two real concurrent transactions
        late_session = Session(console.engine)
        early = make_tip(late_session, queue="USCG", category="cybercrime")
        late_session.flush()
        early_reference = early.reference
        newer = console.seed(queue="USCG", category="cybercrime")
        first, cursor, _pages = pull_all(console, headers, params)
        assert first == [newer.reference]
        late_session.commit()
        late_session.close()
    else:  # SQLite serialises writers: the same order of stamps, set by hand
        newer = console.seed(queue="USCG", category="cybercrime")
        first, cursor, _pages = pull_all(console, headers, params)
        assert first == [newer.reference]
        early_reference = console.seed(queue="USCG", category="cybercrime",
                                       created_at=newer.updated_at - timedelta(seconds=1)
                                       ).reference
    second, _cursor, _pages = pull_all(console, headers, params, since=cursor)
    assert early_reference in second


def test_api_patch_and_csv_export(console: RunningConsole) -> None:
    tip = console.seed(queue="CBSA", category="contraband",
                       original_text="=IMPORTXML(\"http://evil.example\",\"//a\")",
                       translated_text="-1+1 @SUM(A1)")
    headers = {"Authorization": f"Bearer {token_for(console, 'cbsa-a')}"}
    url = f"{console.url}/api/tips/{tip.reference}"
    body = requests.patch(url, headers=headers, json={"assigned_to": "cbsa-a"}, timeout=10).json()
    assert (body["assigned_to"], body["status"]) == ("cbsa-a", "assigned")
    body = requests.patch(url, headers=headers, json={"status": "actioned"}, timeout=10).json()
    assert body["status"] == "actioned"
    refused = requests.patch(url, headers=headers, json={"assigned_to": "hsi-a"}, timeout=10)
    assert refused.status_code == 400 and "cannot see queue CBSA" in refused.json()["error"]
    export = requests.get(f"{console.url}/api/tips.csv", headers=headers, timeout=10,
                          params={"category": "contraband", "status": "actioned"})
    assert export.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    row = next(r for r in rows if r["reference"] == tip.reference)
    assert row["original_text"].startswith("'=IMPORTXML")
    assert row["translated_text"] == "'-1+1 @SUM(A1)"
    assert {r["queue"] for r in rows} <= {"CBSA", "IBET_JOINT"}
