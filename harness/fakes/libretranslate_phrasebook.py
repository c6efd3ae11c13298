"""The fake LibreTranslate's knowledge: the languages it names and its phrasebook."""

from __future__ import annotations

from pathlib import Path

import yaml

PHRASEBOOK = Path(__file__).with_name("phrasebook.yml")
LANGUAGE_NAMES = {
    "en": "English", "fr": "French", "es": "Spanish", "pt": "Portuguese", "de": "German",
    "it": "Italian", "nl": "Dutch", "ar": "Arabic", "zh": "Chinese", "ru": "Russian",
    "uk": "Ukrainian", "pa": "Punjabi", "hi": "Hindi", "ur": "Urdu", "tl": "Tagalog",
    "vi": "Vietnamese", "ko": "Korean", "ja": "Japanese", "pl": "Polish", "so": "Somali",
    "fa": "Persian",
}


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


class Phrasebook:
    """Sentences known in several languages."""

    def __init__(self, entries: list[dict[str, str]]) -> None:
        self._index: dict[tuple[str, str], dict[str, str]] = {}
        for entry in entries:
            languages = {k: v for k, v in entry.items() if len(k) == 2 and isinstance(v, str)}
            for code, text in languages.items():
                self._index[(code, _key(text))] = languages

    @classmethod
    def load(cls, path: Path | str = PHRASEBOOK) -> Phrasebook:
        """Read a phrasebook YAML file (a list of {code: sentence} mappings)."""
        return cls(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or [])

    def detect(self, text: str) -> tuple[str, float]:
        """The language of a known sentence (90.0), else English (10.0)."""
        for code in LANGUAGE_NAMES:
            if (code, _key(text)) in self._index:
                return code, 90.0
        return "en", 10.0

    def translate(self, text: str, source: str, target: str) -> str:
        """The phrasebook's sentence, or a deterministic marker."""
        if source == "auto":
            source = self.detect(text)[0]
        if source == target:
            return text
        entry = self._index.get((source, _key(text)))
        if entry and target in entry:
            return entry[target]
        return f"[{source}→{target}] {text}"
