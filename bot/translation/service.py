"""Translation behind a deadline, an LRU cache and a circuit breaker; it never raises.

Tip text is sensitive: logs carry the provider, languages, lengths and status, never text
(nor exception messages, which may quote the text or the URL holding it).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from deep_translator.exceptions import ServerException

from bot.translation.breaker import CircuitBreaker
from bot.translation.cache import LRUCache
from bot.translation.providers import Provider, is_caller_error, make_provider
from bot.translation.splitting import join_translations, split_text
from bot.translation.timeouts import bounded

if TYPE_CHECKING:
    from bot.settings import TranslationSettings

logger = logging.getLogger(__name__)

UNDETERMINED = "und"
Status = Literal["not_needed", "done", "failed"]


@dataclass(frozen=True)
class TranslationResult:
    """The translation (None when it failed), its status and the provider asked."""

    text: str | None
    status: Status
    provider: str


class _ExpiredError(Exception):
    """The deadline passed before a queued piece was sent."""


class TranslationService:
    """Translates with one configured provider; safe to share between threads."""

    def __init__(
        self,
        provider: str = "none",
        url: str = "",
        api_key: str = "",
        timeout: float = 3.0,
        breaker_cooldown: float = 30.0,
        cache_size: int = 1024,
        workers: int = 4,
    ) -> None:
        self.provider_name = provider
        self.timeout = timeout
        self._provider: Provider | None = make_provider(provider, url, api_key)
        self.breaker = CircuitBreaker(breaker_cooldown)
        self._cache: LRUCache[str] = LRUCache(cache_size)
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: TranslationSettings) -> TranslationService:
        """A service configured from `bot.settings.TranslationSettings`."""
        return cls(
            provider=settings.provider,
            url=settings.url,
            api_key=settings.api_key,
            timeout=settings.timeout,
            breaker_cooldown=settings.breaker_cooldown,
        )

    def translate(self, text: str | None, source: str, target: str) -> TranslationResult:
        """`text` from `source` to `target` (ISO 639-1); failures give status ``failed``."""
        started = time.monotonic()
        source, target = _base(source), _base(target)
        if not text or not text.strip() or source == target:
            return TranslationResult(text, "not_needed", self.provider_name)
        try:
            return self._translate(text, source, target, started)
        except Exception as error:  # never raise to the caller
            return self._failed(text, source, target, started, type(error).__name__)

    def close(self) -> None:
        """Stop the worker threads (waiting for none)."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None

    def _translate(self, text: str, source: str, target: str, started: float) -> TranslationResult:
        provider = self._provider
        if provider is None:
            return self._failed(text, source, target, started, "disabled", False, logging.DEBUG)
        if UNDETERMINED in (source, target) or not (source.isalpha() and target.isalpha()):
            return self._failed(text, source, target, started, "undetermined language", False)
        key = (provider.name, source, target, text)
        cached = self._cache.get(key)
        if cached is not None:
            self._log("done (cached)", text, source, target, started)
            return TranslationResult(cached, "done", provider.name)
        if not self.breaker.allow():
            return self._failed(text, source, target, started, "breaker open", False, logging.INFO)
        deadline = started + self.timeout
        pieces = split_text(text.strip(), provider.max_chars, provider.max_encoded)
        translations = []
        for piece in pieces:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return self._failed(text, source, target, started, "timeout")
            future = self._pool_instance().submit(
                _call, provider, piece.strip(), source, target, deadline
            )
            try:
                translated = future.result(timeout=remaining)
            except FutureTimeout:
                future.cancel()
                return self._failed(text, source, target, started, "timeout")
            except Exception as error:
                if not is_caller_error(error):
                    return self._failed(text, source, target, started, type(error).__name__)
                if isinstance(error, ServerException):
                    self.breaker.success()  # the provider answered: it is up
                return self._failed(text, source, target, started, type(error).__name__, False)
            if not isinstance(translated, str) or not translated.strip():
                return self._failed(text, source, target, started, "empty translation")
            translations.append(translated)
        self.breaker.success()
        result = join_translations(pieces, translations)
        self._cache.put(key, result)
        self._log("done", text, source, target, started, pieces=len(pieces), out=len(result))
        return TranslationResult(result, "done", provider.name)

    def _failed(
        self,
        text: str,
        source: str,
        target: str,
        started: float,
        reason: str,
        trip: bool = True,
        level: int = logging.WARNING,
    ) -> TranslationResult:
        if trip:
            self.breaker.failure()
        self._log("failed", text, source, target, started, level, reason=reason)
        return TranslationResult(None, "failed", self.provider_name)

    def _log(
        self,
        status: str,
        text: str,
        source: str,
        target: str,
        started: float,
        level: int = logging.DEBUG,
        **extra: object,
    ) -> None:
        details = " ".join(f"{name}={value}" for name, value in extra.items())
        logger.log(
            level,
            "translation %s provider=%s source=%s target=%s chars=%d ms=%d %s",
            status, self.provider_name, source, target, len(text),
            (time.monotonic() - started) * 1000, details,
        )

    def _pool_instance(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="translation")
            return self._pool


def _call(provider: Provider, text: str, source: str, target: str, deadline: float) -> str:
    """Runs on a worker thread: one provider request, bounded by what is left of the time."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _ExpiredError()
    with bounded(remaining):
        return provider.translate(text, source, target)


def _base(code: str | None) -> str:
    """``pt-BR`` → ``pt``; None → ``""``."""
    return (code or "").strip().lower().replace("_", "-").split("-")[0]
