"""Settings read from the environment (``TIPLINE_*``), with embedded defaults.

Secrets (hash and encryption keys, Twilio token) come only from the environment; the
run script writes development values to ``var/secrets.env`` outside version control.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
VAR_DIR = Path(os.environ.get("TIPLINE_VAR_DIR", ROOT / "var"))


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"TIPLINE_{name}", default)


def _env_float(name: str, default: float) -> float:
    return float(_env(name, str(default)))


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
    translation: TranslationSettings = field(default_factory=TranslationSettings)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (read once)."""
    return Settings()
