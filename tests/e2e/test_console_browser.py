"""The console in a real browser (Debian's Chromium through Playwright), on SQLite and on
PostgreSQL: an RCMP duty officer's shift, the tip summary and standard replies in the
tipster's language, free text that cannot be translated, hostile tip text, the live
urgent-tip alert."""

from __future__ import annotations

import time
from typing import Iterator

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels.webchat.store import WebchatOutbox
from bot.store.models import AuditEntry, TipMessage
from harness.console import PASSWORD, RunningConsole, minutes_ago, running_console
from harness.fakes.libretranslate import FakeLibreTranslate
from harness.servers import ARTIFACTS, ROOT

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
            fake_libre: FakeLibreTranslate) -> Iterator[RunningConsole]:
    tmp = tmp_path_factory.mktemp(f"console-browser-{request.param}")
    officers = [("rcmp-duty", "RCMP", "officer"), ("hsi-duty", "HSI", "officer")]
    with running_console(request.param, tmp, officers, TIPLINE_TRANSLATION_PROVIDER="libre",
                         TIPLINE_TRANSLATION_URL=fake_libre.url,
                         TIPLINE_TRANSLATION_BREAKER_COOLDOWN="1") as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    tab = context.new_page()
    tab.dialogs = []  # type: ignore[attr-defined]
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message),  # type: ignore
                                     dialog.dismiss()))
    third_party: list = []
    tab.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:"))
           else third_party.append(r.url))
    failures = request.session.testsfailed
    yield tab
    if request.session.testsfailed > failures:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}-failure.png"), full_page=True)
    context.close()
    assert third_party == [], f"requests to third parties: {third_party}"


