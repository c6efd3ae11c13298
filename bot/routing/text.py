"""Text normalisation shared by gazetteer and lexicon matching."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """Lower-case, accents removed, anything but letters and digits turned into one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", stripped.casefold()).strip()


def contains_phrase(haystack: str, phrase: str) -> bool:
    """Whether normalised ``phrase`` occurs as whole words in normalised ``haystack``."""
    return f" {phrase} " in f" {haystack} "
