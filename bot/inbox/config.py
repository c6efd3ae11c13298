"""Settings of the durable intake (``TIPLINE_INBOX_*`` and per channel limits).

Kept apart from bot/settings.py (which holds them as ``get_settings().inbox``) so that
this package's settings read on their own; no import of the rest of the tip line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env(name: str, default: str) -> str:
    return os.environ.get(f"TIPLINE_{name}", default)


def _env_float(name: str, default: float) -> float:
    return float(_env(name, str(default)))


def _env_int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


@dataclass(frozen=True)
class InboxSettings:
    """Durable intake of every channel (bot/inbox/, docs/reliability.md).

    A message whose turn did not complete (action server or database down) is retried
    after ``retry_base`` seconds, doubling up to ``retry_max``; after ``max_attempts`` it
    is set aside as ``failed`` (the sender's next messages go on) and requeued after
    ``requeue_minutes``. A process claims a message for ``lease_seconds`` (renewed while
    its turn runs); the sweep releases expired claims every ``sweep_seconds``. Sizes in
    characters and rate limits ("limits" notation) are per channel. While the database
    cannot be reached (a restart), a message being received waits up to
    ``store_wait_seconds`` to be stored (below Twilio's 15 s webhook timeout), then is
    answered with a server error, never acknowledged unstored.
    """

    retry_base: float = field(default_factory=lambda: _env_float("INBOX_RETRY_BASE", 1.0))
    retry_max: float = field(default_factory=lambda: _env_float("INBOX_RETRY_MAX", 120.0))
    max_attempts: int = field(default_factory=lambda: _env_int("INBOX_MAX_ATTEMPTS", 25))
    requeue_minutes: float = field(
        default_factory=lambda: _env_float("INBOX_REQUEUE_MINUTES", 30.0))
    lease_seconds: float = field(default_factory=lambda: _env_float("INBOX_LEASE_SECONDS", 60.0))
    sweep_seconds: float = field(default_factory=lambda: _env_float("INBOX_SWEEP_SECONDS", 30.0))
    concurrency: int = field(default_factory=lambda: _env_int("INBOX_CONCURRENCY", 8))
    max_backlog: int = field(default_factory=lambda: _env_int("INBOX_MAX_BACKLOG", 50))
    store_wait_seconds: float = field(
        default_factory=lambda: _env_float("INBOX_STORE_WAIT_SECONDS", 10.0))
    rest_wait_seconds: float = field(
        default_factory=lambda: _env_float("REST_WAIT_SECONDS", 45.0))
    sms_max_chars: int = field(default_factory=lambda: _env_int("SMS_MAX_CHARS", 1600))
    webchat_max_chars: int = field(default_factory=lambda: _env_int("WEBCHAT_MAX_CHARS", 4000))
    whatsapp_max_chars: int = field(default_factory=lambda: _env_int("WHATSAPP_MAX_CHARS", 4096))
    rest_max_chars: int = field(default_factory=lambda: _env_int("REST_MAX_CHARS", 16000))
    webchat_rate_limit: str = field(
        default_factory=lambda: _env("WEBCHAT_RATE_LIMIT", "10/minute"))
    rest_rate_limit: str = field(default_factory=lambda: _env("REST_RATE_LIMIT", "30/minute"))
    rate_limit_storage: str = field(
        default_factory=lambda: _env("INBOX_RATE_LIMIT_STORAGE", "memory://"))
