"""The SMS segmenter, fuzzed: the parts of a reply read back as the reply, each fits one
segment (GSM-7 or UCS-2), no grapheme is ever cut, and no text makes it raise."""

from __future__ import annotations

import math
import re
from typing import List

import regex
from hypothesis import example, given
from hypothesis import strategies as st

from bot.channels.twilio.segments import (
    GSM7,
    GSM7_BASIC,
    GSM7_EXTENSION,
    LIMITS,
    UCS2,
    encoding_of,
    segment_count,
    split_message,
)
from bot.inbox.text import clean
from tests.unit.fuzz.strategies import (
    ANY_CHARACTER,
    hostile_text,
    repeated,
    text_of,
    weighted,
)

GSM_ALPHABET = "".join(sorted(GSM7_BASIC | GSM7_EXTENSION))
EMOJI = ["\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466", "\U0001f1e8\U0001f1e6",
         "\U0001f44d\U0001f3fd", "e\u0301", "\u0915\u094d\u0937", "\ufffd", "\u0600 "]

gsm_text = st.text(st.sampled_from(GSM_ALPHABET), max_size=400)
words = text_of(ANY_CHARACTER, 1, 15)
prose = st.lists(weighted((3, words), (1, st.sampled_from(EMOJI))), max_size=60).map(
    lambda items: " ".join(items))
long_words = repeated(st.sampled_from(["a", "€", "ф", *EMOJI]), 400)
replies = weighted((2, hostile_text), (2, prose), (1, gsm_text), (1, repeated(gsm_text, 8)),
                   (1, long_words))
HARD = [
    "a" + "\u0301" * 150,  # one grapheme longer than a segment (zalgo): never cut
    "x" * 153 + " " + "\U0001f1e8\U0001f1e6" * 40,
    "word \ud800 lone \udfff surrogates " * 10,  # was UnicodeEncodeError
    "€" * 81,
    " \u0301 " * 60,
]


def graphemes(text: str) -> List[str]:
    return regex.findall(r"\X", text)


def size(text: str, encoding: str) -> int:
    """Septets (GSM 03.38, extension table twice) or UTF-16 units, counted independently."""
    if encoding == GSM7:
        return sum(1 + (ch in GSM7_EXTENSION) for ch in text)
    return sum(1 + (ord(ch) > 0xFFFF) for ch in text)


def independent_count(text: str) -> int:
    """Segments by the rules of GSM 03.38 and UTF-16 (not the module's own arithmetic)."""
    gsm = all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)
    single, multi = LIMITS[GSM7 if gsm else UCS2]
    length = size(text, GSM7 if gsm else UCS2)
    return 1 if length <= single else math.ceil(length / multi)


@given(replies)
@example(HARD[0])
@example(HARD[1])
@example(HARD[2])
@example(HARD[3])
@example(HARD[4])
def test_the_parts_of_a_reply_read_back_as_the_reply(text: str) -> None:
    parts = split_message(text)
    whole = clean(text).strip()  # lone surrogates cannot be sent: U+FFFD, as when stored
    assert all(parts) and (parts or not whole)
    gaps = re.fullmatch(r"(\s*)".join(map(re.escape, parts)), whole)
    assert gaps is not None, "words lost, added or reordered"
    for before, after, gap in zip(parts, parts[1:], gaps.groups(), strict=False):
        if not gap:  # cut inside a word: between two graphemes, never inside one
            assert graphemes(before + after) == graphemes(before) + graphemes(after)


@given(replies)
@example(HARD[0])
@example(HARD[3])
def test_every_part_fits_one_segment(text: str) -> None:
    parts = split_message(text)
    whole = clean(text).strip()
    if independent_count(whole) == 1:
        assert parts == ([whole] if whole else [])
    encoding = encoding_of(whole)
    for part in parts:
        if len(graphemes(part)) == 1:  # a single grapheme longer than a segment stays whole
            continue
        assert segment_count(part) == independent_count(part) == 1, part
        if len(parts) > 1:  # one of several: within a concatenated message's segment too
            assert size(part, encoding) <= LIMITS[encoding][1]


@given(weighted((3, hostile_text), (1, gsm_text), (1, long_words)))
@example("\ud800" * 71)  # was UnicodeEncodeError
def test_segment_count_follows_gsm7_and_ucs2_and_never_raises(text: str) -> None:
    assert segment_count(text) == independent_count(text)
