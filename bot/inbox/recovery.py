"""The recovery job: no inbound message is left behind by a process that stopped.

Each Rasa process recovers its channels' messages at start and every
``TIPLINE_INBOX_SWEEP_SECONDS`` (``InboxWorker.recover``). ``run_once`` is the same
release for the whole database, run by the jobs consumer (bot/jobs/tasks.py,
``recover_inbox``) even while no Rasa process sweeps: claims whose lease ran out go back
to the queue (marked interrupted: a turn already recorded is not run twice) and failed
messages whose requeue time has come are queued again. The Rasa processes' drains and
sweeps then run them. It reports what waits, and warns when messages wait too long
(no Rasa process running their channel?). Counts only: no text, no sender.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Dict

from sqlalchemy import func, select

from bot.inbox import store
from bot.store.db import get_engine
from bot.store.models import utcnow

log = logging.getLogger(__name__)
LATE = timedelta(minutes=10)


def counts() -> Dict[str, Dict[str, int]]:
    """Messages per channel and status."""
    query = (select(store.INBOX.c.channel, store.INBOX.c.status, func.count())
             .group_by(store.INBOX.c.channel, store.INBOX.c.status))
    found: Dict[str, Dict[str, int]] = {}
    with get_engine().connect() as conn:
        for channel, status, count in conn.execute(query).all():
            found.setdefault(channel, {})[status] = int(count)
    return found


def late(older_than: timedelta = LATE) -> int:
    """Messages still waiting for their turn, received more than ``older_than`` ago."""
    query = select(func.count()).select_from(store.INBOX).where(
        store.INBOX.c.status.in_(store.PENDING + ("processing", "failed")),
        store.INBOX.c.received_at < utcnow() - older_than)
    with get_engine().connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def run_once() -> Dict[str, Any]:
    """Release expired claims and due failed messages of every channel; a report."""
    released = store.release(None, include_failed=True)
    waiting = late()
    if released:
        log.info("inbox recovery: %d interrupted message(s) queued again", len(released))
    if waiting:
        log.warning("inbox recovery: %d message(s) waiting for more than %d minutes: is a "
                    "Rasa process with their channel running?", waiting,
                    int(LATE.total_seconds() // 60))
    return {"released": len(released), "late": waiting, "counts": counts()}
