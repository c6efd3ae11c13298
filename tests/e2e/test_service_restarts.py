"""No tip lost, none stored twice, every tipster answered, when a backing service restarts
during a burst of signed SMS webhooks and REST messages: PostgreSQL (tips and Rasa's
tracker) stopped and started again, and Redis (lock store, rate limits, job queue)
restarted without persistence, on SQLite and on PostgreSQL. The PostgreSQL cluster and
the Redis servers are the tests' own (harness/services.py), never the shared ones."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from harness.clients import wait_until
from harness.durable import Inbox
from harness.fakes.twilio_api import FakeTwilioApi
from harness.inbox import pg_database
from harness.restarts import (
    Deployment,
    assert_nothing_lost,
    assert_recovered,
    burst_with_fault,
    pg_tracker,
    start_stack,
)
from harness.servers import ARTIFACTS, sqlite_tracker
from harness.services import (
    PG_BIN,
    REDIS_SERVER,
    JobsConsumer,
    PrivatePostgres,
    PrivateRedis,
    missing,
)

DOWN = 4.0  # seconds a service stays down


def require(*programs: str) -> None:
    """The machine's PostgreSQL and Redis binaries: a missing one is a failure, not a skip."""
    if missing(*programs):
        pytest.fail(f"not installed: {', '.join(missing(*programs))}")


@pytest.fixture()
def private_pg(tmp_path: Path, fake_twilio: FakeTwilioApi) -> Iterator[Deployment]:
    """A stack whose tips and tracker live on a PostgreSQL cluster of its own."""
    require(str(PG_BIN / "initdb"), str(PG_BIN / "pg_ctl"), REDIS_SERVER)
    postgres, redis = PrivatePostgres(tmp_path.name), PrivateRedis(tmp_path.name)
    stack = None
    try:
        postgres.init().start()
        url = postgres.create_database("tipline")
        stack = start_stack(tmp_path, fake_twilio, url, pg_tracker(url), redis.start())
        yield Deployment(stack, Inbox(stack), redis, postgres)
    finally:
        if stack is not None:
            stack.stop()
        redis.destroy()
        postgres.destroy()


@pytest.fixture(params=["sqlite", "postgresql"])
def private_redis(request: pytest.FixtureRequest, tmp_path: Path,
                  fake_twilio: FakeTwilioApi) -> Iterator[Deployment]:
    """A stack whose every Redis use is on a Redis server of its own; the tips database
    on SQLite or on a fresh database of the shared PostgreSQL."""
    require(REDIS_SERVER)
    redis = PrivateRedis(tmp_path.name).start()
    try:
        if request.param == "sqlite":
            stack = start_stack(tmp_path, fake_twilio, f"sqlite:///{tmp_path / 'tips.db'}",
                                sqlite_tracker(tmp_path), redis)
            yield Deployment(stack, Inbox(stack), redis)
            stack.stop()
        else:
            for url in pg_database():
                stack = start_stack(tmp_path, fake_twilio, url, pg_tracker(url), redis)
                yield Deployment(stack, Inbox(stack), redis)
                stack.stop()
    finally:
        redis.destroy()


def test_postgresql_restart_during_a_burst(private_pg: Deployment,
                                           fake_twilio: FakeTwilioApi) -> None:
    """PostgreSQL, holding the tips and Rasa's tracker, stops (fast: every session cut)
    for a few seconds during a burst, then starts again."""
    postgres = private_pg.postgres
    assert postgres is not None
    outcome = burst_with_fault(private_pg, lambda: postgres.restart(DOWN))
    assert_nothing_lost(private_pg, outcome, fake_twilio)
    assert_recovered(private_pg)
    log = postgres.log.read_text(errors="replace")
    assert log.count("database system is ready to accept connections") == 2  # restarted


def test_redis_restart_during_a_burst(private_redis: Deployment,
                                      fake_twilio: FakeTwilioApi) -> None:
    """Redis (Rasa's lock store, the rate limits, the job queue) stops during a burst and
    comes back empty; the jobs consumer and the tip line carry on."""
    stack, redis = private_redis.stack, private_redis.redis
    jobs = JobsConsumer(stack.env, ARTIFACTS / f"{stack.workdir.name}-jobs.log").start()
    try:
        outcome = burst_with_fault(private_redis, lambda: redis.restart(DOWN))
        assert_nothing_lost(private_redis, outcome, fake_twilio)
        assert_recovered(private_redis)
        assert redis.client(3).dbsize() > 0  # the rate limits count in the new Redis
        before = jobs.executed("recover_inbox")
        jobs.enqueue("recover_inbox")  # a job through the restarted queue
        wait_until(lambda: jobs.executed("recover_inbox") > before, 90, 0.5)
        assert jobs.process is not None and jobs.process.poll() is None
    finally:
        jobs.stop()

