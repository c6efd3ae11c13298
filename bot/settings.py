"""Settings read from the environment (``TIPLINE_*``), with embedded defaults.

Secrets (hash and encryption keys, Twilio token) come only from the environment; the
run script writes development values to ``var/secrets.env`` outside version control.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.awareness.config import AwarenessSettings
from bot.channels.voice.config import VoiceSettings
from bot.channels.whatsapp.config import WhatsAppSettings
from bot.engagement.config import EngagementSettings
from bot.inbox.config import InboxSettings
from bot.jobs.config import JobsSettings

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
VAR_DIR = Path(os.environ.get("TIPLINE_VAR_DIR", ROOT / "var"))


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"TIPLINE_{name}", default)


def _env_float(name: str, default: float) -> float:
    return float(_env(name, str(default)))


def _env_int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


@dataclass(frozen=True)
class TranslationSettings:
    """Which translation provider to call and how patiently."""

    provider: str = field(default_factory=lambda: _env("TRANSLATION_PROVIDER", "none"))
    url: str = field(default_factory=lambda: _env("TRANSLATION_URL", ""))
    api_key: str = field(default_factory=lambda: _env("TRANSLATION_API_KEY", "unused"))
    timeout: float = field(default_factory=lambda: _env_float("TRANSLATION_TIMEOUT", 3.0))
    breaker_cooldown: float = field(
        default_factory=lambda: _env_float("TRANSLATION_BREAKER_COOLDOWN", 30.0)
    )


@dataclass(frozen=True)
class ConsoleSettings:
    """The duty officers' console (``python -m bot.console``)."""

    # Signs session cookies and CSRF tokens; required (the run script generates one).
    secret_key: str = field(default_factory=lambda: _env("CONSOLE_SECRET", ""))
    bind: str = field(default_factory=lambda: _env("BIND", "127.0.0.1"))
    port: int = field(default_factory=lambda: _env_int("CONSOLE_PORT", 8000))
    # Secure cookies on every response (they are always Secure on a TLS request).
    secure_cookies: bool = field(
        default_factory=lambda: _env_bool("CONSOLE_SECURE_COOKIES", False)
    )
    # Trust X-Forwarded-Proto/For from one reverse proxy (TLS terminated there).
    behind_proxy: bool = field(
        default_factory=lambda: _env_bool("CONSOLE_BEHIND_PROXY", False)
    )
    session_hours: float = field(
        default_factory=lambda: _env_float("CONSOLE_SESSION_HOURS", 12.0)
    )
    # Failed logins allowed per user name and per client address ("limits" notation).
    login_rate_limit: str = field(
        default_factory=lambda: _env("CONSOLE_LOGIN_RATE_LIMIT", "5 per 5 minutes")
    )
    login_rate_limit_per_address: str = field(
        default_factory=lambda: _env("CONSOLE_LOGIN_RATE_LIMIT_ADDRESS", "30 per 5 minutes")
    )
    # memory:// (one process) or redis://host:6379/2 (shared by several console replicas).
    rate_limit_storage: str = field(
        default_factory=lambda: _env("CONSOLE_RATE_LIMIT_STORAGE", "memory://")
    )
    # How often the queue page asks for new tips.
    poll_seconds: float = field(default_factory=lambda: _env_float("CONSOLE_POLL_SECONDS", 5.0))
    # Longest time between a writer stamping updated_at and committing: incremental pulls
    # (API ``since``, live queue) re-read that window so no late commit is skipped.
    settle_seconds: float = field(
        default_factory=lambda: _env_float("CONSOLE_SETTLE_SECONDS", 10.0)
    )
    # The public transparency report shows no count below this (k-anonymity threshold).
    transparency_k: int = field(default_factory=lambda: _env_int("TRANSPARENCY_K", 10))


def _var_dir() -> Path:
    """``TIPLINE_VAR_DIR`` as it is now (``VAR_DIR`` is read once, at import)."""
    return Path(_env("VAR_DIR", str(VAR_DIR)))


