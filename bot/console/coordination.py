"""Settings of related tips and escalation (``TIPLINE_ESCALATION_*``, ``TIPLINE_RELATED_*``).

Kept here until they join bot/settings.py; read through its helpers, so the names and
parsing rules are the same as every other ``TIPLINE_*`` setting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.settings import DATA_DIR, _env, _env_bool, _env_float, _env_int


@dataclass
class CoordinationSettings:
    """Escalation webhook and rules, related-tips scoring."""

    # per-agency minutes before an unclaimed urgent tip is escalated
    escalation_rules: Path = field(default_factory=lambda: Path(
        _env("ESCALATION_RULES", str(DATA_DIR / "routing" / "escalation.yml"))))
    # the paging system's webhook (empty: escalations show in the console only)
    webhook_url: str = field(default_factory=lambda: _env("ESCALATION_WEBHOOK_URL", ""))
    webhook_secret: str = field(default_factory=lambda: _env("ESCALATION_WEBHOOK_SECRET", ""))
    webhook_timeout: float = field(
        default_factory=lambda: _env_float("ESCALATION_WEBHOOK_TIMEOUT", 5.0))
    webhook_retries: int = field(
        default_factory=lambda: _env_int("ESCALATION_WEBHOOK_RETRIES", 5))
    webhook_retry_delay: int = field(
        default_factory=lambda: _env_int("ESCALATION_WEBHOOK_RETRY_DELAY", 60))
    # the console's public address, for the link in the webhook (empty: no link)
    console_url: str = field(default_factory=lambda: _env("CONSOLE_PUBLIC_URL", ""))
    related_semantic: bool = field(default_factory=lambda: _env_bool("RELATED_SEMANTIC", True))
    related_threshold: float = field(
        default_factory=lambda: _env_float("RELATED_THRESHOLD", 0.4))
    related_window_hours: float = field(
        default_factory=lambda: _env_float("RELATED_WINDOW_HOURS", 72.0))


def coordination_settings() -> CoordinationSettings:
    """Read from the environment at each call (cheap; tests change the environment)."""
    return CoordinationSettings()
