"""The KPI dashboard and the transparency report in a real browser (Debian's Chromium through
Playwright), on SQLite and PostgreSQL: the charts are drawn with the database's numbers, the
CSV export holds the same, an agency's officer sees only their agency, and the public report
shows no count below k."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Dict, Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry, Tip
from harness.console import (
    PASSWORD,
    ConsoleServer,
    RunningConsole,
    console_env,
    make_officer,
    make_tip,
    minutes_ago,
    scratch_database,
)
from tests.e2e.test_console_browser import CHROMIUM_ARGS

SHARED = ("RCMP", "IBET_JOINT")  # what an RCMP officer sees (bot/console/scope.py)
CHARTS = 7  # five series, the durations, the corrections


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console(request: pytest.FixtureRequest,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningConsole]:
    tmp = tmp_path_factory.mktemp(f"dashboard-{request.param}")
    with scratch_database(request.param, tmp) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            for name, agency, role in (("rcmp-sup", "RCMP", "officer"),
                                       ("hsi-duty", "HSI", "officer"), ("chief", None, "admin")):
                make_officer(session, name, agency, role=role)
            seed(session)
            session.commit()
        server = ConsoleServer(console_env(tmp, url), f"dash-{tmp.name}").start()
        try:
            yield RunningConsole(request.param, server.url, engine)
        finally:
            server.stop()
            engine.dispose()


def seed(session: Session) -> None:
    """30 tips this month: 24 French RCMP SMS, 4 English HSI web chats, 2 Spanish RCMP SMS."""
    plan = ([("RCMP", "fr", "sms", "drug_smuggling")] * 24 + [("HSI", "en", "webchat",
            "contraband")] * 4 + [("IBET_JOINT", "es", "sms", "human_smuggling")] * 2)
    for i, (queue, language, channel, category) in enumerate(plan):
        created = minutes_ago(30 + i)
        tip = make_tip(session, queue=queue, language=language, channel=channel,
                       category=category, urgency="high" if i % 3 == 0 else "normal",
                       created_at=created)
        if i % 2 == 0:  # claimed after i minutes: urgent ones within 15 minutes or not
            session.add(AuditEntry(tip_id=tip.id, actor="rcmp-sup", action="claimed",
                                   after={"assigned_to": "rcmp-sup", "status": "assigned"},
                                   created_at=created + timedelta(minutes=i)))
        if i % 5 == 0:
            session.add(AuditEntry(tip_id=tip.id, actor="rcmp-sup", action="status_changed",
                                   after={"status": "closed"},
                                   created_at=created + timedelta(minutes=20)))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    tab = context.new_page()
    problems: list = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:"))
           else problems.append(r.url))
    yield tab
    context.close()
    assert problems == [], f"CSP errors or third-party requests: {problems}"


def sign_in(page: Page, console: RunningConsole, username: str) -> None:
    page.goto(f"{console.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    expect(page.locator("#who")).to_be_visible()


def counts(console: RunningConsole, column, queues=None) -> Dict[str, int]:  # type: ignore[no-untyped-def]
    query = select(column, func.count()).group_by(column)
    if queues:
        query = query.where(Tip.queue.in_(queues))
    with Session(console.engine) as session:
        return {key: n for key, n in session.execute(query)}


def drawn(page: Page, chart: str) -> Dict[str, int]:
    """Each dataset of a drawn Chart.js chart and the sum of its bars."""
    return page.evaluate("""id => Object.fromEntries(Chart.getChart(document.getElementById(id))
        .data.datasets.map(d => [d.label, d.data.reduce((a, b) => a + b, 0)]))""", chart)


def test_the_dashboard_draws_the_databases_numbers(page: Page, console: RunningConsole) -> None:
    sign_in(page, console, "chief")
    page.click("#nav-dashboard")
    expect(page.locator("canvas[data-drawn]")).to_have_count(CHARTS)
    languages = counts(console, Tip.language)
    assert drawn(page, "chart-language") == languages == {"fr": 24, "en": 4, "es": 2}
    assert drawn(page, "chart-queue") == counts(console, Tip.queue)
    assert drawn(page, "chart-channel") == counts(console, Tip.channel)
    assert page.locator("#kpi-tips").inner_text() == "30"
    cells = page.locator("#table-category td.num")
    assert {c.get_attribute("data-key"): int(c.inner_text()) for c in cells.all()} == counts(
        console, Tip.category)
    # first officer action: the claim after i minutes (even i) or the closure after 20
    # (i = 5, 15, 25): 18 tips, median 17 min; urgent tips (i = 0, 3, ..., 27) triaged
    # within 15 minutes: i = 0, 6, 12
    assert page.locator("#kpi-triage").get_attribute("data-n") == "18"
    assert page.locator("#kpi-triage").get_attribute("data-median") == "1020.0"
    assert page.locator("#kpi-urgent").get_attribute("data-met") == "3"
    assert page.locator("#kpi-urgent").get_attribute("data-due") == "10"
    assert page.locator("#kpi-closure").get_attribute("data-n") == "6"
    assert page.locator("#kpi-satisfaction").inner_text() == "no data yet"
    durations = page.evaluate("Chart.getChart(document.getElementById('chart-durations'))"
                              ".data.datasets[0].data")
    assert durations[0] == 0.28  # the median triage, 1020 s, in hours

    href = page.locator("#dashboard-csv").get_attribute("href")
    assert href and href.startswith("/dashboard.csv")
    csv_text = page.request.get(f"{console.url}{href}").text()
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    by_language: Dict[str, int] = {}
    for row in rows:
        if row["metric"] == "tips_by_language":
            by_language[row["key"]] = by_language.get(row["key"], 0) + int(row["value"])
    assert by_language == languages
    assert {"metric": "count", "period": "", "key": "tips", "value": "30"} in rows


def test_an_agency_officer_sees_only_their_agency(page: Page, console: RunningConsole) -> None:
    sign_in(page, console, "rcmp-sup")
    page.goto(f"{console.url}/dashboard")
    expect(page.locator("canvas[data-drawn]")).to_have_count(CHARTS)
    expect(page.locator("#dashboard-scope")).to_contain_text("RCMP + IBET_JOINT")
    assert drawn(page, "chart-queue") == counts(console, Tip.queue, SHARED) == {
        "RCMP": 24, "IBET_JOINT": 2}
    assert page.locator("#kpi-tips").inner_text() == "26"
    assert "HSI" not in page.locator("#table-queue").inner_text()
    assert page.request.get(f"{console.url}/dashboard?agency=HSI").status == 404
    csv_text = page.request.get(f"{console.url}/dashboard.csv").text()
    assert ",HSI," not in csv_text and "count,,tips,26" in csv_text


def this_month(page: Page, table: str) -> Dict[str, str]:
    """The last row of a report table: column -> the text shown."""
    def texts(selector: str) -> list:
        return page.locator(selector).evaluate_all("es => es.map(e => e.textContent.trim())")
    return dict(zip(texts(f"#transparency-{table} thead th")[1:],
                    texts(f"#transparency-{table} tbody tr:last-child td"), strict=True))


def test_the_transparency_report_suppresses_small_counts(page: Page,
                                                         console: RunningConsole) -> None:
    page.goto(f"{console.url}/transparency")  # public: no sign-in
    expect(page.locator("#transparency")).to_be_visible()
    assert this_month(page, "language") == {"en": "< 10", "es": "< 10", "fr": "24",
                                            "total": "30"}
    channels = this_month(page, "channel")
    # webchat (4) is below k; sms (26) is hidden too, or 30 - 26 would give webchat away
    assert channels == {"sms": "< 10", "webchat": "< 10", "total": "30"}
    for text in page.locator("#transparency td").all_inner_texts():
        assert text.startswith("<") or not text.isdigit() or int(text) >= 10, text
    assert "< 10" in page.locator("#transparency-category").inner_text()
    signed_out = page.request.get(f"{console.url}/dashboard.csv")  # the dashboard is not
    assert "/login" in signed_out.url and "tips_by" not in signed_out.text()  # public
