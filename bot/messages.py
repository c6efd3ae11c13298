"""The bot's replies: written natively in data/messages/<lang>.yml, translated otherwise."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import yaml

from bot.settings import get_settings

log = logging.getLogger(__name__)
EMERGENCY_NUMBER = "911"

Translate = Callable[[str, str, str], Optional[str]]


class MessageCatalog:
    """Reply templates by language; English is the source for translated languages."""

    def __init__(self, directory: Path, translate: Optional[Translate] = None) -> None:
        self._catalogs: Dict[str, Dict[str, Any]] = {
            path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
            for path in sorted(Path(directory).glob("*.yml"))
        }
        if "en" not in self._catalogs:
            raise ValueError(f"{directory}: an English catalog (en.yml) is required")
        missing = {
            lang: sorted(set(self._catalogs["en"]) - set(cat))
            for lang, cat in self._catalogs.items()
        }
        missing = {lang: keys for lang, keys in missing.items() if keys}
        if missing:
            raise ValueError(f"{directory}: catalogs lack keys {missing}")
        self._translate = translate

    @property
    def native_languages(self) -> list[str]:
        return sorted(self._catalogs)

    def render(self, key: str, language: str, **params: Any) -> str:
        """The reply ``key`` in ``language`` (translated from English if not native)."""
        params.setdefault("emergency_number", EMERGENCY_NUMBER)
        if language in self._catalogs:
            return self._lookup(language, key).format(**params)
        english = self._lookup("en", key).format(**params)
        if self._translate is None:
            return english
        translated = self._translate(english, "en", language)
        return translated or english

    def status_label(self, status: str, language: str) -> str:
        """A tip status in words the tipster understands."""
        return self.render(f"statuses.{status}", language)

    def _lookup(self, language: str, key: str) -> str:
        node: Any = self._catalogs[language]
        for part in key.split("."):
            node = node[part]
        return str(node)


def _translate_reply(text: str, source: str, target: str) -> Optional[str]:
    from bot.translation import get_service

    result = get_service().translate(text, source, target)
    return result.text if result.status == "done" else None


@lru_cache(maxsize=1)
def get_catalog() -> MessageCatalog:
    """The catalog of this process, translating through the configured provider."""
    return MessageCatalog(get_settings().messages_dir, _translate_reply)
