"""One log record, one log line: control characters in logged text are escaped (no forged lines)."""

from __future__ import annotations

import logging
import re
from typing import Iterable

from bot.privacy.redact import redact

# C0 controls (CR, LF and tab included), DEL, C1 controls (NEL U+0085 included) and the
# Unicode line and paragraph separators, which some log viewers also break lines on.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
LOGGERS = ("rasa", "rasa_sdk", "sanic", "sanic.root", "sanic.error", "sanic.access", "bot",
           "actions")
# Attributes every LogRecord has; any other string attribute came from ``extra=``.
STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message",
                                                                                "asctime"}
MARK = "_tipline_safe"


def _code(match: re.Match) -> str:
    char = match.group()
    if char in NAMED:
        return NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def escape(text: str) -> str:
    """``text`` with every control character written as an escape (``\\n``, ``\\x1b``)."""
    return CONTROL.sub(_code, text)


def escape_block(text: str) -> str:
    """A traceback kept on several lines, each indented: no line of it starts a record."""
    lines = [escape(line) for line in text.split("\n")]
    return "\n".join("    " + line for line in lines)


def make_safe(record: logging.LogRecord) -> logging.LogRecord:
    """Escape the message (after formatting its arguments), extra fields and traceback.

    Phone numbers are redacted first (bot.privacy.redact): once escaped, a number right
    after ``\\n`` would no longer start at a word boundary.
    """
    if getattr(record, MARK, False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a malformed record stays as it is; logging reports it
        return record
    record.msg, record.args = escape(redact(message)), None
    for name, value in list(vars(record).items()):
        if name not in STANDARD and isinstance(value, str):
            setattr(record, name, escape(value))
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = escape_block(record.exc_text)
    if record.stack_info:
        record.stack_info = escape_block(record.stack_info)
    setattr(record, MARK, True)
    return record


class SafeLogFilter(logging.Filter):
    """A filter (for a handler or a logger) that makes every record it passes safe."""

    def filter(self, record: logging.LogRecord) -> bool:
        make_safe(record)
        return True


def _attach(filterers: Iterable[logging.Filterer]) -> None:
    for filterer in filterers:
        if not any(isinstance(f, SafeLogFilter) for f in filterer.filters):
            filterer.addFilter(SafeLogFilter())


def install() -> None:
    """Make every log record of this process safe, whoever configures logging later.

    The filter goes on the root logger's handlers and on the tip line's, Rasa's and
    Sanic's loggers and handlers; the record factory covers handlers added afterwards
    (Rasa and Sanic configure their own when they start).
    """
    root = logging.getLogger()
    _attach(root.handlers)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        _attach([logger, *logger.handlers])
    previous = logging.getLogRecordFactory()
    if getattr(previous, MARK, False):
        return

    def factory(*args, **kwargs):  # type: ignore[no-untyped-def]
        return make_safe(previous(*args, **kwargs))

    setattr(factory, MARK, True)
    logging.setLogRecordFactory(factory)
