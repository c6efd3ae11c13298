"""Splitting long texts into pieces a provider accepts, and joining the translations.

Libre, Google and MyMemory send the text in the query string: a piece must stay under the
provider's character limit and its percent-encoded length under a URL budget. Pieces end
at sentence boundaries when possible, then at word boundaries, then anywhere.
"""

from __future__ import annotations

import re
from urllib.parse import quote_plus

_SENTENCE_END = re.compile(r"[.!?…。！？؟]+[\"'”’)\]]*\s*|\n\s*")
_WORD = re.compile(r"\S+\s*")


def _cost(char: str) -> int:
    return len(quote_plus(char))


def split_text(text: str, max_chars: int, max_encoded: int) -> list[str]:
    """Pieces of `text` (each keeping its trailing whitespace) within both limits."""
    pieces: list[str] = []
    current, chars, encoded = "", 0, 0
    for unit in _units(text, max_chars, max_encoded):
        size, cost = len(unit.rstrip()), sum(_cost(c) for c in unit.rstrip())
        if current and (chars + size > max_chars or encoded + cost > max_encoded):
            pieces.append(current)
            current, chars, encoded = "", 0, 0
        # counted as they come (recounting the piece for each unit made long texts quadratic);
        # the piece's trailing whitespace counts too, which only errs on the safe side
        current += unit
        chars, encoded = len(current.rstrip()), encoded + sum(_cost(c) for c in unit)
    if current.strip():
        pieces.append(current)
    return pieces


def join_translations(pieces: list[str], translations: list[str]) -> str:
    """Join translated pieces with the kind of whitespace that followed each original."""
    out = []
    for piece, translation in zip(pieces, translations, strict=True):
        trailing = piece[len(piece.rstrip()):]
        out.append(translation.strip())
        out.append("\n" if "\n" in trailing else " " if trailing else "")
    return "".join(out).strip()


def _units(text: str, max_chars: int, max_encoded: int) -> list[str]:
    """Sentences, or words of a sentence too long, or slices of a word too long."""
    units: list[str] = []
    for sentence in _split_after(_SENTENCE_END, text):
        if _fits(sentence, max_chars, max_encoded):
            units.append(sentence)
            continue
        for word in _WORD.findall(sentence) or [sentence]:
            if _fits(word, max_chars, max_encoded):
                units.append(word)
            else:
                units.extend(_slices(word, max_chars, max_encoded))
    return units


def _split_after(pattern: re.Pattern[str], text: str) -> list[str]:
    parts, start = [], 0
    for match in pattern.finditer(text):
        if match.end() > start:
            parts.append(text[start : match.end()])
            start = match.end()
    if start < len(text):
        parts.append(text[start:])
    return parts


def _fits(unit: str, max_chars: int, max_encoded: int) -> bool:
    body = unit.rstrip()
    return len(body) <= max_chars and sum(_cost(c) for c in body) <= max_encoded


def _slices(word: str, max_chars: int, max_encoded: int) -> list[str]:
    slices, current, encoded = [], "", 0
    for char in word:
        cost = _cost(char)
        if current and (len(current) + 1 > max_chars or encoded + cost > max_encoded):
            slices.append(current)
            current, encoded = "", 0
        current += char
        encoded += cost
    if current:
        slices.append(current)
    return slices
