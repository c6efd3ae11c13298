"""Rasa's SQL tracker store: delete the events of a purged conversation (retention).

Rasa keeps every conversation in its ``events`` table (``sender_id`` = the tip's
conversation id, ``timestamp`` = seconds since the epoch). ``TIPLINE_TRACKER_DB_URL`` is the
SQLAlchemy URL of that database (the embedded default is ``var/tracker.db``, as in
endpoints.yml; in production the PostgreSQL database of docker/endpoints.prod.yml). Empty,
a missing SQLite file or no ``events`` table: there is nothing to delete.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Optional

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)
COUNT = text("SELECT count(*) FROM events WHERE sender_id = :sender AND timestamp <= :until")
DELETE = text("DELETE FROM events WHERE sender_id = :sender AND timestamp <= :until")


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    return create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)


def tracker_engine(url: str) -> Optional[Engine]:
    """The tracker store's engine, or None when there is no SQL tracker store to purge."""
    if not url:
        return None
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None  # never create an empty tracker database
    engine = _engine(url)
    if not inspect(engine).has_table("events"):
        return None
    return engine


def purge_events(url: str, sender_id: str, until: datetime, dry_run: bool = False) -> int:
    """Delete (or, dry run, count) the events of ``sender_id`` up to ``until``."""
    engine = tracker_engine(url)
    if engine is None:
        return 0
    if until.tzinfo is None:  # SQLite gives back naive datetimes, stored as UTC
        until = until.replace(tzinfo=UTC)
    params = {"sender": sender_id, "until": until.timestamp()}
    with engine.begin() as conn:
        if dry_run:
            return int(conn.execute(COUNT, params).scalar_one())
        return int(conn.execute(DELETE, params).rowcount or 0)
