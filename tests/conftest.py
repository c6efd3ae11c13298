"""Fixtures that start the real tip line: fake translation provider, action and Rasa servers."""

from __future__ import annotations

import os
import sys
import uuid
from typing import Iterator

import pytest
from sanic import Sanic
from sqlalchemy import create_engine, text

from harness.fakes.libretranslate import FakeLibreTranslate
from harness.fakes.twilio_api import FakeTwilioApi
from harness.servers import (
    ROOT,
    TipLineStack,
    sqlite_tracker,
    stack_env,
    write_credentials,
    write_endpoints,
)
from harness.twilio import ACCOUNT_SID, AUTH_TOKEN, twilio_credentials, twilio_env
from harness.webchat import webchat_credentials

PG_ADMIN_URL = os.environ.get("TIPLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_HOST = os.environ.get("TIPLINE_TEST_REDIS_HOST", "127.0.0.1")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Several tests serve a Sanic app in this process (the web chat channel, the action server).
# Sanic's start-up optimisation (TouchUp) recompiles some of its methods from their source;
# in test mode it keeps the originals, so a second app in the same process starts too.
Sanic.test_mode = True


@pytest.fixture(scope="session")
def fake_libre() -> Iterator[FakeLibreTranslate]:
    server = FakeLibreTranslate().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fake_twilio() -> Iterator[FakeTwilioApi]:
    """Twilio's REST API on 127.0.0.1; both stacks' SMS channel sends through it."""
    server = FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture()
def libre(fake_libre: FakeLibreTranslate) -> Iterator[FakeLibreTranslate]:
    """The fake provider, back in normal mode after the test."""
    yield fake_libre
    fake_libre.set_mode("ok")


def libre_settings(fake: FakeLibreTranslate) -> dict:
    """Translation through the fake LibreTranslate, with short bounds for tests."""
    return {"TIPLINE_TRANSLATION_PROVIDER": "libre", "TIPLINE_TRANSLATION_URL": fake.url,
            "TIPLINE_TRANSLATION_TIMEOUT": "1.5", "TIPLINE_TRANSLATION_BREAKER_COOLDOWN": "2"}


@pytest.fixture(scope="session")
def sqlite_stack(tmp_path_factory: pytest.TempPathFactory, fake_libre: FakeLibreTranslate,
                 fake_twilio: FakeTwilioApi) -> Iterator[TipLineStack]:
    """The embedded default: tips in SQLite, tracker in SQLite, in-memory lock store."""
    tmp = tmp_path_factory.mktemp("sqlite-stack")
    env = stack_env(tmp, f"sqlite:///{tmp / 'tips.db'}", **libre_settings(fake_libre),
                    **twilio_env(fake_twilio))
    stack = TipLineStack(env, tmp, write_endpoints(tmp, sqlite_tracker(tmp)),
                         write_credentials(tmp, {**twilio_credentials(),
                                                 **webchat_credentials()}))
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test session, dropped afterwards."""
    name = f"tipline_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
        ), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_stack(tmp_path_factory: pytest.TempPathFactory, fake_libre: FakeLibreTranslate,
             pg_database: str, fake_twilio: FakeTwilioApi) -> Iterator[TipLineStack]:
    """The production configuration: tips and tracker in PostgreSQL, Redis lock store."""
    tmp = tmp_path_factory.mktemp("pg-stack")
    env = stack_env(tmp, pg_database, **libre_settings(fake_libre), **twilio_env(fake_twilio))
    host_db = pg_database.rsplit("/", 1)
    tracker = {"type": "SQL", "dialect": "postgresql", "url": "127.0.0.1", "port": 5432,
               "username": "postgres", "db": host_db[1]}
    lock = {"type": "redis", "url": REDIS_HOST, "port": 6379, "db": 1,
            "key_prefix": f"tipline{uuid.uuid4().hex[:6]}"}
    stack = TipLineStack(env, tmp, write_endpoints(tmp, tracker, lock),
                         write_credentials(tmp, twilio_credentials()))
    stack.start()
    yield stack
    stack.stop()
