"""The durable intake's parts, on SQLite and PostgreSQL: clean text, the inbox table,
the actions' marks, one tip per inbound message, the action-call probe, one attempt."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterator

import aiohttp
import pytest
from sqlalchemy import select

from bot.conversation import Turn
from bot.inbox import probe, store
from bot.inbox.marks import inbox_key, mark_handled, parse_key
from bot.inbox.text import REPLACEMENT, clean, clean_value
from bot.inbox.turn import run_turn, user_message
from bot.routing.gazetteer import Location
from bot.routing.router import RoutingResult
from bot.store.db import get_engine, session_scope
from bot.store.models import InboundMessage, Tip, utcnow
from bot.store.tips import NewTip, create_tip
from tests.support.inbox import configured, pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "sqlite":
        yield from configured(f"sqlite:///{tmp_path / 'tips.db'}", tmp_path, monkeypatch)
    else:
        for url in pg_database():
            yield from configured(url, tmp_path, monkeypatch)


def stored(text: str, sender: str = "s1", channel: str = "rest", **values: Any) -> int:
    with get_engine().begin() as conn:
        return store.insert(conn, channel, f"x{uuid()}", sender, text, **values)


def uuid() -> str:
    import uuid as uuid_module

    return uuid_module.uuid4().hex


# -- text ------------------------------------------------------------------------------------

def test_lone_surrogates_and_nul_become_replacement_characters_the_rest_is_kept() -> None:
    kept = "émoji 🚤 \u202eevil\r\n\t\x07 控制 \u200b"
    assert clean(kept) == kept
    assert clean("a\ud800b\udfffc\x00d") == f"a{REPLACEMENT}b{REPLACEMENT}c{REPLACEMENT}d"
    assert clean_value({"k\ud800": ["x\ud83d", 1, None, {"n": "\x00"}]}) == {
        f"k{REPLACEMENT}": [f"x{REPLACEMENT}", 1, None, {"n": REPLACEMENT}]}


def test_inbox_keys_are_told_apart_from_other_message_ids() -> None:
    assert inbox_key(42) == "inbox-42" and parse_key("inbox-42") == 42
    for other in ("3f2a" * 8, "inbox-", "inbox-0", "inbox-4x", None, 42, "INBOX-4"):
        assert parse_key(other) is None


# -- the inbox table ---------------------------------------------------------------------------

def test_a_stored_message_is_whole_and_storable(database: str) -> None:
    text = "a van near Lacolle \ud800 with \x00 drugs " + "x" * 5000
    message_id = stored(text, meta={"language": "fr\udc00"})
    pending = store.get(message_id)
    assert pending is not None
    assert pending.text == clean(text) and len(pending.text) == len(text)
    assert pending.meta == {"language": f"fr{REPLACEMENT}"} and pending.key == inbox_key(message_id)


def test_claim_postpone_finish_and_the_delayed_reply_once(database: str) -> None:
    first, second = stored("one"), stored("two")
    assert store.next_pending("rest", "s1").id == first
    lease = timedelta(seconds=30)
    assert store.claim(first, lease) and not store.claim(first, lease)
    assert store.next_pending("rest", "s1").id == second  # the claimed one is not waiting
    store.postpone(first, 1, utcnow() + timedelta(seconds=5))
    pending = store.next_pending("rest", "s1")
    assert pending.id == first and pending.attempts == 1 and pending.retry_at > utcnow()
    assert not pending.interrupted
    assert store.note_delayed(first) and not store.note_delayed(first)
    assert store.get(first).delayed
    assert store.backlog("rest", "s1") == 2 and store.backlog("rest", "other") == 0
    store.claim(first, lease)
    store.finish(first)
    assert store.get(first).status == "processed"


def test_expired_claims_come_back_interrupted_and_failed_ones_when_due(database: str) -> None:
    live, dead, failed, later = (stored(t) for t in ("live", "dead", "failed", "later"))
    for message_id in (live, dead):
        store.claim(message_id, timedelta(seconds=30))
    with get_engine().begin() as conn:  # the process holding "dead" stopped long ago
        conn.execute(store.INBOX.update().where(store.INBOX.c.id == dead)
                     .values(lease_until=utcnow() - timedelta(seconds=1)))
    store.give_up(failed, 25, utcnow() - timedelta(seconds=1))
    store.give_up(later, 25, utcnow() + timedelta(hours=1))
    assert store.release("rest", include_failed=True) == [dead]
    statuses = {m: store.get(m).status for m in (live, dead, failed, later)}
    assert statuses == {live: "processing", dead: "received", failed: "received",
                        later: "failed"}
    assert store.get(dead).interrupted and not store.get(failed).interrupted
    store.release("rest", include_failed=True, all_failed=True)  # at start: every one
    assert store.get(later).status == "received" and store.get(later).attempts == 0
    assert store.waiting_senders("rest") == ["s1"]


def test_an_action_marks_its_turns_message(database: str) -> None:
    message_id = stored("a tip")
    assert not store.is_handled(message_id)
    assert mark_handled("3f2a" * 8) is False  # a turn that did not come from the inbox
    assert mark_handled(inbox_key(message_id)) is True
    assert store.is_handled(message_id)


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
