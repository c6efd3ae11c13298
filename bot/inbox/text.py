"""The one place where inbound text is made storable: lone surrogates and NUL become U+FFFD.

A JSON body may carry ``"\\ud800"``: Python decodes it to a lone surrogate, which no UTF-8
database, log file or HTTP body can hold (``UnicodeEncodeError`` far from the channel,
and the tip was lost). PostgreSQL text cannot hold NUL either. Every channel stores its
messages through ``bot.inbox.store.insert``, which calls ``clean``: each such code point
becomes U+FFFD (the replacement character), everything else is kept as written (other
control characters, emoji, right-to-left marks: escaped where shown, not here).
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MAX_DEPTH = 8


def clean(text: str) -> str:
    """``text`` with lone surrogates and NUL replaced by U+FFFD (one for one)."""
    return _UNSTORABLE.sub(REPLACEMENT, text)


def clean_value(value: Any, depth: int = 0) -> Any:
    """A JSON-like value (metadata) with every string in it cleaned; keys too."""
    if isinstance(value, str):
        return clean(value)
    if depth >= MAX_DEPTH:
        return None
    if isinstance(value, dict):
        return {clean(str(k)): clean_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_value(v, depth + 1) for v in value]
    return value


def is_clean(text: str) -> bool:
    """True when ``text`` needs no replacement."""
    return _UNSTORABLE.search(text) is None
