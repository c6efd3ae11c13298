"""What every channel shares, fuzzed: text made storable (bot/inbox/text.py), the size limit at
admission (bot/inbox/limits.py) and one log line per record (bot/logging_safe.py)."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from functools import reduce
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from bot.inbox import store
from bot.inbox.limits import admit, channel_limits
from bot.inbox.text import MAX_DEPTH, REPLACEMENT, clean, clean_value, is_clean
from bot.logging_safe import make_safe
from bot.settings import get_settings
from tests.unit.fuzz.strategies import around, fewer, hostile_text, json_like, short_text, weighted

UNSTORABLE = {"\x00"} | {chr(c) for c in range(0xD800, 0xE000)}


@given(hostile_text)
@example("a\ud800b\udfff\x00\ud83d\ude80")
def test_clean_text_is_storable_and_as_long_as_the_original(text: str) -> None:
    cleaned = clean(text)
    cleaned.encode("utf-8")  # a UTF-8 database, log or HTTP body can hold it
    assert is_clean(cleaned) and clean(cleaned) == cleaned
    assert len(cleaned) == len(text)  # one for one: nothing cut, nothing added
    for before, after in zip(text, cleaned, strict=True):
        assert after == (REPLACEMENT if before in UNSTORABLE else before)


def _strings(value: Any, depth: int = 0) -> list:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v, depth + 1))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v, depth + 1)]
    return []


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


nested = st.recursive(json_like, lambda inner: st.one_of(
    st.lists(inner, max_size=2), st.dictionaries(short_text, inner, max_size=2)), max_leaves=40)


@given(nested)
@example({"k\ud800": ["x\ud83d", 1, None, {"n": "\x00"}]})
@example(reduce(lambda inner, _: {"a": [inner]}, range(20), "x\ud800"))
def test_clean_metadata_holds_only_storable_strings_and_is_bounded(value: Any) -> None:
    cleaned = clean_value(value)
    assert all(is_clean(s) for s in _strings(cleaned))
    json.dumps(cleaned, ensure_ascii=False).encode("utf-8")
    assert _depth(cleaned) <= MAX_DEPTH


@fewer(2)
@given(st.sampled_from(["webchat", "rest"]),
       weighted((1, hostile_text), (2, around(4000)), (2, around(16000))))
@example("webchat", "\ud800" * 4001)
@example("rest", "\x00" * 16000)
def test_a_message_is_stored_whole_up_to_its_channels_limit_and_refused_beyond(
        inbox_database: dict, channel: str, text: str) -> None:
    limits = channel_limits(channel, get_settings().inbox)
    sender = uuid.uuid4().hex
    admission = admit(channel, sender, text, limits, meta={"language": "fr\x00"})
    if len(text) > limits.max_chars:
        assert admission.outcome == "too_long" and not admission.stored
        assert store.next_pending(channel, sender) is None  # nothing of it was kept
        return
    assert admission.outcome == "received" and admission.stored
    pending = store.get(admission.message_id)
    assert pending is not None and pending.text == clean(text) and len(pending.text) == len(text)
    assert pending.meta == {"language": f"fr{REPLACEMENT}"}


numbers = st.tuples(st.integers(201, 989), st.integers(0, 9999)).map(
    lambda parts: f"+1{parts[0]}555{parts[1]:04d}")


def _formatted(record: logging.LogRecord) -> str:
    return logging.Formatter("%(levelname)s %(name)s %(message)s %(extra_field)s"
                             ).format(make_safe(record))


@given(hostile_text, hostile_text, numbers, st.booleans())
@example("MessageSid %s", "SM1\r\nERROR forged\u2028\x85line", "+15145550123", True)
def test_a_log_record_of_hostile_values_is_one_line_without_phone_numbers(
        template: str, value: str, number: str, failing: bool) -> None:
    exc_info = None
    if failing:
        try:
            raise ValueError(f"bad {value}\nnext line")
        except ValueError:
            exc_info = sys.exc_info()
    record = logging.LogRecord("bot.fuzz", logging.WARNING, __file__, 1,
                               template.replace("%", "%%") + " %s %s", (value, f" {number} "),
                               exc_info)
    record.extra_field = value  # an ``extra=`` field
    lines = _formatted(record).split("\n")
    head, traceback = lines[0], lines[1:]
    assert len(head.splitlines()) == 1  # the record's own line: nothing breaks it
    assert all(line.startswith("    ") and len(line.splitlines()) == 1 for line in traceback)
    assert number not in "\n".join(lines) and number[2:] not in "\n".join(lines)
