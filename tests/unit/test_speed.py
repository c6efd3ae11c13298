"""bot/speed.py: Rasa's SQL tracker store on its own thread, SQLite in WAL mode, same events;
the action server's answers checked as Rasa checks them."""

from __future__ import annotations

import asyncio
import json
import threading

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import speed

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [drug_smuggling]
slots:
  language:
    type: text
    mappings: [{type: custom}]
""")


def test_tracker_store_runs_off_the_loop_and_keeps_every_event(tmp_path, monkeypatch):
    speed.install()
    threads = []
    write = speed._write_events

    def spy(store, tracker):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        write(store, tracker)

    monkeypatch.setattr(speed, "_write_events", spy)
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    events = [ActionExecuted("action_listen"),
              UserUttered("des sacs <b>'; DROP TABLE events;--", {"name": "drug_smuggling"}),
              SlotSet("language", "fr")]
    tracker = DialogueStateTracker.from_events("tipster-1", events, DOMAIN.slots)

    async def round_trip() -> DialogueStateTracker:
        loop_thread = threading.current_thread().name
        await store.save(tracker)
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)  # only the new event is added
        threads.append(loop_thread)
        return await store.retrieve("tipster-1")

    loaded = asyncio.run(round_trip())
    assert threads[0].startswith("tipline-tracker") and threads[-1] != threads[0]
    assert [e.as_dict()["event"] for e in loaded.events] == [
        "action", "user", "slot", "action"]
    assert loaded.latest_message.text == "des sacs <b>'; DROP TABLE events;--"
    assert loaded.get_slot("language") == "fr"
    assert asyncio.run(store.keys()) == ["tipster-1"]
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        rows = conn.exec_driver_sql("SELECT sender_id, type_name, timestamp, intent_name, "
                                    "action_name, data FROM events ORDER BY id").all()
    # the rows Rasa's own save writes: one per event, in order, with its columns
    expected = []
    for event in tracker.events:
        data = event.as_dict()
        expected.append(("tipster-1", event.type_name, data["timestamp"],
                         data.get("parse_data", {}).get("intent", {}).get("name"),
                         data.get("name"), data))
    assert [(*row[:5], json.loads(row[5])) for row in rows] == expected


def test_an_empty_domain_is_still_told_from_a_real_one():
    speed.install()
    assert Domain.empty().is_empty()
    assert not DOMAIN.is_empty()


def test_install_is_idempotent():
    speed.install()
    first = SQLTrackerStore.save
    speed.install()
    assert SQLTrackerStore.save is first


def test_action_calls_share_one_kept_alive_connection():
    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    speed.install()
    peers = []

    async def handler(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername")[1])
        return web.json_response({"events": [], "responses": []})

    async def two_calls() -> list:
        app = web.Application()
        app.router.add_post("/webhook", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        answers = [await endpoint.request(json={"next_action": "a"}) for _ in range(2)]
        await endpoint._tipline_session[1].close()
        await runner.cleanup()
        return answers

    assert asyncio.run(two_calls()) == [{"events": [], "responses": []}] * 2
    assert len(peers) == 2 and peers[0] == peers[1]  # one connection, reused


def test_action_answers_are_validated_as_rasa_does():
    import pytest
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    speed.install()
    action = RemoteAction("action_store_tip", None)
    good = {"events": [{"event": "slot", "name": "language", "value": "fr"}],
            "responses": [{"text": "Merci"}]}
    assert action._validate_action_result(good) is True
    with pytest.raises(ValidationError) as refused:
        action._validate_action_result({"events": "not a list", "responses": []})
    assert "Failed to validate Action server response" in refused.value.message
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": [{"event": "no_such_event"}]})


VALID_ANSWERS = [
    {"events": [{"event": "slot", "name": "language", "value": "fr", "timestamp": None}],
     "responses": [{"text": "Merci <b>'; DROP TABLE tips;--"}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "bot", "text": "Où ?",
                 "data": {}, "metadata": {}}, {"event": "action", "name": "action_listen",
                                             "policy": None, "confidence": None}]},
    {"events": [{"event": "user", "text": "sacs", "timestamp": 1.5, "parse_data": {
        "intent": {"name": "drug_smuggling", "confidence": 0.9}, "entities": [
            {"entity": "location", "value": "Lacolle", "start": 0, "end": 7}]}}]},
    {"events": [{"event": "followup", "name": "action_x"}, {"event": "reset_slots"}]},
    {"events": [], "responses": []},
    {},
]
INVALID_ANSWERS = [
    {"events": [{"event": "slot", "name": "language"}]},  # no value
    {"events": [{"event": "slot", "name": 3, "value": 1}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"name": "language", "value": "fr"}]},  # no event type
    {"events": [{"event": None}]},
    {"events": [["slot", "language", "fr"]]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"entity": "location"}]}}]},
    {"events": [{"event": "bot", "timestamp": "yesterday"}]},
    {"events": [{"event": "action", "hide_rule_turn": "yes"}]},
    {"events": [{"event": "entities"}]},
    {"events": "not a list"},
    {"responses": ["not an object"]},
    ["not an object"],
]


def test_action_answers_checked_by_event_type_agree_with_the_whole_schema():
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    from bot.speed_actions import valid_fast

    schema = RemoteAction.action_response_format_spec()
    whole = validator_for(schema)(schema)
    for answer in VALID_ANSWERS:
        assert whole.is_valid(answer) and valid_fast(answer), answer
    for answer in INVALID_ANSWERS:
        assert not whole.is_valid(answer) and not valid_fast(answer), answer


def test_crf_taggers_are_trained_once_and_tag_the_same(tmp_path, monkeypatch):
    from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken

    from bot import speed_crf

    monkeypatch.setenv("TIPLINE_CACHE", str(tmp_path))
    speed_crf.install()

    def token(text: str, tag: str) -> CRFToken:
        return CRFToken(text=text, pos_tag="", pattern={}, dense_features=[],
                        entity_tag=tag, entity_role_tag="O", entity_group_tag="O")

    dataset = [[token("van", "B-vehicle" if i % 2 else "O"), token("near", "O"),
                token("Lacolle" if i % 3 else "Blaine", "U-location")] for i in range(12)]
    config = {**CRFEntityExtractor.get_default_config(), "BILOU_flag": True}
    first = CRFEntityExtractor.train_model(dataset, config, ["entity"])
    kept = list((tmp_path / "crf").iterdir())
    assert len(kept) == 1 and (kept[0] / "entity.crfsuite").stat().st_size > 0
    second = CRFEntityExtractor.train_model(dataset, config, ["entity"])
    assert second["entity"].modelfile.name == str(kept[0] / "entity.crfsuite")
    sentence = CRFEntityExtractor._crf_tokens_to_features(dataset[1], config)
    assert (first["entity"].predict_marginals_single(sentence)
            == second["entity"].predict_marginals_single(sentence))
