"""Unicode-aware text normalisation and phrase matching shared by gazetteer and lexicon matching."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterator

# Folded before anything else: Latin letters whose stroke is no combining mark (Polish ł,
# Vietnamese đ, ...), Russian ё written е, and the Arabic-script letters that Arabic, Persian
# and Urdu keyboards type differently (ی ى → ي, ک → ك) so their spellings meet. Tatweel,
# zero-width joiner and soft hyphen join letters and are removed.
_FOLD = str.maketrans({
    "ł": "l", "đ": "d", "ø": "o", "ħ": "h", "ŧ": "t", "æ": "ae", "œ": "oe",
    "ё": "е",
    "ی": "ي", "ى": "ي", "ک": "ك",
    "ـ": None, "\u200d": None, "\u00ad": None,
})

# Scripts written without spaces between words (Han, kana): a phrase containing one of these is
# found anywhere in the text. Hangul puts particles after a noun ("디트로이트에서"): a phrase with
# Hangul is found at the start of a word. Any other phrase is found as whole words.
_INFIX = re.compile(r"[\u3005\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                    r"\U00020000-\U0003134f]")
_PREFIX = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
# Katakana writes loanwords and foreign names; a name in katakana is a katakana word of its own,
# not part of a longer one (サリー, Surrey, is not the end of アクセサリー, accessory).
_KATAKANA = re.compile(r"[\u30a0-\u30ff\u31f0-\u31ff]")


def _drop_mark(mark: str, base: str) -> bool:
    """A combining mark is dropped after a Latin letter (accents) and as Arabic harakat."""
    return (unicodedata.name(base, "").startswith("LATIN")
            or "\u064b" <= mark <= "\u065f" or mark == "\u0670")


def normalise(text: str) -> str:
    """Casefolded, Latin accents and Arabic harakat removed, letters and digits of every script
    kept (with the vowel signs of Indic scripts), anything else turned into one space."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_FOLD)
    out: list[str] = []
    base = " "  # the last letter or digit kept, " " after a space
    for ch in unicodedata.normalize("NFKD", folded):
        if unicodedata.category(ch).startswith("M"):
            if base != " " and not _drop_mark(ch, base):
                out.append(ch)
        elif ch.isalnum():
            out.append(ch)
            base = ch
        elif base != " ":
            out.append(" ")
            base = " "
    return unicodedata.normalize("NFC", "".join(out)).strip()


def match_mode(phrase: str) -> str:
    """How a normalised phrase is matched: "infix" (Han, kana), "prefix" (Hangul) or "word"."""
    if _INFIX.search(phrase):
        return "infix"
    return "prefix" if _PREFIX.search(phrase) else "word"


def _inside_katakana_word(haystack: str, start: int, end: int) -> bool:
    """Whether a match that starts (ends) with katakana continues a katakana word."""
    return bool((start > 0 and _KATAKANA.match(haystack[start])
                 and _KATAKANA.match(haystack[start - 1]))
                or (end < len(haystack) and _KATAKANA.match(haystack[end - 1])
                    and _KATAKANA.match(haystack[end])))


def phrase_starts(haystack: str, phrase: str, kana_words: bool = False) -> Iterator[int]:
    """Offsets in normalised ``haystack`` where normalised ``phrase`` matches (see match_mode).
    With ``kana_words`` (place names), an infix phrase is not found inside a katakana word."""
    if not phrase:
        return
    mode = match_mode(phrase)
    pos = haystack.find(phrase)
    while pos >= 0:
        end = pos + len(phrase)
        if mode == "infix":
            if not (kana_words and _inside_katakana_word(haystack, pos, end)):
                yield pos
        elif ((pos == 0 or haystack[pos - 1] == " ")
              and (mode == "prefix" or end == len(haystack) or haystack[end] == " ")):
            yield pos
        pos = haystack.find(phrase, pos + 1)


def contains_phrase(haystack: str, phrase: str) -> bool:
    """Whether normalised ``phrase`` occurs in normalised ``haystack`` (see match_mode)."""
    return next(phrase_starts(haystack, phrase), None) is not None
