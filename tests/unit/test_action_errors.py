"""No tip text in the logs when something fails: a failed custom action is answered (to
Rasa, which logs the answer) with the action's name and the error's type only, and the
SQL errors of every engine of the tip line (Rasa's tracker store too) hide their parameters.

The action server is rasa_sdk's own app, served in-process on a real port and called the
way Rasa calls it (``EndpointConfig.request``, as ``RemoteAction.run`` does)."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import sys
import traceback
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Tuple

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk import __version__ as sdk_version
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from harness.servers import free_port

TIP = "canary-7f3q white van unloading crates behind the Lacolle duty free"
NAME = "action_tipline_test_fails"


class FailingAction(Action):
    """Fails as a tips database that is down would, its error quoting the tip."""

    def name(self) -> str:
        return NAME

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        raise ConnectionError(f"could not store {tracker.latest_message['text']!r}")


def action_call() -> Dict[str, Any]:
    """What Rasa posts to the action server: the tracker holds the tip in several places."""
    tracker = {"sender_id": "conv-canary", "slots": {"tip_text": TIP},
               "latest_message": {"text": TIP, "intent": {"name": "report_smuggling"}},
               "events": [{"event": "user", "text": TIP, "timestamp": 1.0}], "paused": False,
               "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}
    return {"next_action": NAME, "sender_id": "conv-canary", "tracker": tracker, "domain": {},
            "version": sdk_version}


@asynccontextmanager
async def serving(app: Sanic) -> AsyncIterator[str]:
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True,
                                     access_log=False)
    await server.startup()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        await server.before_stop()
        await server.close()
        await server.after_stop()


def call_failing_action(app: Sanic) -> Tuple[int, str, str]:
    """Status and body of the action server's answer, and Rasa's error for it as Rasa's
    log prints it (the traceback, with the error's message)."""
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig

    async def call() -> Tuple[int, str, str]:
        async with serving(app) as url:
            try:
                await EndpointConfig(url).request(json=action_call(), method="post")
            except ClientResponseError as error:
                body = error.text.decode() if isinstance(error.text, bytes) else error.text
                return error.status, body, "".join(traceback.format_exception(error))
        raise AssertionError("the failing action succeeded")

    return asyncio.run(call())


@pytest.fixture()
def app(monkeypatch: pytest.MonkeyPatch) -> Sanic:
    """rasa_sdk's app with this module's actions (each test its own app of that name)."""
    monkeypatch.setattr(Sanic, "test_mode", True)
    return create_app(sys.modules[__name__])


def test_rasa_sdk_alone_echoes_the_tracker(app: Sanic, caplog: pytest.LogCaptureFixture
                                           ) -> None:
    """The probe sees the leak when the fix is not there (rasa_sdk 3.6 as shipped)."""
    caplog.set_level(logging.DEBUG)
    status, body, _ = call_failing_action(app)
    assert status == 500 and TIP in body and TIP in caplog.text


def test_failed_action_answer_and_logs_hold_no_tracker_text(
        app: Sanic, caplog: pytest.LogCaptureFixture) -> None:
    from bot import actions_server

    caplog.set_level(logging.DEBUG)
    actions_server.install()
    actions_server.install()  # once per process, however often it is called
    plugin_manager().hook.attach_sanic_app_extensions(app=app)  # as rasa_sdk's run() does
    status, body, rasa_error = call_failing_action(app)

    assert status == 500, "Rasa still sees a failed action"
    assert json.loads(body) == {"error": "ConnectionError", "action_name": NAME}
    assert TIP not in rasa_error and "canary" not in rasa_error
    assert "canary" not in caplog.text
    failures = [r for r in caplog.records if r.name == "bot.actions_server"]
    assert len(failures) == 1 and failures[0].levelno == logging.ERROR
    assert NAME in failures[0].getMessage() and "ConnectionError" in failures[0].getMessage()
    assert "test_action_errors.py" in failures[0].getMessage(), "the log says where it failed"


# ---------------------------------------------------------------- SQL errors


def failing_insert(engine: Any) -> str:
    """The message of an insert that breaks a unique constraint, its parameters a tip."""
    from bot.inbox import store

    with engine.begin() as conn:
        store.insert(conn, "rest", "dup-1", "sender", "first")
    with pytest.raises(IntegrityError) as failure, engine.begin() as conn:
        store.insert(conn, "rest", "dup-1", "sender", TIP)
    engine.dispose()
    return str(failure.value)


def test_tips_store_sql_errors_hide_their_parameters(tmp_path: Path) -> None:
    from bot.store.db import make_engine
    from bot.store.migrate import upgrade

    plain_url, url = (f"sqlite:///{tmp_path / name}" for name in ("plain.db", "tips.db"))
    for database in (plain_url, url):
        upgrade(database)
    assert TIP in failing_insert(create_engine(plain_url, future=True)), \
        "SQLAlchemy's default quotes the parameters"
    message = failing_insert(make_engine(url))
    assert "UNIQUE constraint failed" in message and "parameters hidden" in message
    assert TIP not in message


def test_tracker_store_sql_errors_hide_their_parameters(tmp_path: Path) -> None:
    """Rasa's SQL tracker store (as bot.serve starts Rasa) and the purge's engine on it."""
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.jobs import tracker
    from bot.serve import hide_tracker_store_parameters

    hide_tracker_store_parameters()
    hide_tracker_store_parameters()  # once, however often it is called
    store = SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
    insert = text("INSERT INTO events (sender_id, type_name, data) VALUES (:s, NULL, :d)")
    for engine in (store.engine, tracker.tracker_engine(f"sqlite:///{tmp_path / 'tracker.db'}")):
        with pytest.raises(IntegrityError) as failure, engine.begin() as conn:
            conn.execute(insert, {"s": "conv-canary", "d": TIP})
        assert "NOT NULL constraint failed" in str(failure.value)
        assert TIP not in str(failure.value) and "parameters hidden" in str(failure.value)
    store.engine.dispose()
    with sqlite3.connect(tmp_path / "tracker.db") as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (0,)
