"""Translation providers through deep-translator: one function per provider and its limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from deep_translator import GoogleTranslator, LibreTranslator, MyMemoryTranslator
from deep_translator.constants import GOOGLE_LANGUAGES_TO_CODES, MY_MEMORY_LANGUAGES_TO_CODES
from deep_translator.exceptions import (
    InvalidSourceOrTargetLanguage,
    LanguageNotSupportedException,
    NotValidLength,
    NotValidPayload,
    ServerException,
)

PROVIDERS = ("libre", "google", "mymemory", "none")
# Refused before any request: a problem with the call, not with the provider.
CALLER_ERRORS = (
    InvalidSourceOrTargetLanguage,
    LanguageNotSupportedException,
    NotValidLength,
    NotValidPayload,
)
# Libre's answer to this one request (400 unsupported language, 413, 422): not an outage.
_REQUEST_STATUSES = {"ERR_BAD_REQUEST", "ERR_TEXT_TOO_LONG", "ERR_UNPROCESSABLE_TEXT"}
# Percent-encoded length of one piece of text in the query string: well under the request
# line limits of common servers and proxies (gunicorn 4094, nginx 8k).
MAX_ENCODED = 3000

_GOOGLE_CODES = {"zh": "zh-CN", "he": "iw"}
_MYMEMORY_CODES = {"en": "en-CA", "fr": "fr-CA", "es": "es-MX", "pt": "pt-BR", "zh": "zh-CN"}


def is_caller_error(error: BaseException) -> bool:
    """Did the call fail for this request only (the provider itself is fine)?"""
    if isinstance(error, (*CALLER_ERRORS, UnsupportedLanguageError)):
        return True
    return isinstance(error, ServerException) and bool(
        error.args and error.args[0] in _REQUEST_STATUSES
    )


class UnsupportedLanguageError(ValueError):
    """The provider has no code for this language."""


@dataclass(frozen=True)
class Provider:
    """How to translate one piece of text, and how long a piece may be."""

    name: str
    max_chars: int
    translate: Callable[[str, str, str], str]  # (text, source, target) -> translation
    max_encoded: int = MAX_ENCODED


def make_provider(name: str, url: str = "", api_key: str = "") -> Provider | None:
    """The provider called `name` (None for ``none``); ValueError for a bad configuration."""
    if name == "none":
        return None
    if name == "libre":
        if not url:
            raise ValueError("translation provider 'libre' needs TIPLINE_TRANSLATION_URL")
        return Provider("libre", 2000, _libre(url if url.endswith("/") else url + "/", api_key))
    if name == "google":
        return Provider("google", 4999, _google)
    if name == "mymemory":
        return Provider("mymemory", 499, _mymemory)
    raise ValueError(f"unknown translation provider {name!r}; expected one of {PROVIDERS}")


def _libre(url: str, api_key: str) -> Callable[[str, str, str], str]:
    def translate(text: str, source: str, target: str) -> str:
        # deep-translator checks codes against a stale list of 17 languages; the server
        # decides what it supports, so the codes go through the (unchecked) setters.
        translator = LibreTranslator(
            source="en", target="es", api_key=api_key or "unused", use_free_api=False,
            custom_url=url,
        )
        translator.source, translator.target = source, target
        return translator.translate(text)

    return translate


def _google(text: str, source: str, target: str) -> str:
    return GoogleTranslator(
        source=_code(source, _GOOGLE_CODES, GOOGLE_LANGUAGES_TO_CODES),
        target=_code(target, _GOOGLE_CODES, GOOGLE_LANGUAGES_TO_CODES),
    ).translate(text)


def _mymemory(text: str, source: str, target: str) -> str:
    return MyMemoryTranslator(
        source=_code(source, _MYMEMORY_CODES, MY_MEMORY_LANGUAGES_TO_CODES),
        target=_code(target, _MYMEMORY_CODES, MY_MEMORY_LANGUAGES_TO_CODES),
    ).translate(text)


def _code(code: str, preferred: dict[str, str], known: dict[str, str]) -> str:
    """The provider's code for an ISO 639-1 code (regional variant for MyMemory)."""
    codes = set(known.values())
    if code in preferred and preferred[code] in codes:
        return preferred[code]
    if code in codes:
        return code
    for candidate in known.values():
        if candidate.split("-")[0] == code:
            return candidate
    raise UnsupportedLanguageError(code)
