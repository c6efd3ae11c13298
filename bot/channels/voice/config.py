"""Settings of the voice line (``TIPLINE_VOICE_*``), held by bot/settings.py as ``voice``.

Kept apart like the inbox's settings: the account and token default to the SMS channel's
(``TIPLINE_TWILIO_*``), since one Twilio account usually serves both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"TIPLINE_{name}", default)


def _voice(name: str, fallback: str = "", default: str = "") -> str:
    """``TIPLINE_VOICE_<name>``, else ``TIPLINE_<fallback>``, else ``default``."""
    value = _env(f"VOICE_{name}")
    return value or (_env(fallback) if fallback else "") or default


@dataclass(frozen=True)
class VoiceSettings:
    """The voice line: account, public base URL, waits, recordings.

    ``public_url`` is the scheme and host Twilio calls (``https://tips.example.org``):
    signatures cover the URL with its path and query, and the call's state travels in the
    query of the URLs the tip line gives Twilio. ``answer_seconds``: how long a spoken
    turn is waited for before the caller hears "saved, one moment" and Twilio polls
    (``poll_times`` at most, then the call ends with the tip kept). ``keep_recordings``:
    a recorded message's audio URL is kept as the tip's attachment; otherwise the
    recording is deleted at Twilio once transcribed (``delete_recordings``).
    """

    account_sid: str = field(default_factory=lambda: _voice("ACCOUNT_SID", "TWILIO_ACCOUNT_SID"))
    auth_token: str = field(default_factory=lambda: _voice("AUTH_TOKEN", "TWILIO_AUTH_TOKEN"))
    public_url: str = field(default_factory=lambda: _voice("PUBLIC_URL"))
    api_base_url: str = field(
        default_factory=lambda: _voice("API_BASE_URL", "TWILIO_API_BASE_URL",
                                       "https://api.twilio.com"))
    languages: str = field(default_factory=lambda: _voice("LANGUAGES"))  # empty: data/voice/
    answer_seconds: float = field(default_factory=lambda: float(_voice("ANSWER_SECONDS",
                                                                       default="8")))
    poll_times: int = field(default_factory=lambda: int(_voice("POLL_TIMES", default="4")))
    speech_timeout: str = field(default_factory=lambda: _voice("SPEECH_TIMEOUT", default="auto"))
    record_seconds: int = field(default_factory=lambda: int(_voice("RECORD_SECONDS",
                                                                   default="120")))
    keep_recordings: bool = field(default_factory=lambda: _voice(
        "KEEP_RECORDINGS", default="0").strip().lower() in ("1", "true", "yes", "on"))
    delete_recordings: bool = field(default_factory=lambda: _voice(
        "DELETE_RECORDINGS", default="1").strip().lower() in ("1", "true", "yes", "on"))
