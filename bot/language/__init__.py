"""Language identification (langdetect seeded + lingua) and ``data/languages.yml``."""

from __future__ import annotations

import threading

from bot.language.config import LanguageConfig, load_language_config, parse_language_config
from bot.language.detector import UNDETERMINED, LanguageGuess, LanguageIdentifier
from bot.language.romanised import RomanisedMarkers

__all__ = [
    "UNDETERMINED",
    "LanguageConfig",
    "LanguageGuess",
    "LanguageIdentifier",
    "get_identifier",
    "load_language_config",
    "parse_language_config",
]


_identifiers: dict[LanguageConfig, LanguageIdentifier] = {}
_lock = threading.Lock()


def get_identifier(config: LanguageConfig) -> LanguageIdentifier:
    """One identifier per configuration and process (its models take ~1.5 s and ~450 MB)."""
    with _lock:
        if config not in _identifiers:
            _identifiers[config] = LanguageIdentifier(
                config.community, config.min_letters, config.min_confidence,
                romanised=_romanised_markers(config),
            )
        return _identifiers[config]


def _romanised_markers(config: LanguageConfig) -> RomanisedMarkers | None:
    """The marker words of the deployment, for the languages it detects."""
    from bot.settings import get_settings

    path = get_settings().romanised_markers
    if not path.exists():
        return None
    markers = RomanisedMarkers.load(path)
    return markers if set(markers.order) <= set(config.community) else None
