"""Receipts in the actions: shown once at confirmation, answered from any conversation."""

from __future__ import annotations

import asyncio
from typing import Iterator

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from actions.followup import ActionAddInformation, ActionFallback, ActionTipStatus
from actions.intake import ActionCompleteTip, ActionReceiveTip, ValidateTipForm
from actions.replies import ActionAskTipLocation, ActionExplainHow
from bot.messages import get_catalog
from bot.receipts import find_receipts, get_guard, new_receipt, receipt_hash
from bot.store.models import Tip, TipMessage
from tests.unit.actions.conftest import parse_data, tracker

TIP = "Two men loaded bags of drugs into a white van near Lacolle last night"


@pytest.fixture(autouse=True)
def fresh_guard() -> Iterator[None]:
    get_guard.cache_clear()
    yield
    get_guard.cache_clear()


def run(action, message: dict, sender: str = "sms-1", **slots):  # noqa: ANN001
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker(message, slots, sender), {}))
    return [m["text"] for m in dispatcher.messages], events


def tips(url: str) -> list[Tip]:
    with Session(create_engine(url, future=True)) as session:
        return list(session.execute(select(Tip)).scalars())


def messages_of(url: str, reference: str) -> list[str]:
    with Session(create_engine(url, future=True)) as session:
        tip = session.execute(select(Tip).where(Tip.reference == reference)).scalar_one()
        return [m.text for m in session.execute(
            select(TipMessage).where(TipMessage.tip_id == tip.id)).scalars()]


def tip_with_receipt(url: str) -> tuple[str, str]:
    """A tip stored and confirmed in conversation sms-1: its reference and its receipt."""
    _, events = run(ActionReceiveTip(), parse_data(TIP, "drug_smuggling"))
    reference = next(e["value"] for e in events if e.get("name") == "tip_reference")
    texts, _ = run(ActionCompleteTip(), parse_data("last night", "inform"),
                   tip_reference=reference, tip_location="Lacolle", tip_time="last night")
    confirmation, receipt_line = texts
    assert confirmation == get_catalog().render("tip_received", "en", reference=reference)
    [receipt] = find_receipts(receipt_line)
    return reference, receipt


def test_the_confirmation_shows_the_receipt_once_and_stores_its_hash(tips_store: str) -> None:
    _, events = run(ActionReceiveTip(), parse_data(TIP, "drug_smuggling"))
    reference = next(e["value"] for e in events if e.get("name") == "tip_reference")
    texts, _ = run(ActionCompleteTip(), parse_data("no idea", "dont_know"),
                   tip_reference=reference, tip_location="Lacolle", tip_time="unknown")
    [digits] = find_receipts(texts[1])
    shown = "-".join(digits[i:i + 4] for i in range(0, 16, 4))
    assert texts[1] == get_catalog().render("tip_receipt", "en", receipt=shown)
    [tip] = tips(tips_store)
    assert tip.receipt_hash == receipt_hash(shown) and digits not in tip.receipt_hash


def test_a_status_question_by_receipt_from_another_conversation_in_french(
        tips_store: str) -> None:
    reference, receipt = tip_with_receipt(tips_store)
    texts, _ = run(ActionTipStatus(), parse_data(f"reçu {receipt}, des nouvelles ?",
                                                 "check_status", language="fr"), "web-9")
    catalog = get_catalog()
    assert texts == [catalog.render("status", "fr", reference=reference,
                                    status=catalog.status_label("new", "fr"))]


def test_information_by_receipt_joins_the_right_tip_without_a_new_one(tips_store: str) -> None:
    reference, receipt = tip_with_receipt(tips_store)
    text = f"{receipt} the same van is back at the bridge with three men"
    texts, events = run(ActionReceiveTip(), parse_data(text, "drug_smuggling"), "rest-7")
    assert texts[0] == get_catalog().render("info_added", "en", reference=reference)
    assert len(tips(tips_store)) == 1
    assert messages_of(tips_store, reference)[-1] == (
        "[receipt] the same van is back at the bridge with three men")
    # the form the rules start next has nothing to ask, and no tip to confirm
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["tip_reference"] is None and slots["tip_location"] == slots["tip_time"]


def test_a_bare_wrong_receipt_gets_one_answer_and_no_tip(tips_store: str) -> None:
    tip_with_receipt(tips_store)
    answers = {tuple(run(action, parse_data(new_receipt(), intent), "attacker")[0])
               for action, intent in [(ActionFallback(), "nlu_fallback"),
                                      (ActionTipStatus(), "check_status"),
                                      (ActionAddInformation(), "add_information"),
                                      (ActionReceiveTip(), "suspicious_activity")] * 5}
    assert answers == {(get_catalog().render("receipt_not_found", "en"),)}
    assert len(tips(tips_store)) == 1


def test_a_wrong_receipt_in_a_real_tip_never_drops_the_tip(tips_store: str) -> None:
    text = "A man sold fake passports online, paid with card 4111 1111 1111 1111, in Derby Line"
    texts, _ = run(ActionFallback(), parse_data(text, "nlu_fallback", confidence=0.3), "sms-2")
    assert texts[0] == get_catalog().render("receipt_not_found", "en")
    [tip] = tips(tips_store)
    assert tip.original_text == text and find_receipts(texts[-1])


def test_a_receipt_during_the_form_is_not_taken_as_the_answer(tips_store: str) -> None:
    reference, receipt = tip_with_receipt(tips_store)
    texts, events = run(ValidateTipForm(), parse_data(f"receipt {receipt}", "inform"),
                        "web-3", requested_slot="tip_location", tip_reference="ZZZ222",
                        tip_location=f"receipt {receipt}")
    assert texts[0] == get_catalog().render("status", "en", reference=reference,
                                            status=get_catalog().status_label("new", "en"))
    assert {"event": "slot", "name": "tip_location", "value": None,
            "timestamp": None} in events


def test_a_receipt_the_nlu_read_as_a_question_is_answered_as_a_receipt(
        tips_store: str) -> None:
    reference, receipt = tip_with_receipt(tips_store)
    texts, _ = run(ActionExplainHow(), parse_data(f"receipt {receipt}", "ask_how_it_works"),
                   "web-4")
    assert texts == [get_catalog().render("status", "en", reference=reference,
                                          status=get_catalog().status_label("new", "en"))]
    during_form = Tracker("web-4", {"requested_slot": "tip_location"},
                          parse_data(f"receipt {receipt}", "inform"), [], False, None,
                          {"name": "tip_form"}, "rest")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAskTipLocation().run(dispatcher, during_form, {}))  # validation answers
    assert [m["text"] for m in dispatcher.messages] == [
        get_catalog().render("ask_location", "en")]
