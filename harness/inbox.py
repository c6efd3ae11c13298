"""Databases for the durable intake's tests: a fresh PostgreSQL database, and this process
pointed at a migrated tips database (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, text

from bot.store.migrate import upgrade
from harness.twilio import reset_process_state

PG_ADMIN_URL = os.environ.get("TIPLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards (skips when none is reachable)."""
    name = f"tipline_inbox_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 (no server: the SQLite runs still count)
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable: {type(error).__name__}")
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :n"), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def configured(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               **settings: str) -> Iterator[str]:
    """This process pointed at the migrated database ``url``, with ``TIPLINE_*`` settings."""
    upgrade(url)
    monkeypatch.setenv("TIPLINE_DATABASE_URL", url)
    monkeypatch.setenv("TIPLINE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("TIPLINE_TRANSLATION_PROVIDER", "none")
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    reset_process_state()
    yield url
    reset_process_state()


def on_database(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This process on a migrated tips database of ``kind`` (sqlite or postgresql)."""
    if kind == "sqlite":
        yield from configured(f"sqlite:///{tmp_path / 'tips.db'}", tmp_path, monkeypatch)
    else:
        for url in pg_database():
            yield from configured(url, tmp_path, monkeypatch)


def stored(text: str, sender: str = "s1", channel: str = "rest", **values: Any) -> int:
    """One inbound message stored in the inbox; its id."""
    from bot.inbox import store
    from bot.store.db import get_engine

    with get_engine().begin() as conn:
        return store.insert(conn, channel, uuid.uuid4().hex, sender, text, **values)
