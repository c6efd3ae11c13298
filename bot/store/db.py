"""Engine and sessions of the tips store."""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.settings import get_settings

log = logging.getLogger(__name__)
T = TypeVar("T")
# SQL parameters (tip texts, hashes) stay out of error messages and so out of the logs
SAFE = {"future": True, "hide_parameters": True}


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout. Its errors
    never quote the statement's parameters (``hide_parameters``)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # a pool of connections (SQLAlchemy 1.4 defaults to NullPool for SQLite files, which
        # reopens the file and reruns the PRAGMAs for every transaction)
        engine = create_engine(
            url, **SAFE, poolclass=QueuePool, pool_size=5, max_overflow=10,
            connect_args={"timeout": 30, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, **SAFE, pool_pre_ping=True)


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine(url or get_settings().database_url)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A transaction: committed on success, rolled back on error."""
    factory = sessionmaker(bind=get_engine(url), future=True, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


def unreachable(error: BaseException) -> bool:
    """True when ``error`` says the database cannot be reached right now (down, restarting,
    connection cut, SQLite file locked): worth trying again, unlike a constraint error."""
    return isinstance(error, (OperationalError, InterfaceError)) or (
        isinstance(error, DBAPIError) and error.connection_invalidated)


def patiently(work: Callable[[], T], seconds: float) -> T:
    """``work()`` (one transaction), run again while the database is unreachable, for up to
    ``seconds``: a restart of a few seconds is waited out instead of refusing a message."""
    deadline, pause = time.monotonic() + seconds, 0.1
    while True:
        try:
            return work()
        except DBAPIError as error:
            if not unreachable(error) or time.monotonic() + pause > deadline:
                raise
            if pause == 0.1:  # once per wait, not once per try
                log.warning("database unreachable (%s); waiting up to %.0f s",
                            type(error).__name__, seconds)
        time.sleep(pause)
        pause = min(pause * 2, 1.0)