def sign_in(page: Page, console: RunningConsole, username: str) -> None:
    page.goto(f"{console.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    expect(page.locator("#who")).to_be_visible()


def rows(page: Page) -> list:
    return page.locator("tr.tip-row").evaluate_all("rs => rs.map(r => r.dataset.reference)")


def test_an_rcmp_officer_triages_replies_and_reroutes(page: Page, console: RunningConsole) -> None:
    mine = console.seed(queue="RCMP", urgency="high", language="fr",
                        original_text="Deux hommes chargent des sacs de cocaine dans une "
                                      "camionnette blanche pres de Lacolle, maintenant",
                        translated_text="Two men are loading bags of cocaine into a white van "
                                        "near Lacolle, right now", created_at=minutes_ago(4))
    joint = console.seed(queue="IBET_JOINT", category="suspicious_activity", side="unknown",
                         place="Niagara Falls", language="es",
                         original_text="Un dron cruza el rio de noche cerca de Niagara Falls",
                         translated_text="A drone crosses the river at night near Niagara Falls",
                         created_at=minutes_ago(45))
    hsi = console.seed(queue="HSI", language="en", side="US", place="Blaine",
                       original_text="Boat unloading crates at Blaine marina",
                       translated_text="Boat unloading crates at Blaine marina")
    other = console.seed(queue="RCMP", category="human_smuggling", language="pt",
                         place="Stanstead", original_text="Vi um grupo de pessoas atravessando "
                         "a fronteira a pe perto de Stanstead",
                         translated_text="I saw a group of people crossing the border on foot "
                         "near Stanstead", created_at=minutes_ago(180))

    sign_in(page, console, "rcmp-duty")
    shown = rows(page)
    assert mine.reference in shown and joint.reference in shown and other.reference in shown
    assert hsi.reference not in shown
    assert shown.index(mine.reference) < shown.index(joint.reference)  # urgent first
    expect(page.locator(f'tr[data-reference="{mine.reference}"] .badge-urgent')).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"console-queue-{console.kind}.png"), full_page=True)

    page.click(f'a:text-is("{mine.reference}")')
    expect(page.locator("#tip-reference")).to_have_text(mine.reference)
    expect(page.locator("#original-text")).to_have_text(mine.original_text)
    expect(page.locator("#translated-text")).to_have_text(mine.translated_text)
    expect(page.locator("#entities")).to_contain_text("white van")
    expect(page.locator("#audit-log")).to_contain_text("created")

    page.click("#claim")
    expect(page.locator(".flash-info")).to_contain_text("assigned to you")
    expect(page.locator("#tip-assigned")).to_have_text("rcmp-duty")
    expect(page.locator("#tip-status")).to_have_text("assigned")

    page.fill("#reply-text", "Thank you. Are they still there? If anyone is in danger, call 911.")
    page.click("#send-reply")
    expect(page.locator(".flash")).to_contain_text("reply is recorded")
    expect(page.locator("#conversation")).to_contain_text("[en→fr]")
    expect(page.locator("#conversation")).to_contain_text("Are they still there?")
    page.fill("#note-text", "Detachment in Lacolle informed by phone.")
    page.click("#add-note")
    expect(page.locator("#notes")).to_contain_text("Detachment in Lacolle informed")
    page.screenshot(path=str(ARTIFACTS / f"console-tip-{console.kind}.png"), full_page=True)

    page.select_option("#reroute-queue", "HSI")
    page.fill("#reroute-reason", "The van crossed to the US side at Champlain")
    page.click("#reroute")
    expect(page.locator(".flash-info")).to_contain_text(f"{mine.reference} re-routed to HSI")
    assert mine.reference not in rows(page)
    assert page.goto(f"{console.url}/tips/{mine.reference}").status == 404

    page.goto(console.url)
    page.click("#logout")
    expect(page.locator("#sign-in")).to_be_visible()
    assert page.goto(f"{console.url}/").url.startswith(f"{console.url}/login")

    sign_in(page, console, "hsi-duty")  # the re-routed tip is in the HSI queue now
    assert mine.reference in rows(page) and hsi.reference in rows(page)
    page.click(f'a:text-is("{mine.reference}")')
    expect(page.locator("#tip-status")).to_have_text("rerouted")
    expect(page.locator("#tip-queue")).to_have_text("HSI")
    expect(page.locator("#audit-log")).to_contain_text("The van crossed to the US side")

    stored = console.tip(mine.reference)
    assert (stored.queue, stored.status, stored.assigned_to) == ("HSI", "rerouted", None)
    with Session(console.engine) as session:
        actions = [(e.actor, e.action) for e in session.execute(
            select(AuditEntry).where(AuditEntry.tip_id == stored.id).order_by(AuditEntry.id)
        ).scalars()]
        reply = session.execute(select(TipMessage).where(
            TipMessage.tip_id == stored.id, TipMessage.author == "officer")).scalar_one()
    changes = [entry for entry in actions[1:] if entry[1] != "tip_read"]
    assert changes == [("rcmp-duty", "claimed"), ("rcmp-duty", "officer_reply"),
                       ("rcmp-duty", "note_added"), ("rcmp-duty", "rerouted")]
    # and every opening of the tip by an officer of either agency is audited
    assert {("rcmp-duty", "tip_read"), ("hsi-duty", "tip_read")} <= set(actions)
    assert reply.translated_text.startswith("Thank you. Are they still there?")
    assert "[en→fr]" in reply.text and reply.language == "fr"
    assert page.dialogs == []  # type: ignore[attr-defined]


HOSTILE = [
    "<script>window.__xss = 'script'; alert('xss')</script>",
    "<img src=x onerror=\"window.__xss='img'; alert(1)\">",
    "<svg onload=\"window.__xss='svg'\"></svg><b>bold?</b>",
    "\"><script>window.__xss='attr'</script>",
    "{{ 7*7 }} ${7*7} <iframe src=\"javascript:window.__xss='iframe'\"></iframe>",
]


