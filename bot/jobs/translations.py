"""Translation retries: fill in the English text of tips whose translation failed."""

from __future__ import annotations

import logging
from typing import Dict

from sqlalchemy import select

from bot.settings import get_settings

log = logging.getLogger(__name__)


def retry_failed_translations(limit: int = 200) -> Dict[str, int]:
    """Translate up to ``limit`` tips with ``translation_status = 'failed'`` (oldest first).

    Returns ``{"translated": n, "still_failed": m}``; each success is audited. The provider
    is called outside any transaction (a slow provider never holds a database lock), and a
    result is written only if the tip is still waiting for it.
    """
    from bot.store.db import session_scope
    from bot.store.models import Tip
    from bot.store.tips import audit
    from bot.translation import TranslationService

    with session_scope() as session:
        pending = session.execute(
            select(Tip.id, Tip.original_text, Tip.language)
            .where(Tip.translation_status == "failed").order_by(Tip.id).limit(limit)
        ).all()
    service = TranslationService.from_settings(get_settings().translation)
    done = failed = 0
    try:
        for tip_id, original_text, language in pending:
            result = service.translate(original_text, language, "en")
            if result.status != "done" or not result.text:
                failed += 1
                continue
            with session_scope() as session:
                tip = session.get(Tip, tip_id)
                if tip is None or tip.translation_status != "failed":
                    continue  # translated meanwhile (another run) or gone
                tip.translated_text, tip.translation_status = result.text, "done"
                audit(session, tip, "translation-retry", "translated",
                      {"translation": "failed"}, {"translation": "done"})
                done += 1
    finally:
        service.close()
    if done or failed:
        log.info("translation retry: %d translated, %d still failed", done, failed)
    return {"translated": done, "still_failed": failed}
