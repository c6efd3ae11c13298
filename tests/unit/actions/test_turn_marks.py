"""A tip turn's inbox mark: written with the tip in one transaction, once per attempt;
the later actions of the turn only read it; a retried turn gets the same tip."""

from __future__ import annotations

import asyncio
from typing import Any, Dict

import pytest
from sqlalchemy import func, select

import actions  # noqa: F401 (the actions' package: configuration checked, as the server)
from actions.intake import ActionReceiveTip
from actions.replies import ActionAskTipTime
from bot.inbox import store
from bot.inbox.marks import inbox_key, mark_handled, mark_in
from bot.store.db import get_engine, session_scope
from bot.store.models import InboundMessage, Tip
from tests.unit.actions.conftest import parse_data

TEXT = "Two men unload boxes of cigarettes from a boat near Stanstead every night"


def inbound(text: str = TEXT) -> int:
    with get_engine().begin() as conn:
        return store.insert(conn, "rest", f"ext-{text[:12]}", "sender-1", text)


def handled_at(message_id: int) -> Any:
    with get_engine().connect() as conn:
        return conn.execute(select(InboundMessage.handled_at)
                            .where(InboundMessage.id == message_id)).scalar()


def tips() -> int:
    with session_scope() as session:
        return int(session.execute(select(func.count(Tip.id))).scalar() or 0)


def action_call(action: str, message_id: int, **slots: Any) -> Dict[str, Any]:
    message = {**parse_data(TEXT, "contraband"), "message_id": inbox_key(message_id)}
    return {"next_action": action, "sender_id": "sender-1", "domain": {}, "tracker": {
        "sender_id": "sender-1", "slots": slots, "latest_message": message, "paused": False,
        "events": [{"event": "user", "text": TEXT, "parse_data": message}],
        "latest_input_channel": "rest", "active_loop": {}, "latest_action_name": None}}


def run(executor: Any, action: str, message_id: int, **slots: Any) -> Dict[str, Any]:
    return asyncio.run(executor.run(action_call(action, message_id, **slots)))


@pytest.fixture()
def executor(tips_store: str) -> Any:
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_action(ActionReceiveTip())
    executor.register_action(ActionAskTipTime())
    return executor


def test_the_tip_and_its_mark_are_written_once_and_read_after(executor: Any) -> None:
    message_id = inbound()
    run(executor, "action_receive_tip", message_id)
    first = handled_at(message_id)
    assert first is not None and tips() == 1
    answer = run(executor, "action_ask_tip_time", message_id, language="en")
    assert answer["responses"] and handled_at(message_id) == first  # read, not written again
    assert mark_handled(inbox_key(message_id)) is True and handled_at(message_id) == first


def test_a_retried_turn_gets_its_tip_again_and_a_new_mark(executor: Any) -> None:
    message_id = inbound()
    events = run(executor, "action_receive_tip", message_id)["events"]
    store.postpone(message_id, 1, store.utcnow())  # the attempt failed later: marks forgotten
    assert handled_at(message_id) is None
    again = run(executor, "action_receive_tip", message_id)["events"]
    assert handled_at(message_id) is not None and tips() == 1
    reference = [e["value"] for e in events if e.get("name") == "tip_reference"]
    assert reference and reference == [e["value"] for e in again
                                       if e.get("name") == "tip_reference"]


def test_a_mark_rolled_back_with_its_transaction_is_not_kept(tips_store: str) -> None:
    message_id = inbound()
    with pytest.raises(RuntimeError), session_scope() as session:
        assert mark_in(session, inbox_key(message_id)) is True
        raise RuntimeError("the tip could not be stored")
    assert handled_at(message_id) is None
    with get_engine().connect() as conn:
        assert mark_in(conn, "not-an-inbox-key") is False  # a turn from no inbox message