def test_hostile_tip_text_is_shown_as_text(page: Page, console: RunningConsole) -> None:
    text = " ".join(HOSTILE)
    tip = console.seed(queue="RCMP", original_text=text, translated_text=HOSTILE[1],
                       place="<b>Lacolle</b>", language="en",
                       entities=[{"entity": "plate", "value": "<script>window.__xss=1</script>"}],
                       attachments=[{"url": "javascript:window.__xss='href'", "type": "<i>x</i>"}])
    sign_in(page, console, "rcmp-duty")
    page.goto(f"{console.url}/?q=script")
    assert tip.reference in rows(page)
    for path in ("/?q=script", f"/tips/{tip.reference}"):
        page.goto(console.url + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__xss") is None
        assert page.evaluate("document.querySelectorAll('script').length") == 1
        assert page.evaluate("document.querySelectorAll('img, svg, iframe, b:not(.x)').length"
                             ) == 0
    expect(page.locator("#original-text")).to_have_text(text)
    expect(page.locator("#translated-text")).to_have_text(HOSTILE[1])
    expect(page.locator("#entities")).to_contain_text("<script>window.__xss=1</script>")
    assert page.locator('a[href^="javascript:"]').count() == 0
    page.click("#claim")  # the page still works after rendering it
    expect(page.locator("#tip-status")).to_have_text("assigned")
    assert page.evaluate("window.__xss") is None
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_a_new_urgent_tip_raises_a_visible_and_audible_alert(page: Page,
                                                             console: RunningConsole) -> None:
    sign_in(page, console, "rcmp-duty")
    page.click("#sound-toggle")  # a user gesture lets the page play sound
    expect(page.locator("#sound-toggle")).to_have_attribute("aria-pressed", "true")
    before = rows(page)
    quiet = console.seed(queue="HSI", urgency="high", language="en",
                         original_text="Not for RCMP: urgent at Blaine")
    urgent = console.seed(queue="RCMP", urgency="high", language="en", place="Emerson",
                          original_text="People are crossing the field near Emerson right now, "
                                        "a child is with them")
    started = time.monotonic()
    alert = page.locator("#urgent-alert")
    expect(alert).to_be_visible(timeout=10_000)
    assert time.monotonic() - started < 10
    expect(alert).to_contain_text(urgent.reference)
    expect(alert).not_to_contain_text(quiet.reference)
    expect(page.locator(f'tr[data-reference="{urgent.reference}"]')).to_be_visible()
    assert page.evaluate("Number(document.body.dataset.beeps)") >= 1
    assert page.evaluate("document.body.dataset.audio") == "running"  # tones were played
    assert page.title().startswith("(!)")
    assert urgent.reference not in before
    page.screenshot(path=str(ARTIFACTS / f"console-alert-{console.kind}.png"))
    page.click("#urgent-alert button")
    expect(alert).to_be_hidden()


def catalogue(directory: str, language: str) -> dict:
    return yaml.safe_load((ROOT / "data" / directory / f"{language}.yml").read_text("utf-8"))


def test_the_summary_and_a_standard_reply_in_the_tipsters_language(
        page: Page, console: RunningConsole, fake_libre: FakeLibreTranslate) -> None:
    tip = console.seed(queue="RCMP", urgency="high", language="pa", channel="webchat",
                       place="Lacolle", side="CA", incident_time="ਅੱਜ ਰਾਤ",
                       original_text="ਲੈਕੋਲ ਨੇੜੇ ਦੋ ਆਦਮੀ ਇੱਕ ਚਿੱਟੀ ਵੈਨ ਵਿੱਚ ਬੋਰੀਆਂ ਲੱਦ ਰਹੇ ਹਨ",
                       translated_text="Near Lacolle two men are loading sacks into a white van",
                       entities=[{"entity": "vehicle", "value": "ਚਿੱਟੀ ਵੈਨ"},
                                 {"entity": "plate", "value": "FXK 4471"},
                                 {"entity": "people_count", "value": "ਦੋ ਆਦਮੀ"}])
    sign_in(page, console, "rcmp-duty")
    page.click(f'a:text-is("{tip.reference}")')
    summary = page.locator("#summary")
    expect(summary).to_be_visible()
    expect(page.locator("#summary-category")).to_have_text("Drug smuggling")
    expect(page.locator("#summary-urgency")).to_have_text(
        "URGENT: someone in danger now or a crossing under way")
    expect(page.locator("#summary-where")).to_have_text("Lacolle, Canada side (CA)")
    expect(page.locator("#summary-when")).to_have_text("ਅੱਜ ਰਾਤ")
    expect(page.locator("#summary-vehicles")).to_have_text("ਚਿੱਟੀ ਵੈਨ")
    expect(page.locator("#summary-plates")).to_have_text("FXK 4471")
    expect(page.locator("#summary-vessels")).to_have_text("none mentioned")
    expect(page.locator("#summary-people")).to_have_text("ਦੋ ਆਦਮੀ")
    expect(page.locator("#tip-language")).to_have_text("Punjabi (pa)")
    expect(page.locator("#original-text")).to_have_text(tip.original_text)
    expect(page.locator("#translated-text")).to_have_text(tip.translated_text)
    # the summary sits above the texts, at the top of the page
    assert summary.bounding_box()["y"] < page.locator("#original-text").bounding_box()["y"]

    english = catalogue("officer_replies", "en")["ask_vehicle"]
    punjabi = catalogue("officer_replies", "pa")["ask_vehicle"]
    expect(page.locator("#standard-replies")).to_contain_text("Ask for the vehicle")
    expect(page.locator("#standard-replies")).to_contain_text(english)
    expect(page.locator("#standard-replies")).not_to_contain_text(punjabi)  # shown in English
    translations = fake_libre.count("/translate")
    page.check("#standard-ask_vehicle")
    page.click("#send-standard")
    expect(page.locator(".flash-info")).to_have_text(
        "Standard reply “Ask for the vehicle” queued for the tipster (in Punjabi).")
    expect(page.locator("#conversation")).to_contain_text(punjabi)
    expect(page.locator("#conversation")).to_contain_text(english)
    expect(page.locator("#conversation")).to_contain_text(
        "standard reply, written in Punjabi (no machine translation) · delivery: queued")
    assert fake_libre.count("/translate") == translations  # never machine translated
    page.screenshot(path=str(ARTIFACTS / f"console-standard-reply-{console.kind}.png"),
                    full_page=True)

    stored = console.tip(tip.reference)
    prefix = catalogue("messages", "pa")["officer_prefix"].format(reference=tip.reference)
    with Session(console.engine) as session:
        reply = session.execute(select(TipMessage).where(
            TipMessage.tip_id == stored.id, TipMessage.author == "officer")).scalar_one()
        queued = session.execute(select(WebchatOutbox).where(
            WebchatOutbox.tip_id == stored.id)).scalar_one()
        entry = session.execute(select(AuditEntry).where(
            AuditEntry.tip_id == stored.id, AuditEntry.action == "officer_reply")).scalar_one()
    assert reply.text == queued.text == prefix + punjabi  # delivered as written in Punjabi
    assert (reply.language, reply.translated_text) == ("pa", english)
    assert (entry.actor, entry.after["standard_reply"], entry.after["translation"]) == (
        "rcmp-duty", "ask_vehicle", "catalogue")
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_free_text_that_cannot_be_translated_needs_an_explicit_yes(
        page: Page, console: RunningConsole, fake_libre: FakeLibreTranslate) -> None:
    tip = console.seed(queue="RCMP", language="fr", channel="webchat")
    sign_in(page, console, "rcmp-duty")
    page.goto(f"{console.url}/tips/{tip.reference}")
    expect(page.locator("#free-text-warning")).to_have_count(0)  # the provider is up
    fake_libre.set_mode("fail")
    try:
        page.fill("#reply-text", "Is the van still there?")
        page.click("#send-reply")
        warning = page.locator("#free-text-warning")
        expect(warning).to_contain_text("Nothing was sent.")
        expect(warning).to_contain_text(
            "Free text cannot be translated now: the tipster would receive English.")
        expect(warning).to_contain_text("Use a standard reply, or send in English anyway.")
        expect(page.locator("#reply-text")).to_have_value("Is the van still there?")
        page.screenshot(path=str(ARTIFACTS / f"console-free-text-warning-{console.kind}.png"),
                        full_page=True)
        assert console.audit_count(tip) == 1  # nothing sent, nothing recorded
        page.click("#send-reply")  # the confirmation box is required: nothing happens
        expect(page.locator("#free-text-warning")).to_contain_text("Nothing was sent.")
        page.check("#send-english")
        page.click("#send-reply")
        expect(page.locator(".flash-warning")).to_contain_text(
            "It was NOT translated: the tipster received English.")
        expect(page.locator("#conversation")).to_contain_text(
            f"Message from an officer about tip {tip.reference}: Is the van still there?")
        expect(page.locator("#conversation .msg-delivery.untranslated")).to_contain_text(
            "NOT translated: the tipster received English · delivery: queued")
    finally:
        fake_libre.set_mode("ok")
    assert console.audit_count(tip) == 2
    assert page.dialogs == []  # type: ignore[attr-defined]
