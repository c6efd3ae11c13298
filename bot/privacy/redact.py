"""Phone numbers never reach a log: every log record is redacted as it is created."""

from __future__ import annotations

import logging
import re

from bot.receipts import PATTERN as RECEIPT  # a tipster's secret receipt: 16 digits

# E.164 and North American numbers with separators: +15145550100, (514) 555-0100, 514.555.0100
PHONE = re.compile(
    r"(?<![\w])(?:\+\d{8,15}|\+?1?[\s.-]?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4})(?![\w])"
)


def _receipt(match: re.Match) -> str:
    """A receipt's digits glued to letters are part of an identifier (a Twilio MessageSid
    such as SM283f...5459606724240990 holds 16 digits in a row about once in a hundred):
    kept, or the log would lose the id that ties its lines together."""
    text, start, end = match.string, match.start(), match.end()
    glued = (start > 0 and text[start - 1].isalpha()) or (end < len(text)
                                                           and text[end].isalpha())
    return match.group() if glued else "[redacted-receipt]"


def redact(text: str) -> str:
    """``text`` with anything that looks like a receipt or a phone number replaced."""
    return PHONE.sub("[redacted-number]", RECEIPT.sub(_receipt, text))


def install() -> None:
    """Redact every LogRecord of this process at creation (any logger, any handler)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "tipline_redacting", False):
        return

    def factory(*args, **kwargs):  # type: ignore[no-untyped-def]
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record stays as it is; logging reports it
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    factory.tipline_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
