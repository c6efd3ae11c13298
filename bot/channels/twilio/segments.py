"""SMS segment arithmetic: GSM-7 versus UCS-2, and splitting that never cuts a word.

A message written only with the GSM 03.38 alphabet travels as GSM-7: 160 characters in a
single segment, 153 per segment once it needs several (the rest carries the concatenation
header); the characters of the extension table (``€ [ ] { } \\ ^ ~ |`` and form feed)
cost two. Any other character (accents outside the alphabet, Arabic, Chinese, emoji...)
makes the whole message UCS-2: 70 UTF-16 code units in one segment, 67 per segment
otherwise, an emoji outside the BMP costing two units.

``split_message`` cuts a long reply into parts that each fit one segment, at whitespace;
a word longer than a segment is cut between grapheme clusters (``regex``'s ``\\X``), so
neither a surrogate pair nor an accent or emoji sequence is ever broken.
"""

from __future__ import annotations

import math
from typing import List

import regex

from bot.inbox.text import clean

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7 = "GSM-7"
UCS2 = "UCS-2"
# (characters in a single segment, characters per segment of a concatenated message)
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}

_GRAPHEME = regex.compile(r"\X")
_TOKEN = regex.compile(r"\s+|\S+")


def encoding_of(text: str) -> str:
    """GSM-7 if every character is in the GSM 03.38 alphabet, else UCS-2."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        return GSM7
    return UCS2


def cost(text: str, encoding: str) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) that ``text`` takes."""
    if encoding == GSM7:
        return sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2  # a lone surrogate: one unit


def segment_count(text: str) -> int:
    """How many segments ``text`` takes when sent as one (concatenated) message."""
    encoding = encoding_of(text)
    single, multi = LIMITS[encoding]
    length = cost(text, encoding)
    if length <= single:
        return 1
    return math.ceil(length / multi)


def split_message(text: str) -> List[str]:
    """``text`` as parts of one segment each, cut at whitespace (or between graphemes).

    A text that fits one segment is returned as it is (stripped). Otherwise every part
    fits a segment of a concatenated message (153 GSM-7 septets or 67 UCS-2 units), so
    each can be sent as its own message and still reads whole; the parts are as few as
    possible and of similar lengths (no last part of a single word). Lone surrogates (a
    provider's JSON may hold one) cannot be sent: they become U+FFFD (bot/inbox/text.py).
    """
    text = clean(text).strip()
    if not text:
        return []
    encoding = encoding_of(text)
    single, limit = LIMITS[encoding]
    if cost(text, encoding) <= single:
        return [text]
    parts = _pack(text, encoding, limit)
    # balance: the smallest width that still needs no more parts
    low, high = max(1, cost(text, encoding) // len(parts)), limit
    while low < high:
        middle = (low + high) // 2
        if len(_pack(text, encoding, middle, cut_words=False)) <= len(parts):
            high = middle
        else:
            low = middle + 1
    balanced = _pack(text, encoding, high, cut_words=False)
    return balanced if len(balanced) == len(parts) else parts


def _pack(text: str, encoding: str, limit: int, cut_words: bool = True) -> List[str]:
    """Greedy packing of words into parts of at most ``limit``.

    With ``cut_words`` false, a word longer than ``limit`` makes the packing fail (a
    sentinel list longer than any real one is returned).
    """
    parts: List[str] = []
    current = ""
    for token in _TOKEN.findall(text):
        if token.isspace():
            if current:
                current += token
            continue
        candidate = current + token
        if cost(candidate, encoding) <= limit:
            current = candidate
            continue
        if current.strip():
            parts.append(current.rstrip())
        current = ""
        if cost(token, encoding) <= limit:
            current = token
            continue
        if not cut_words:
            return [""] * (len(text) + 1)
        for piece in _cut_word(token, encoding, limit):  # a word longer than a segment
            if current:
                parts.append(current)
            current = piece
    if current.strip():
        parts.append(current.rstrip())
    return parts


def _cut_word(word: str, encoding: str, limit: int) -> List[str]:
    """A too long word in pieces of at most ``limit``, cut only between graphemes."""
    pieces: List[str] = []
    current = ""
    for grapheme in _GRAPHEME.findall(word):
        if current and cost(current + grapheme, encoding) > limit:
            pieces.append(current)
            current = ""
        current += grapheme
    if current:
        pieces.append(current)
    return pieces
