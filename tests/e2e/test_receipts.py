"""One receipt for every channel, end to end: a tip sent by SMS, its receipt quoted later
from REST and from the web chat (other channels, other conversations); wrong receipts
throttled and answered with nothing. Real Rasa server and action server, SQLite tips."""

from __future__ import annotations

import time
import uuid
from typing import List

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.messages import MessageCatalog
from bot.privacy.keys import contact_hash
from bot.receipts import find_receipts, new_receipt, receipt_hash
from bot.settings import DATA_DIR
from bot.store.models import Tip, TipMessage
from harness.clients import WebChat, sms_hooks, wait_until
from harness.fakes.twilio_api import FakeTwilioApi
from harness.servers import TipLineStack
from harness.twilio import fake_number

CATALOG = MessageCatalog(DATA_DIR / "messages")
NOT_FOUND = CATALOG.render("receipt_not_found", "en")
TIP = "A boat without lights unloaded boxes near Fort Erie at 2am"


def sms(stack: TipLineStack, api: FakeTwilioApi, phone: str, body: str) -> List[str]:
    """One signed SMS from ``phone``; the texts the tip line sent back to it."""
    before = len(api.messages(to=phone))
    response, _ = sms_hooks(stack).send(phone, body)
    assert response.status_code == 200, response.text
    api.wait_for(lambda m: len(m) > before, timeout=60, to=phone)
    time.sleep(2.0)  # the other replies of the turn
    return [m.body for m in api.messages(to=phone)[before:]]


def rest(stack: TipLineStack, text: str, sender: str = "") -> List[str]:
    return stack.say(sender or f"rest-{uuid.uuid4().hex[:10]}", text)


def tips(stack: TipLineStack) -> List[Tip]:
    with Session(create_engine(stack.env["TIPLINE_DATABASE_URL"], future=True),
                 expire_on_commit=False) as session:
        return list(session.execute(select(Tip).order_by(Tip.id)).scalars())


def texts_of(stack: TipLineStack, tip: Tip) -> List[str]:
    with Session(create_engine(stack.env["TIPLINE_DATABASE_URL"], future=True)) as session:
        return [m.text for m in session.execute(
            select(TipMessage).where(TipMessage.tip_id == tip.id)).scalars()]


@pytest.fixture(scope="module")
def sms_tip(sqlite_stack: TipLineStack, fake_twilio: FakeTwilioApi) -> tuple[Tip, str]:
    """A tip sent by SMS and confirmed: the tip and the receipt the tipster was given."""
    phone = fake_number()
    replies = sms(sqlite_stack, fake_twilio, phone, TIP)
    for answer in ("I don't know", "I don't know"):  # whatever the form still asks
        if find_receipts(" ".join(replies)):
            break
        replies += sms(sqlite_stack, fake_twilio, phone, answer)
    [receipt] = find_receipts(" ".join(replies))
    key = contact_hash(phone, key=sqlite_stack.env["TIPLINE_HASH_KEY"])
    [tip] = [t for t in tips(sqlite_stack) if t.conversation_id == key]
    assert tip.channel == "sms" and tip.reference in " ".join(replies)
    assert tip.receipt_hash == receipt_hash(receipt, key=sqlite_stack.env["TIPLINE_HASH_KEY"])
    return tip, "-".join(receipt[i:i + 4] for i in range(0, 16, 4))


def test_a_receipt_from_rest_gets_the_status_of_the_sms_tip(
        sqlite_stack: TipLineStack, sms_tip: tuple[Tip, str]) -> None:
    tip, receipt = sms_tip
    count = len(tips(sqlite_stack))
    replies = rest(sqlite_stack, f"receipt {receipt.replace('-', ' ')} any news?")
    status = CATALOG.render("status", "en", reference=tip.reference,
                            status=CATALOG.status_label("new", "en"))
    assert status in replies, replies
    assert len(tips(sqlite_stack)) == count  # no tip made of a receipt


def test_the_status_comes_in_the_language_the_tipster_writes_now(
        sqlite_stack: TipLineStack, sms_tip: tuple[Tip, str]) -> None:
    tip, receipt = sms_tip
    replies = rest(sqlite_stack, f"Bonjour, voici mon reçu {receipt}, y a-t-il des nouvelles "
                                 "de mon signalement ?")
    status = CATALOG.render("status", "fr", reference=tip.reference,
                            status=CATALOG.status_label("new", "fr"))
    assert status in replies, replies


def test_a_bare_receipt_from_rest_gets_the_status_too(
        sqlite_stack: TipLineStack, sms_tip: tuple[Tip, str]) -> None:
    tip, receipt = sms_tip
    replies = rest(sqlite_stack, receipt)
    assert any(tip.reference in r for r in replies), replies


def test_information_by_receipt_from_the_web_chat_joins_the_sms_tip(
        sqlite_stack: TipLineStack, sms_tip: tuple[Tip, str]) -> None:
    tip, receipt = sms_tip
    count = len(tips(sqlite_stack))
    chat = WebChat(sqlite_stack)
    try:
        chat.say(f"{receipt} the boat came back tonight, it is blue with a red stripe")
        wait_until(lambda: any(tip.reference in r for r in chat.replies), 60)
        time.sleep(1.0)
    finally:
        chat.close()
    shown = [reply.replace("\\", "") for reply in chat.replies]  # markdown escapes undone
    assert CATALOG.render("info_added", "en", reference=tip.reference) in shown, shown
    assert texts_of(sqlite_stack, tip)[-1] == (
        "[receipt] the boat came back tonight, it is blue with a red stripe")
    after = tips(sqlite_stack)
    assert len(after) == count  # a follow-up, not a new tip
    assert [t.conversation_id for t in after if t.id == tip.id] == [tip.conversation_id]


def test_20_wrong_receipts_are_throttled_and_reveal_nothing(
        sqlite_stack: TipLineStack, sms_tip: tuple[Tip, str]) -> None:
    tip, receipt = sms_tip
    attacker = f"rest-{uuid.uuid4().hex[:10]}"
    count = len(tips(sqlite_stack))
    answers = [rest(sqlite_stack, f"receipt {new_receipt()}", attacker) for _ in range(20)]
    assert {tuple(answer) for answer in answers} == {(NOT_FOUND,)}
    late = rest(sqlite_stack, f"receipt {receipt}", attacker)  # the right one, throttled now
    assert late == [NOT_FOUND]
    known = {t.reference for t in tips(sqlite_stack)}
    labels = {CATALOG.status_label(s, "en") for s in ("new", "triaged", "closed")}
    said = " ".join(r for answer in [*answers, late] for r in answer)
    assert not any(ref in said for ref in known) and not any(lab in said for lab in labels)
    assert len(tips(sqlite_stack)) == count
    logs = sqlite_stack.logs()
    assert receipt not in logs and receipt.replace("-", "") not in logs
