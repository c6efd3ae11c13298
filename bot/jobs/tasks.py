"""The tip line's huey tasks: what runs in the background, and when.

| task | when |
|---|---|
| ``retry_translations`` | every ``TIPLINE_JOBS_TRANSLATION_RETRY_MINUTES`` (5) minutes |
| ``recover_inbox`` | every ``TIPLINE_JOBS_INBOX_RECOVERY_MINUTES`` (1) minute(s) |
| ``purge_expired`` | daily at ``TIPLINE_RETENTION_HOUR`` (3) o'clock UTC |
| ``retry_officer_sms`` | on demand, when an officer's SMS or WhatsApp reply failed (jobs/sms.py) |
| ``escalate_unclaimed`` | every minute; ``page_escalation`` on demand, retried |
| ``refresh_kpi_rollup`` | every ``TIPLINE_JOBS_KPI_CHANGES_MINUTES`` (1) minute(s) |

Calling a task enqueues it (``retry_translations()`` runs a retry now, in the consumer).
Periodic tasks take a lock, so that a slow run is never overlapped by the next one (the
consumer clears stale locks when it starts). Run the consumer with ``python -m bot.jobs``,
one per deployment: each consumer schedules the periodic tasks.
"""

from __future__ import annotations

import importlib
import logging
import time
from typing import Any, Dict, List

from huey import crontab

from bot.console.coordination import coordination_settings
from bot.jobs.queue import huey
from bot.settings import get_settings

log = logging.getLogger(__name__)
_jobs = get_settings().jobs
_jobs_paging = coordination_settings()  # escalation webhook retries
INBOX_RECOVERY = "bot.inbox.recovery"
_skipped: List[int] = []  # the missing hook is logged at INFO once, then at DEBUG
_windows: List[float] = []  # when this consumer last refreshed the roll-up's recent days


def _every(minutes: int) -> Any:
    return crontab(minute=f"*/{max(1, minutes)}") if minutes > 1 else crontab()


@huey.periodic_task(_every(_jobs.translation_retry_minutes))
@huey.lock_task("tipline-retry-translations")
def retry_translations() -> Dict[str, int]:
    """Fill in the English text of tips whose translation failed at intake."""
    from bot.jobs.translations import retry_failed_translations

    return retry_failed_translations()


@huey.task(retries=_jobs.sms_retries, retry_delay=_jobs.sms_retry_delay)
def retry_officer_sms(tip_id: int, digest: str) -> str:
    """Send an officer's SMS or WhatsApp reply again (bot/jobs/sms.py); huey retries while it
    fails. One retry of a given reply at a time: a second one waits for a later try."""
    from bot.jobs.sms import resend_officer_reply

    with huey.lock_task(f"tipline-officer-reply-{tip_id}-{digest}"):
        return resend_officer_reply(tip_id, digest)


@huey.periodic_task(_every(_jobs.inbox_recovery_minutes))
@huey.lock_task("tipline-recover-inbox")
def recover_inbox() -> Any:
    """Hook for the inbox recovery: ``bot.inbox.recovery.run_once()``, skipped (logged) as
    long as that module or function does not exist."""
    try:
        run_once = importlib.import_module(INBOX_RECOVERY).run_once
    except ModuleNotFoundError as missing:
        if missing.name not in ("bot.inbox", INBOX_RECOVERY):
            raise  # the module exists and is broken: huey logs the error
        return _skip(missing)
    except AttributeError as missing:
        return _skip(missing)
    return run_once()


def _skip(missing: Exception) -> None:
    level = logging.DEBUG if _skipped else logging.INFO
    _skipped.append(1)
    log.log(level, "inbox recovery skipped: %s.run_once not available (%s)", INBOX_RECOVERY,
            missing)


@huey.periodic_task(crontab(minute="17", hour=str(_jobs.retention_hour)))
@huey.lock_task("tipline-retention")
def purge_expired() -> List[Dict[str, Any]]:
    """Data retention (bot/jobs/retention.py): purge the tips closed too long ago."""
    from dataclasses import asdict

    from bot.jobs.retention import purge

    return [asdict(item) for item in purge()]


@huey.periodic_task(crontab())
@huey.lock_task("tipline-escalate")
def escalate_unclaimed() -> List[int]:
    """Every minute: escalate urgent tips left unclaimed (bot/console/escalation.py), then
    page each new escalation once (``page_escalation``, retried)."""
    from bot.console.escalation import escalate_due
    from bot.store.db import session_scope

    with session_scope() as session:
        created = escalate_due(session)
    for escalation_id in created:
        page_escalation(escalation_id)
    return created


@huey.task(retries=_jobs_paging.webhook_retries, retry_delay=_jobs_paging.webhook_retry_delay)
def page_escalation(escalation_id: int) -> str:
    """POST the escalation webhook (bot/console/paging.py); huey retries while it fails."""
    from bot.console.paging import deliver
    from bot.store.db import session_scope

    with session_scope() as session:
        return deliver(session, escalation_id)


@huey.periodic_task(_every(_jobs.kpi_changes_minutes))
@huey.lock_task("tipline-kpi-rollup")
def refresh_kpi_rollup() -> Dict[str, Any]:
    """The KPI dashboard's daily roll-up (bot/console/kpi_rollup.py): every run the days
    whose tips changed since the last one; every ``TIPLINE_JOBS_KPI_ROLLUP_MINUTES`` (10)
    also the last ``TIPLINE_JOBS_KPI_ROLLUP_DAYS`` (35) days, where milestones arrive."""
    from bot.console.kpi_rollup import run

    window = not _windows or time.monotonic() - _windows[-1] >= _jobs.kpi_rollup_minutes * 60 - 30
    if window:
        _windows[:] = [time.monotonic()]
    return run(days=None if window else 0)
