"""Awareness answers end to end: the real Rasa (retrained model), action server and SQLite
tips; questions asked before reporting, in several languages and scripts, are answered
from data/awareness/ in their language and create no tip; the demo pages link to the
"what to look for" page, which headless Chromium renders in that language."""

from __future__ import annotations

import uuid
from typing import Any, Iterator

import pytest
import requests

from bot.awareness.catalogue import get_awareness
from harness.db import TipsDb
from harness.servers import TipLineStack
from harness.webchat import chromium
from tests.e2e.test_webchat import Chat

pytestmark = pytest.mark.timeout(300)

# language, question as a resident writes it, topic the answer must come from
QUESTIONS = [
    ("en", "is there any reward if my tip helps?", "rewards"),
    ("es", "¿cuál es la diferencia entre trata de personas y tráfico de personas?",
     "trafficking_vs_smuggling"),
    ("ar", "هل في مكافأة إذا بلغت عن شي؟", "rewards"),
    ("pa", "ਕੀ ਰਿਪੋਰਟ ਕਰਨ ਤੋਂ ਬਾਅਦ ਪੁਲਿਸ ਮੈਨੂੰ ਫ਼ੋਨ ਕਰੂਗੀ?", "will_i_be_contacted"),
]


@pytest.fixture(scope="module")
def db(sqlite_stack: TipLineStack) -> TipsDb:
    return TipsDb(sqlite_stack.env["TIPLINE_DATABASE_URL"])


@pytest.mark.parametrize("language, question, topic", QUESTIONS)
def test_a_question_is_answered_from_the_catalogue_in_its_language(
        sqlite_stack: TipLineStack, db: TipsDb, language: str, question: str,
        topic: str) -> None:
    sender = f"awareness-{language}-{uuid.uuid4().hex[:8]}"
    replies = sqlite_stack.say(sender, question)
    assert replies == [get_awareness().answer(topic, language)], replies
    assert db.tips_of(sender) == []


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_demo_page_links_to_the_look_page_in_its_language(
        sqlite_stack: TipLineStack, browser: Any, language: str) -> None:
    look = get_awareness().look(language)
    tab = Chat(browser, locale="en-US")
    try:
        tab.goto(f"{sqlite_stack.url}/webchat/demo/{language}")
        link = tab.page.locator("p.look a")
        assert link.inner_text() == look["title"]
        link.click()
        tab.page.wait_for_url(f"{sqlite_stack.url}/webchat/look/{language}")
        assert tab.page.get_attribute("html", "lang") == language
        assert tab.page.inner_text("h1") == look["title"]
        assert tab.page.locator("ul.details li").all_inner_texts() == look["details"]
        assert "911" in tab.page.inner_text("p.emergency")
        assert tab.js("window.__csp") == [] and tab.errors == []
    finally:
        tab.close()


def test_the_look_page_is_served_in_every_language_with_the_demo_headers(
        sqlite_stack: TipLineStack) -> None:
    for language in get_awareness().languages:
        page = requests.get(f"{sqlite_stack.url}/webchat/look/{language}", timeout=10)
        assert page.status_code == 200 and f'lang="{language}"' in page.text, language
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert requests.get(f"{sqlite_stack.url}/webchat/look/xx", timeout=10).status_code == 404
