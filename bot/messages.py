"""The bot's replies and the officers' standard replies, from per-language YAML catalogues."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from bot.catalogs import SOURCE_LANGUAGE, check_catalogs, read_catalogs, validate_catalogs
from bot.settings import get_settings

__all__ = ["EMERGENCY_NUMBER", "MessageCatalog", "OfficerReplies", "get_catalog",
           "get_officer_replies", "validate_catalogs"]

log = logging.getLogger(__name__)
EMERGENCY_NUMBER = "911"


class _Catalog:
    """Templates by language, checked when loaded; a language without a file gets English.

    ``languages``: the languages that must each have a file (None: whichever files exist).
    A catalogue with any problem (see ``bot.catalogs.check_catalogs``) raises ValueError.
    Replies are never machine translated: an unknown language is answered in English.
    """

    def __init__(self, directory: Path | str, *,
                 languages: Optional[Iterable[str]] = None) -> None:
        catalogs, problems = read_catalogs(directory)
        if Path(directory).is_dir():
            problems += check_catalogs(catalogs, languages, directory)
        if problems:
            raise ValueError(f"{directory}: {len(problems)} problem(s): " + "; ".join(problems))
        self._catalogs: Dict[str, Dict[str, str]] = catalogs

    @property
    def languages(self) -> List[str]:
        """The languages that have a catalogue, sorted."""
        return sorted(self._catalogs)

    def has(self, language: Optional[str]) -> bool:
        """Whether ``language`` has its own catalogue (otherwise it is answered in English)."""
        return language in self._catalogs

    def keys(self) -> List[str]:
        """The keys of every catalogue, nested ones dotted ("statuses.new"), in en.yml's order."""
        return list(self._catalogs[SOURCE_LANGUAGE])

    def render(self, key: str, language: Optional[str], **params: Any) -> str:
        """The template ``key`` in ``language`` (English if it has no catalogue), filled in."""
        catalog = self._catalogs.get(language or SOURCE_LANGUAGE)
        if catalog is None:
            log.debug("no %s catalogue: %s in English", language, key)
            catalog = self._catalogs[SOURCE_LANGUAGE]
        return catalog[key].format(**params)


class MessageCatalog(_Catalog):
    """The bot's replies to tipsters (``data/messages/<lang>.yml``)."""

    def render(self, key: str, language: Optional[str], **params: Any) -> str:
        """The reply ``key`` in ``language`` (English without a catalogue); 911 filled in."""
        params.setdefault("emergency_number", EMERGENCY_NUMBER)
        return super().render(key, language, **params)

    def status_label(self, status: str, language: Optional[str]) -> str:
        """A tip status in words the tipster understands."""
        return self.render(f"statuses.{status}", language)


class OfficerReplies(_Catalog):
    """Officers' standard replies (``data/officer_replies/<lang>.yml``); en.yml is shown
    in the console, the tipster's language is sent."""


@lru_cache(maxsize=1)
def get_catalog() -> MessageCatalog:
    """The reply catalogue of this process."""
    return MessageCatalog(get_settings().messages_dir)


@lru_cache(maxsize=1)
def get_officer_replies() -> OfficerReplies:
    """The officers' standard replies of this process."""
    return OfficerReplies(get_settings().officer_replies_dir)
