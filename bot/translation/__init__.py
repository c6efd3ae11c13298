"""Translation through deep-translator, bounded by a timeout, a cache and a breaker."""

from __future__ import annotations

import threading

from bot.translation.service import TranslationResult, TranslationService

__all__ = ["TranslationResult", "TranslationService", "get_service"]


_service: TranslationService | None = None
_lock = threading.Lock()


def get_service() -> TranslationService:
    """The process-wide service configured from `bot.settings` (one cache, one breaker)."""
    global _service
    with _lock:
        if _service is None:
            from bot.settings import get_settings

            _service = TranslationService.from_settings(get_settings().translation)
        return _service
