"""Intake actions on tracker fixtures: urgency first, unknown tips kept, replies localised."""

from __future__ import annotations

import asyncio

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from actions.followup import ActionFallback
from actions.intake import ActionReceiveTip
from bot.messages import get_catalog
from bot.receipts import find_receipts, receipt_hash
from bot.store.models import Tip
from tests.unit.actions.conftest import parse_data, tracker


def run(action, dispatcher: CollectingDispatcher, message: dict, **slots):  # noqa: ANN001
    return asyncio.run(action.run(dispatcher, tracker(message, slots), {}))


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["text"] for m in dispatcher.messages]


def stored(url: str) -> list[Tip]:
    with Session(create_engine(url, future=True)) as session:
        return list(session.execute(select(Tip)).scalars())


def test_an_urgent_tip_keeps_its_category_and_gets_the_advice_first(
    tips_store: str, dispatcher: CollectingDispatcher,
) -> None:
    text = "ਹੁਣੇ ਸਰੀ ਵਿੱਚ ਇੱਕ ਕੁੜੀ ਨੂੰ ਘਰ ਵਿੱਚ ਬੰਦ ਕੀਤਾ ਹੈ, ਮਦਦ ਕਰੋ"
    events = run(ActionReceiveTip(), dispatcher,
                 parse_data(text, "human_trafficking", language="pa", urgent=True))
    assert texts(dispatcher) == [get_catalog().render("emergency", "pa")]
    [tip] = stored(tips_store)
    assert (tip.category, tip.urgency, tip.queue, tip.language) == (
        "human_trafficking", "high", "RCMP", "pa")
    assert {"event": "slot", "name": "tip_reference", "value": tip.reference,
            "timestamp": None} in events


def test_a_tip_the_nlu_cannot_place_is_stored_as_unknown_for_the_joint_queue(
    tips_store: str, dispatcher: CollectingDispatcher,
) -> None:
    text = "有个奇怪的人每天晚上在河边的房子附近转来转去"
    run(ActionFallback(), dispatcher, parse_data(text, "nlu_fallback", language="zh",
                                                 confidence=0.3))
    [tip] = stored(tips_store)
    assert (tip.category, tip.queue, tip.original_text) == ("unknown", "IBET_JOINT", text)
    confirmation, receipt_line = texts(dispatcher)
    assert confirmation == get_catalog().render("tip_received_unclassified", "zh",
                                                reference=tip.reference)
    [receipt] = find_receipts(receipt_line)  # shown once; only its keyed hash is stored
    assert tip.receipt_hash == receipt_hash(receipt) and receipt not in tip.receipt_hash


def test_a_short_unclear_word_is_not_a_tip(tips_store: str,
                                           dispatcher: CollectingDispatcher) -> None:
    run(ActionFallback(), dispatcher, parse_data("hmm ok", "nlu_fallback", confidence=0.2))
    assert stored(tips_store) == []
    assert texts(dispatcher) == [get_catalog().render("fallback", "en")]


def test_a_short_message_whose_best_guess_is_a_category_is_kept(
    tips_store: str, dispatcher: CollectingDispatcher,
) -> None:
    ranking = [{"name": "nlu_fallback", "confidence": 0.45},
               {"name": "drug_smuggling", "confidence": 0.4}]
    run(ActionFallback(), dispatcher, parse_data("drogas Blaine", "nlu_fallback",
                                                 language="es", ranking=ranking))
    [tip] = stored(tips_store)
    assert tip.category == "unknown" and tip.original_text == "drogas Blaine"


def test_an_empty_message_gets_a_prompt_in_the_conversation_language(
    tips_store: str, dispatcher: CollectingDispatcher,
) -> None:
    message = parse_data("🚤 !!", "nlu_fallback", language="und")
    message["language_reliable"] = False
    asyncio.run(ActionFallback().run(dispatcher, tracker(message, {"language": "ko"}), {}))
    assert texts(dispatcher) == [get_catalog().render("blank", "ko")]
    assert stored(tips_store) == []