def _env_bool(name: str, default: bool) -> bool:
    return _env(name, "1" if default else "0").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class TwilioSettings:
    """The SMS channel (Twilio): account, sending number, public webhook URL, limits.

    ``public_url`` is the webhook URL exactly as configured in Twilio (or only its
    ``https://host`` base): signatures are computed over it, so it must be set when a proxy
    or load balancer sits in front of Rasa. ``api_base_url`` replaces https://api.twilio.com
    (tests point it at a local fake). ``rate_limit`` uses the ``limits`` syntax
    ("10/minute", "10/minute;60/hour") and ``rate_limit_storage`` a limits storage URI
    ("memory://", or "redis://host:6379" shared by several Rasa replicas).
    """

    account_sid: str = field(default_factory=lambda: _env("TWILIO_ACCOUNT_SID", ""))
    auth_token: str = field(default_factory=lambda: _env("TWILIO_AUTH_TOKEN", ""))
    from_number: str = field(default_factory=lambda: _env("TWILIO_FROM_NUMBER", ""))
    messaging_service_sid: str = field(
        default_factory=lambda: _env("TWILIO_MESSAGING_SERVICE_SID", "")
    )
    public_url: str = field(default_factory=lambda: _env("TWILIO_PUBLIC_URL", ""))
    api_base_url: str = field(default_factory=lambda: _env("TWILIO_API_BASE_URL", ""))
    fetch_media: bool = field(default_factory=lambda: _env_bool("TWILIO_FETCH_MEDIA", False))
    media_dir: Path = field(
        default_factory=lambda: Path(_env("TWILIO_MEDIA_DIR", str(VAR_DIR / "media")))
    )
    rate_limit: str = field(default_factory=lambda: _env("TWILIO_RATE_LIMIT", "10/minute"))
    rate_limit_storage: str = field(
        default_factory=lambda: _env("TWILIO_RATE_LIMIT_STORAGE", "memory://")
    )
    send_timeout: float = field(default_factory=lambda: _env_float("TWILIO_SEND_TIMEOUT", 10.0))
    send_attempts: int = field(default_factory=lambda: int(_env("TWILIO_SEND_ATTEMPTS", "4")))
    send_backoff: float = field(default_factory=lambda: _env_float("TWILIO_SEND_BACKOFF", 0.5))
    concurrency: int = field(default_factory=lambda: int(_env("TWILIO_CONCURRENCY", "8")))
    media_join_hours: float = field(
        default_factory=lambda: _env_float("TWILIO_MEDIA_JOIN_HOURS", 24.0)
    )

    @property
    def can_send(self) -> bool:
        """True when the Messages API can be called (account, token and a sender)."""
        return bool(self.account_sid and self.auth_token
                    and (self.from_number or self.messaging_service_sid))


@dataclass(frozen=True)
class Settings:
    """All runtime settings of one process."""

    database_url: str = field(
        default_factory=lambda: _env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tipline.db'}")
    )
    hash_key: str = field(default_factory=lambda: _env("HASH_KEY", ""))
    encryption_keys: str = field(default_factory=lambda: _env("ENCRYPTION_KEYS", ""))
    routing_rules: Path = field(
        default_factory=lambda: Path(_env("ROUTING_RULES", str(DATA_DIR / "routing" / "rules.yml")))
    )
    gazetteer: Path = field(
        default_factory=lambda: Path(_env("GAZETTEER", str(DATA_DIR / "gazetteer" / "places.yml")))
    )
    languages: Path = field(
        default_factory=lambda: Path(_env("LANGUAGES", str(DATA_DIR / "languages.yml")))
    )
    messages_dir: Path = field(default_factory=lambda: DATA_DIR / "messages")
    romanised_markers: Path = field(
        default_factory=lambda: DATA_DIR / "language" / "romanised.yml")
    officer_replies_dir: Path = field(
        default_factory=lambda: Path(_env("OFFICER_REPLIES", str(DATA_DIR / "officer_replies")))
    )
    translation: TranslationSettings = field(default_factory=TranslationSettings)
    twilio: TwilioSettings = field(default_factory=TwilioSettings)
    whatsapp: WhatsAppSettings = field(default_factory=WhatsAppSettings)
    inbox: InboxSettings = field(default_factory=InboxSettings)
    awareness: AwarenessSettings = field(default_factory=AwarenessSettings)
    engagement: EngagementSettings = field(default_factory=EngagementSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    jobs: JobsSettings = field(default_factory=JobsSettings)
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    voice_prompts_dir: Path = field(default_factory=lambda: DATA_DIR / "voice" / "prompts")
    # required by bot.serve for ``rasa run --enable-api``; clients send ``?token=``
    rasa_api_token: str = field(default_factory=lambda: _env("RASA_API_TOKEN", ""))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (read once)."""
    return Settings()
