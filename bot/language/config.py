"""Loader of ``data/languages.yml``: which languages the tip line detects and speaks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.language.scripts import SUPPORTED_LANGUAGES

_KEYS = {"default", "native", "community", "likely", "min_letters", "min_confidence"}


@dataclass(frozen=True)
class LanguageConfig:
    """Default language, natively trained languages, detected languages, thresholds."""

    default: str
    native: tuple[str, ...]
    community: tuple[str, ...]
    likely: tuple[str, ...]  # a weak guess on a short first message is trusted for these
    min_letters: int
    min_confidence: float


def load_language_config(path: Path | str) -> LanguageConfig:
    """Read and check the language file; a bad file raises ValueError naming the problem."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"{path}: cannot read language config: {error}") from error
    try:
        return parse_language_config(raw)
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None


def parse_language_config(raw: Any) -> LanguageConfig:
    """Check a mapping read from YAML and build the config."""
    if not isinstance(raw, dict):
        raise ValueError("expected a mapping with keys " + ", ".join(sorted(_KEYS)))
    missing, unknown = _KEYS - raw.keys(), raw.keys() - _KEYS
    if missing or unknown:
        raise ValueError(
            f"missing keys: {sorted(missing) or 'none'}; unknown keys: {sorted(unknown) or 'none'}"
        )
    community = _codes(raw["community"], "community")
    unsupported = [code for code in community if code not in SUPPORTED_LANGUAGES]
    if unsupported:
        raise ValueError(
            f"community: not supported by both langdetect and lingua: {', '.join(unsupported)}"
        )
    native = _codes(raw["native"], "native")
    default = raw["default"]
    if not isinstance(default, str) or default not in community:
        raise ValueError(f"default: {default!r} must be one of community")
    likely = _codes(raw["likely"], "likely")
    for key, codes in (("native", native), ("likely", likely)):
        outside = [code for code in codes if code not in community]
        if outside:
            raise ValueError(f"{key}: not in community: {', '.join(outside)}")
    min_letters = raw["min_letters"]
    if isinstance(min_letters, bool) or not isinstance(min_letters, int) or min_letters < 0:
        raise ValueError(f"min_letters: {min_letters!r} must be a whole number >= 0")
    min_confidence = raw["min_confidence"]
    if isinstance(min_confidence, bool) or not isinstance(min_confidence, (int, float)) or not (
        0 <= min_confidence <= 1
    ):
        raise ValueError(f"min_confidence: {min_confidence!r} must be a number from 0 to 1")
    return LanguageConfig(default, native, community, likely, min_letters,
                          float(min_confidence))


def _codes(value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{key}: expected a non-empty list of ISO 639-1 codes")
    bad = [code for code in value if not (isinstance(code, str) and code.isalpha()
                                          and code.islower() and len(code) == 2)]
    if bad:
        raise ValueError(f"{key}: not ISO 639-1 codes: {bad}")
    if len(set(value)) != len(value):
        raise ValueError(f"{key}: duplicate codes")
    return tuple(value)
