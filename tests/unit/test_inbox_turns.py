"""One tip per inbound message, the action-call probe, one attempt at a turn and the marks
every custom action leaves, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path
from typing import Any, Iterator

import aiohttp
import pytest
from sqlalchemy import select

from bot.conversation import Turn
from bot.inbox import probe, store
from bot.inbox.marks import inbox_key, mark_handled
from bot.inbox.turn import run_turn, user_message
from bot.routing.gazetteer import Location
from bot.routing.router import RoutingResult
from bot.store.db import session_scope
from bot.store.models import InboundMessage, Tip
from bot.store.tips import NewTip, create_tip
from harness.inbox import on_database, stored


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    yield from on_database(request.param, tmp_path, monkeypatch)


# -- one tip per inbound message ---------------------------------------------------------------

ROUTING = RoutingResult("RCMP", "drug_smuggling/CA",
                        Location("Lacolle", "CA", "Lacolle", 45.0, -73.4), "normal", False)


def new_tip(inbound_id: Any) -> NewTip:
    return NewTip("c1", "rest", "en", 0.99, "drugs at Lacolle \ufffd", None, "not_needed",
                  "drug_smuggling", 0.9, inbound_id=inbound_id)


def test_a_turn_run_twice_stores_one_tip(database: str) -> None:
    with session_scope() as session:
        first = create_tip(session, new_tip("inbox-7"), ROUTING).reference
    with session_scope() as session:
        assert create_tip(session, new_tip("inbox-7"), ROUTING).reference == first
    with session_scope() as session:  # no inbound id: every call is a new tip
        create_tip(session, new_tip(None), ROUTING)
        create_tip(session, new_tip(None), ROUTING)
    with session_scope() as session:
        ids = session.execute(select(Tip.inbound_id).order_by(Tip.id)).scalars().all()
    assert ids == ["inbox-7", None, None]


def test_two_runs_racing_store_one_tip(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.store.tips as tips

    looked = threading.Barrier(2)
    lookup = tips.tip_for_inbound

    def racing(session: Any, inbound_id: Any) -> Any:
        found = lookup(session, inbound_id)
        if found is None and threading.current_thread().name.startswith("race"):
            looked.wait(timeout=10)  # both have looked, neither has written
        return found

    monkeypatch.setattr(tips, "tip_for_inbound", racing)
    references: list = []

    def one() -> None:
        with session_scope() as session:
            references.append(create_tip(session, new_tip("inbox-9"), ROUTING).reference)

    threads = [threading.Thread(target=one, name=f"race-{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(references) == 2 and references[0] == references[1]
    with session_scope() as session:
        assert len(session.execute(select(Tip.id)).all()) == 1


def test_the_turn_carries_rasas_message_id() -> None:
    assert Turn.from_parse_data({"text": "x", "message_id": "inbox-3"}).message_id == "inbox-3"
    assert Turn.from_parse_data({"text": "x"}).message_id is None


# -- the probe and one attempt -----------------------------------------------------------------

class Endpoint:
    """Rasa's action endpoint: answers, refuses the connection, or rejects (400)."""

    def __init__(self) -> None:
        self.mode = "ok"

    async def request(self, **_kwargs: Any) -> Any:
        if self.mode == "down":
            raise aiohttp.ClientConnectionError("refused")
        if self.mode == "reject":
            raise aiohttp.ClientResponseError(None, (), status=400)  # type: ignore[arg-type]
        return {"events": []}


def test_the_probe_counts_failed_action_calls_not_rejections() -> None:
    endpoint = Endpoint()
    assert probe.install(endpoint) and probe.install(endpoint)  # once

    async def calls(mode: str) -> probe.ActionCalls:
        endpoint.mode = mode
        with probe.watch() as seen, contextlib.suppress(aiohttp.ClientError):
            await endpoint.request(json={})
        return seen

    assert asyncio.run(calls("ok")) == probe.ActionCalls(1, 0)
    assert asyncio.run(calls("down")) == probe.ActionCalls(1, 1)
    assert asyncio.run(calls("reject")) == probe.ActionCalls(1, 0)
    endpoint.mode = "ok"
    asyncio.run(endpoint.request())  # outside a turn: not counted, no error


@pytest.mark.parametrize(("mode", "mark", "handled"), [
    ("ok", True, True), ("ok", False, False), ("down", True, False), ("none", False, True)])
def test_an_attempt_counts_when_no_action_failed_and_the_actions_marked(
        database: str, mode: str, mark: bool, handled: bool) -> None:
    endpoint = Endpoint()
    probe.install(endpoint)
    message_id = stored("a tip")
    pending = store.get(message_id)

    async def on_new_message(message: Any) -> None:
        assert message.message_id == pending.key and message.sender_id == "s1"
        if mode != "none":
            endpoint.mode = mode
            try:
                await endpoint.request(json={})
                if mark:
                    await asyncio.to_thread(mark_handled, message.message_id)
            except aiohttp.ClientError:
                pass  # Rasa: "the actions events are lost", and it goes on
        await message.output_channel.send_text_message(message.sender_id, "Thanks.")

    attempt = asyncio.run(run_turn(on_new_message, user_message(pending, "rest"), message_id))
    assert attempt.handled is handled and attempt.texts == ["Thanks."]


def test_an_attempt_whose_turn_raised_is_not_handled(database: str) -> None:
    message_id = stored("a tip")

    async def broken(_message: Any) -> None:
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")

    attempt = asyncio.run(run_turn(broken, user_message(store.get(message_id), "rest"),
                                   message_id))
    assert not attempt.handled and attempt.reason == "UnicodeEncodeError"


def test_every_custom_action_marks_its_turn(database: str) -> None:
    from rasa_sdk import Action
    from rasa_sdk.executor import ActionExecutor

    import actions.base  # noqa: F401 (installs the marks)

    class Works(Action):
        def name(self) -> str:
            return "action_works"

        async def run(self, dispatcher: Any, tracker: Any, domain: Any) -> list:
            return []

    class Fails(Works):
        def name(self) -> str:
            return "action_fails"

        async def run(self, dispatcher: Any, tracker: Any, domain: Any) -> list:
            raise RuntimeError("database down")

    executor = ActionExecutor()
    executor.register_action(Works())
    executor.register_action(Fails())
    done, failed = stored("one"), stored("two")

    def call(action: str, message_id: int) -> dict:
        return {"next_action": action, "sender_id": "s1", "domain": {}, "tracker": {
            "sender_id": "s1", "slots": {}, "events": [], "paused": False,
            "latest_message": {"text": "x", "message_id": inbox_key(message_id)}}}

    asyncio.run(executor.run(call("action_works", done)))
    with pytest.raises(RuntimeError):
        asyncio.run(executor.run(call("action_fails", failed)))
    with session_scope() as session:
        marks = dict(session.execute(select(InboundMessage.id, InboundMessage.handled_at)).all())
    assert marks[done] is not None and marks[failed] is None
