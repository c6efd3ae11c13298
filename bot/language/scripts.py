"""Writing systems: which script a character belongs to and which languages use it.

Only the scripts of languages that both detectors (langdetect and lingua) know are listed.
A script used by a single configured language decides that language outright.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections import Counter

# (first code point, last code point, script), sorted by first code point.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x005A, "Latin"),
    (0x0061, 0x007A, "Latin"),
    (0x00AA, 0x00AA, "Latin"),
    (0x00BA, 0x00BA, "Latin"),
    (0x00C0, 0x024F, "Latin"),
    (0x0250, 0x02AF, "Latin"),
    (0x0370, 0x03FF, "Greek"),
    (0x0400, 0x052F, "Cyrillic"),
    (0x0590, 0x05FF, "Hebrew"),
    (0x0600, 0x06FF, "Arabic"),
    (0x0750, 0x077F, "Arabic"),
    (0x08A0, 0x08FF, "Arabic"),
    (0x0900, 0x097F, "Devanagari"),
    (0x0980, 0x09FF, "Bengali"),
    (0x0A00, 0x0A7F, "Gurmukhi"),
    (0x0A80, 0x0AFF, "Gujarati"),
    (0x0B80, 0x0BFF, "Tamil"),
    (0x0C00, 0x0C7F, "Telugu"),
    (0x0E00, 0x0E7F, "Thai"),
    (0x1100, 0x11FF, "Hangul"),
    (0x1C80, 0x1C8F, "Cyrillic"),
    (0x1E00, 0x1EFF, "Latin"),
    (0x1F00, 0x1FFF, "Greek"),
    (0x2DE0, 0x2DFF, "Cyrillic"),
    (0x3005, 0x3007, "Han"),
    (0x3040, 0x30FF, "Kana"),
    (0x3130, 0x318F, "Hangul"),
    (0x31F0, 0x31FF, "Kana"),
    (0x3400, 0x4DBF, "Han"),
    (0x4E00, 0x9FFF, "Han"),
    (0xA640, 0xA69F, "Cyrillic"),
    (0xAC00, 0xD7AF, "Hangul"),
    (0xF900, 0xFAFF, "Han"),
    (0xFB1D, 0xFB4F, "Hebrew"),
    (0xFB50, 0xFDFF, "Arabic"),
    (0xFE70, 0xFEFF, "Arabic"),
    (0xFF21, 0xFF3A, "Latin"),
    (0xFF41, 0xFF5A, "Latin"),
    (0xFF66, 0xFF9F, "Kana"),
    (0x20000, 0x2FA1F, "Han"),
)
_STARTS = [start for start, _, _ in _RANGES]

# One character of these scripts carries about as much as three Latin letters.
SCRIPT_WEIGHT: dict[str, int] = {"Han": 3, "Kana": 3, "Hangul": 3}

# Languages known to both langdetect 1.0.9 and lingua 2.1, with the scripts they are
# written in. Japanese mixes kana and kanji: a text with kana is Japanese.
LANGUAGE_SCRIPTS: dict[str, frozenset[str]] = {
    **{
        code: frozenset({"Latin"})
        for code in (
            *("af", "ca", "cs", "cy", "da", "de", "en", "es", "et", "fi", "fr", "hr", "hu"),
            *("id", "it", "lt", "lv", "nl", "pl", "pt", "ro", "sk", "sl", "so", "sq", "sv"),
            *("sw", "tl", "tr", "vi"),
        )
    },
    **{code: frozenset({"Cyrillic"}) for code in ("bg", "mk", "ru", "uk")},
    **{code: frozenset({"Arabic"}) for code in ("ar", "fa", "ur")},
    **{code: frozenset({"Devanagari"}) for code in ("hi", "mr")},
    "bn": frozenset({"Bengali"}),
    "el": frozenset({"Greek"}),
    "gu": frozenset({"Gujarati"}),
    "he": frozenset({"Hebrew"}),
    "ja": frozenset({"Kana", "Han"}),
    "ko": frozenset({"Hangul"}),
    "pa": frozenset({"Gurmukhi"}),
    "ta": frozenset({"Tamil"}),
    "te": frozenset({"Telugu"}),
    "th": frozenset({"Thai"}),
    "zh": frozenset({"Han"}),
}
SUPPORTED_LANGUAGES: frozenset[str] = frozenset(LANGUAGE_SCRIPTS)


def script_of(char: str) -> str | None:
    """The script of a letter or combining mark, ``"Other"`` if unlisted, None otherwise."""
    if unicodedata.category(char)[0] not in "LM":
        return None
    point = ord(char)
    index = bisect_right(_STARTS, point) - 1
    if index >= 0 and point <= _RANGES[index][1]:
        return _RANGES[index][2]
    return "Other"


def script_counts(text: str) -> Counter[str]:
    """Letters per script, weighted by `SCRIPT_WEIGHT`; Han counts as Kana in Japanese text.

    Text with at least one kana per ten CJK characters is Japanese: its kanji are counted
    as kana so that the two do not split the vote.
    """
    counts: Counter[str] = Counter()
    for char in text:
        script = script_of(char)
        if script is not None:
            counts[script] += 1
    if counts["Kana"] and counts["Kana"] * 10 >= counts["Kana"] + counts["Han"]:
        counts["Kana"] += counts.pop("Han", 0)
    for script, weight in SCRIPT_WEIGHT.items():
        if counts[script]:
            counts[script] *= weight
    return +counts


def keep_script(text: str, script: str) -> str:
    """The text with letters of other scripts blanked out (digits and punctuation kept)."""
    kept = []
    for char in text:
        found = script_of(char)
        same = found is None or found == script or (script == "Kana" and found == "Han")
        kept.append(char if same else " ")
    return " ".join("".join(kept).split())
