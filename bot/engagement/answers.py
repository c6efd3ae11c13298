"""Reading a short answer: a digit 1-5 in any script, with an optional comment after it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

# one decimal digit of any script (ASCII, Arabic-Indic, Persian, Devanagari, Gurmukhi,
# full-width...), not followed by another digit, then separators, then an optional comment
_ANSWER = re.compile(r"^\s*(\d)(?!\d)[\s.,:;!?/)\-–—、。،]*(.*)$", re.DOTALL)
MAX_COMMENT_WORDS = 60


@dataclass(frozen=True)
class Numbered:
    """A numbered answer: its value and what followed it."""

    number: int
    comment: str


def numbered(text: Optional[str], highest: int = 5) -> Optional[Numbered]:
    """``text`` read as "<n> [comment]" with 1 <= n <= ``highest``; None if it is not one."""
    match = _ANSWER.match(text or "")
    if not match:
        return None
    number = unicodedata.digit(match.group(1), -1)
    comment = match.group(2).strip()
    if not 1 <= number <= highest or len(comment.split()) > MAX_COMMENT_WORDS:
        return None
    return Numbered(number, comment)


def bare_number(text: Optional[str], highest: int) -> Optional[int]:
    """A survey answer: just the number (a comment after it is not an answer)."""
    answer = numbered(text, highest)
    return answer.number if answer and not answer.comment else None
