"""Settings of the background jobs and data retention (``TIPLINE_JOBS_*``, ``TIPLINE_RETENTION_*``).

Kept apart from bot/settings.py (which holds them as ``get_settings().jobs``), as the
inbox's are (bot/inbox/config.py): no import of the rest of the tip line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(f"TIPLINE_{name}", default)


def _env_int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _var_dir() -> Path:
    """``TIPLINE_VAR_DIR`` as it is now (the tip line's ``var/`` by default)."""
    return Path(_env("VAR_DIR", str(ROOT / "var")))


@dataclass(frozen=True)
class JobsSettings:
    """Background jobs (``python -m bot.jobs``, docs/operations.md) and data retention: ``url``
    sqlite:///... or redis://...; ``retention_days`` 0 = no purge; ``tracker_db_url`` Rasa's
    SQL tracker store (events of purged conversations deleted; empty = not purged);
    the KPI roll-up job runs every ``kpi_changes_minutes`` (the days whose tips changed) and
    every ``kpi_rollup_minutes`` also recomputes the last ``kpi_rollup_days``."""

    url: str = field(
        default_factory=lambda: _env("JOBS_URL", f"sqlite:///{_var_dir() / 'jobs.db'}"))
    workers: int = field(default_factory=lambda: _env_int("JOBS_WORKERS", 2))
    translation_retry_minutes: int = field(
        default_factory=lambda: _env_int("JOBS_TRANSLATION_RETRY_MINUTES", 5))
    inbox_recovery_minutes: int = field(
        default_factory=lambda: _env_int("JOBS_INBOX_RECOVERY_MINUTES", 1))
    sms_retries: int = field(default_factory=lambda: _env_int("JOBS_SMS_RETRIES", 5))
    sms_retry_delay: int = field(default_factory=lambda: _env_int("JOBS_SMS_RETRY_DELAY", 300))
    retention_days: int = field(default_factory=lambda: _env_int("RETENTION_DAYS", 90))
    retention_hour: int = field(default_factory=lambda: _env_int("RETENTION_HOUR", 3))
    kpi_rollup_minutes: int = field(
        default_factory=lambda: _env_int("JOBS_KPI_ROLLUP_MINUTES", 10))
    kpi_rollup_days: int = field(default_factory=lambda: _env_int("JOBS_KPI_ROLLUP_DAYS", 35))
    kpi_changes_minutes: int = field(
        default_factory=lambda: _env_int("JOBS_KPI_CHANGES_MINUTES", 1))
    tracker_db_url: str = field(
        default_factory=lambda: _env("TRACKER_DB_URL", f"sqlite:///{_var_dir() / 'tracker.db'}"))
