"""Feedback after a tip end to end: SMS (signed webhooks) and web chat (socket.io) into the
real Rasa and action servers (SQLite), in Spanish, Arabic and English: asked once, the
score stored once and anonymously, a new tip sent instead of a score kept as a tip."""

from __future__ import annotations

import html
import time
from functools import cache
from typing import Any, Callable, Iterator, List

import pytest
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.messages import get_catalog
from bot.store.feedback import TipFeedback
from bot.store.models import Tip
from bot.store.references import find_references
from harness.clients import WebChat, wait_until
from harness.fakes.twilio_api import FakeTwilioApi
from harness.servers import TipLineStack
from tests.e2e.test_sms import Sms, number

pytestmark = pytest.mark.timeout(600)
Send = Callable[[str], List[str]]


class Chat(WebChat):
    """A web chat session over socket.io whose widget speaks ``language``."""

    def __init__(self, stack: TipLineStack, language: str) -> None:
        super().__init__(stack)
        self.language = language

    def send(self, text: str, settle: float = 2.5) -> List[str]:
        before = len(self.replies)
        self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id,
                                       "customData": {"language": self.language}})
        wait_until(lambda: len(self.replies) > before, 60)
        count, quiet = len(self.replies), time.monotonic()
        while time.monotonic() - quiet < settle:  # the turn's other replies
            time.sleep(0.2)
            if len(self.replies) != count:
                count, quiet = len(self.replies), time.monotonic()
        # as the widget shows them: markdown escapes and HTML entities undone
        return [html.unescape(r.replace("\\", "")) for r in self.replies[before:]]


@pytest.fixture(scope="module")
def sms(sqlite_stack: TipLineStack, fake_twilio: FakeTwilioApi) -> Sms:
    return Sms(sqlite_stack, fake_twilio)


@pytest.fixture()
def chat(sqlite_stack: TipLineStack) -> Iterator[Callable[[str], Chat]]:
    opened: List[Chat] = []
    yield lambda language: opened.append(Chat(sqlite_stack, language)) or opened[-1]
    for item in opened:
        item.close()


def flat(texts: List[str]) -> str:
    return " ".join(" ".join(texts).split())


def said(key: str, language: str, replies: List[str]) -> bool:
    """Whether the catalogue message ``key`` in ``language`` is among ``replies`` (an SMS
    may come in parts cut at spaces)."""
    return flat([get_catalog().render(key, language)]) in flat(replies)


def tell(send: Send, tip: str, dont_know: str) -> tuple[str, List[str]]:
    """A tip and "don't know" to the form's questions, until its reference comes."""
    replies = send(tip)
    for _ in range(3):
        if find_references(flat(replies)):
            break
        replies += send(dont_know)
    found = find_references(flat(replies))
    assert found, replies
    return found[-1], replies


@cache
def engine_of(url: str) -> Engine:
    return create_engine(url, future=True)


def _engine(stack: TipLineStack) -> Engine:
    return engine_of(stack.env["TIPLINE_DATABASE_URL"])


def rows(stack: TipLineStack, statement: Any) -> list:
    with Session(_engine(stack), expire_on_commit=False) as session:
        return list(session.execute(statement).scalars())


def feedback_of(stack: TipLineStack, reference: str) -> List[TipFeedback]:
    return rows(stack, select(TipFeedback).join(Tip, Tip.id == TipFeedback.tip_id)
                .where(Tip.reference == reference))


ES_TIP = "Hay cajas de cigarrillos sin declarar en un camion cerca de Blaine desde ayer"
ES_TIP_2 = "Un hombre cruza armas escondidas en su camioneta por Blaine cada viernes en la noche"
AR_TIP = "مهرب يأخذ المال من العائلات ليعبر بهم الحدود مشياً إلى بلين في أمريكا"
EN_TIP = "I saw two men loading bags of cocaine into a white van near Lacolle last night"
EN_TIP_2 = "2 men carried rifles across the river near Emerson this morning in a canoe"


def test_tip_feedback_tables_hold_no_contact_or_conversation(sqlite_stack: TipLineStack) -> None:
    columns = {table: {c["name"] for c in inspect(_engine(sqlite_stack)).get_columns(table)}
               for table in ("tip_feedback", "survey_answers")}
    for names in columns.values():
        assert not {n for n in names for word in ("contact", "conversation", "sender", "phone",
                                                  "address", "ip") if word in n.split("_")}
    assert {"tip_id", "score", "comment"} <= columns["tip_feedback"]


def test_sms_in_spanish_asks_once_and_stores_the_score_once(sms: Sms) -> None:
    phone = number()
    reference, replies = tell(lambda text: sms.say(phone, text), ES_TIP, "no se")
    assert said("feedback_ask", "es", replies), replies
    thanks = sms.say(phone, "4 facil")
    assert said("feedback_thanks", "es", thanks), thanks
    [feedback] = feedback_of(sms.stack, reference)
    assert (feedback.score, feedback.comment, feedback.language, feedback.channel) == (
        4, "facil", "es", "sms")
    second, replies = tell(lambda text: sms.say(phone, text), ES_TIP_2, "no se")
    assert not said("feedback_ask", "es", replies), replies  # once per conversation
    assert [t.reference for t in sms.tips(phone)] == [reference, second]
    assert feedback_of(sms.stack, second) == [] and len(feedback_of(sms.stack, reference)) == 1


@pytest.mark.parametrize(("language", "tip", "dont_know", "score", "expected"), [
    ("ar", AR_TIP, "لا أعرف", "٤", (4, None)),
    ("en", EN_TIP, "I don't know", "5 very easy", (5, "very easy")),
], ids=["ar", "en"])
def test_web_chat_feedback_in_arabic_and_english(
        sqlite_stack: TipLineStack, chat: Callable[[str], Chat], language: str, tip: str,
        dont_know: str, score: str, expected: tuple) -> None:
    tab = chat(language)
    reference, replies = tell(tab.send, tip, dont_know)
    assert said("feedback_ask", language, replies), replies
    assert said("feedback_thanks", language, tab.send(score))
    [feedback] = feedback_of(sqlite_stack, reference)
    assert (feedback.score, feedback.comment, feedback.language, feedback.channel) == (
        *expected, language, "webchat")


def test_a_new_tip_sent_instead_of_a_score_is_stored_as_a_tip(
        sqlite_stack: TipLineStack, chat: Callable[[str], Chat]) -> None:
    tab = chat("en")
    first, replies = tell(tab.send, EN_TIP, "I don't know")
    assert said("feedback_ask", "en", replies), replies
    second, replies = tell(tab.send, EN_TIP_2, "I don't know")
    assert not said("feedback_ask", "en", replies), replies
    tips = rows(sqlite_stack, select(Tip).where(Tip.conversation_id == tab.session_id))
    assert [(t.reference, t.original_text) for t in tips] == [(first, EN_TIP),
                                                             (second, EN_TIP_2)]
    assert feedback_of(sqlite_stack, first) == [] == feedback_of(sqlite_stack, second)
