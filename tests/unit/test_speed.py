"""bot/speed.py: Rasa's SQL tracker store on its own thread, SQLite in WAL mode, same events."""

from __future__ import annotations

import asyncio
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
