"""Webhooks accepted by group commit (bot/inbox/group_commit.py), on SQLite and PostgreSQL:
a burst stored once each, in order per sender, in fewer commits than webhooks and acked
only once committed; a replay inside a batch; a failing webhook alone in its batch; a
database that cannot be reached."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest
from sqlalchemy import create_engine, event, select, text

from bot.channels.twilio import gateway as sms_gateway
from bot.channels.twilio.gateway import SmsGateway
from bot.inbox.group_commit import GroupCommit
from bot.privacy.keys import contact_hash
from bot.store.db import get_engine
from bot.store.models import InboundMessage
from harness.fakes.twilio_api import FakeTwilioApi
from harness.twilio import ACCOUNT_SID, AUTH_TOKEN, sms_database
from tests.unit.channels.twilio.test_gateway import FakeBot, contacts, hooks, inbound_rows, post

SENDERS = [f"+1514555{n:04d}" for n in range(5)]
POISON = "SM" + "0" * 32  # the MessageSid a trigger refuses to store


@pytest.fixture(scope="module")
def api() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory, api: FakeTwilioApi) -> Iterator[str]:
    """The SMS tip line on a fresh SQLite or PostgreSQL tips database; its dialect."""
    api.reset()
    with sms_database(request.param, tmp_path, api, tmp_path_factory.getbasetemp(),
                      TIPLINE_TWILIO_RATE_LIMIT="100/minute") as dialect:
        yield dialect


def accept_commits() -> List[int]:
    """Counts the commits of the accept writers on the real engine (not the drains')."""
    commits: List[int] = []

    def counted(_conn: Any) -> None:
        if threading.current_thread().name.startswith("sms-accept"):
            commits.append(1)

    event.listen(get_engine(), "commit", counted)
    return commits


def stored_sids() -> set:
    """The MessageSids committed, read on a connection of another engine."""
    engine = create_engine(str(get_engine().url), future=True)
    try:
        with engine.connect() as conn:
            return set(conn.execute(select(InboundMessage.external_id)).scalars())
    finally:
        engine.dispose()


@pytest.fixture()
def one_writer(env: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The webhooks of this test stored by one writer (PostgreSQL's several would share
    the held units out between them, a batch each): the batch is the one under test."""
    monkeypatch.setattr(sms_gateway, "_writers", {})
    monkeypatch.setitem(sms_gateway.ACCEPT_WRITERS, env, 1)
    return env


async def held(then: Callable[[], Any], queued: int) -> Any:
    """Run ``then()`` while the accept writer is busy, release it once ``queued`` units
    wait: they are taken together, as one batch."""
    writers, started, gate = sms_gateway.accept_writers(), threading.Event(), threading.Event()
    assert writers.writers == 1
    blocker = writers.submit("held", lambda _conn: started.set() or gate.wait(10))
    assert await asyncio.to_thread(started.wait, 10)
    task = asyncio.ensure_future(then())
    deadline = time.monotonic() + 10
    while writers.queued() < queued and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert writers.queued() == queued
    gate.set()
    await asyncio.wrap_future(blocker)
    return await task


def gateway_for(bot: FakeBot) -> SmsGateway:
    gateway = SmsGateway()
    gateway.on_new_message = bot
    gateway.read_language = bot.read_language
    return gateway


def test_a_burst_is_stored_once_each_in_order_in_fewer_commits(env: str) -> None:
    bot, commits = FakeBot(), accept_commits()
    forms = [hooks().form(number, f"part {i} from {number}")
             for i in range(10) for number in SENDERS]

    async def acked_once_durable(gateway: SmsGateway, form: Dict[str, str]) -> int:
        result = await post(gateway, form)
        assert form["MessageSid"] in stored_sids()  # never acked before the commit
        return result.status

    async def scenario() -> List[int]:
        gateway = gateway_for(bot)
        statuses = await asyncio.gather(*(acked_once_durable(gateway, f) for f in forms))
        await gateway.idle()
        return list(statuses)

    assert asyncio.run(scenario()) == [200] * len(forms)
    rows = inbound_rows()
    assert sorted(r.external_id for r in rows) == sorted(f["MessageSid"] for f in forms)
    for number in SENDERS:
        texts = [r.text for r in rows if r.contact_hash == contact_hash(number)]
        assert texts == [f"part {i} from {number}" for i in range(10)]
    assert len(contacts()) == len(SENDERS) and len(bot.turns) == len(forms)
    assert 1 <= len(commits) < len(forms)


def test_a_duplicate_message_sid_in_one_batch_is_a_replay(
        one_writer: str, caplog: pytest.LogCaptureFixture) -> None:
    bot, number = FakeBot(), SENDERS[0]
    form, other = hooks().form(number, "a van at the border"), hooks().form(number, "later")

    async def scenario() -> List[int]:
        gateway = gateway_for(bot)
        burst = [post(gateway, form), post(gateway, form), post(gateway, other)]
        commits = accept_commits()
        results = await held(lambda: asyncio.gather(*burst), 3)
        assert len(commits) == 2  # the held unit's, then the three webhooks' together
        await gateway.idle()
        return [r.status for r in results]

    with caplog.at_level("INFO"):
        assert asyncio.run(scenario()) == [200, 200, 200]
    assert [r.external_id for r in inbound_rows()] == [form["MessageSid"], other["MessageSid"]]
    assert [t.text for t in bot.turns] == ["a van at the border", "later"]
    assert f"replay of {form['MessageSid']} acknowledged" in caplog.text


def poison(dialect: str) -> None:
    """A trigger that refuses to store the message ``POISON``: a real failing insert."""
    with get_engine().begin() as conn:
        if dialect == "sqlite":
            conn.execute(text(
                "CREATE TRIGGER poison BEFORE INSERT ON inbound_messages "
                f"WHEN NEW.external_id = '{POISON}' BEGIN SELECT RAISE(ABORT, 'poison'); END"))
            return
        conn.execute(text(
            "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'poison'; END $$"))
        conn.execute(text(
            "CREATE TRIGGER poison BEFORE INSERT ON inbound_messages FOR EACH ROW "
            f"WHEN (NEW.external_id = '{POISON}') EXECUTE FUNCTION poison()"))


def test_a_failing_webhook_does_not_fail_the_others_in_its_batch(one_writer: str) -> None:
    poison(one_writer)
    bot, victim = FakeBot(), "+15145559999"
    forms = [hooks().form(SENDERS[0], "first"), hooks().form(victim, "lost", sid=POISON),
             hooks().form(SENDERS[0], "second")]

    async def scenario() -> List[Any]:
        gateway = gateway_for(bot)
        burst = [post(gateway, f) for f in forms]
        results = await held(lambda: asyncio.gather(*burst, return_exceptions=True), 3)
        await gateway.idle()
        return list(results)

    first, failed, second = asyncio.run(scenario())
    assert (first.status, second.status) == (200, 200)
    assert isinstance(failed, Exception) and "poison" in str(failed)
    assert [r.text for r in inbound_rows()] == ["first", "second"]
    assert contact_hash(victim) not in {c.contact_hash for c in contacts()}  # rolled back
    assert [t.text for t in bot.turns] == ["first", "second"]


def test_an_unreachable_database_is_waited_for_then_each_unit_fails() -> None:
    engine = create_engine("postgresql://postgres@127.0.0.1:1/none", future=True)
    writers = GroupCommit("test-unreachable", wait_seconds=lambda: 1.0, engine=lambda: engine)
    started = time.monotonic()
    futures = [writers.submit("k", lambda conn: conn.execute(text("SELECT 1")).scalar())
               for _ in range(3)]
    errors = [f.exception(timeout=10) for f in futures]
    assert time.monotonic() - started >= 0.5  # tried again after 0.1, 0.2 and 0.4 s
    assert all(type(e).__name__ == "OperationalError" for e in errors)
    writers.engine = lambda: create_engine("sqlite://", future=True)
    assert writers.submit("k", lambda conn: conn.execute(text("SELECT 1")).scalar()
                          ).result(timeout=10) == 1  # the writer goes on afterwards
    engine.dispose()
