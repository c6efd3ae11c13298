"""Hostile input for the fuzz tests: any Unicode (lone surrogates, controls, NUL, bidi marks,
emoji, every script), huge strings, JSON of any shape and values of the wrong type."""

from __future__ import annotations

import json
from typing import Any, Dict, Tuple

from hypothesis import settings
from hypothesis import strategies as st

from harness.twilio import TwilioWebhooks

# Characters that break parsers, logs and encoders, drawn more often than chance would.
NASTY = ("\x00\r\n\t\x0b\x0c\x1b\x7f\x85\u2028\u2029\u202e\u200b\u200d\ufeff\ufffd"
         "\U0001f6a4\U0001f1e8\U0001f1e6\u0301\u0600")
SURROGATES = st.characters(categories=["Cs"])


def weighted(*choices: Tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, drawn in proportion to its weight (``one_of`` would flatten
    nested ``one_of`` and weigh each of their branches as much as a whole strategy, and
    ``text`` would draw from the union of the alphabets by code point count: a surrogate
    would almost never come)."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


ANY_CHARACTER = weighted((6, st.characters()), (2, st.sampled_from(NASTY)), (1, SURROGATES))
# Without lone surrogates: what a UTF-8 HTTP body or a YAML file can hold.
STORABLE_CHARACTER = weighted((6, st.characters(codec="utf-8")),
                              (2, st.sampled_from(NASTY.replace("\x00", ""))))


def text_of(characters: st.SearchStrategy[str], min_size: int = 0,
            max_size: int = 40) -> st.SearchStrategy[str]:
    """Strings of ``characters`` drawn one by one (their weights kept)."""
    return st.lists(characters, min_size=min_size, max_size=max_size).map("".join)


def repeated(pieces: st.SearchStrategy[str], most: int) -> st.SearchStrategy[str]:
    """A short string repeated up to ``most`` times: huge strings, cheap to generate."""
    return st.builds(lambda piece, times: piece * times, pieces, st.integers(0, most))


def around(limit: int) -> st.SearchStrategy[str]:
    """Hostile text of a length near ``limit`` (a size limit's edges)."""
    return st.builds(lambda piece, size: (piece * size)[:size],
                     text_of(ANY_CHARACTER, 1, 3),
                     st.integers(limit - 2, limit + 2))


short_text = text_of(ANY_CHARACTER)
hostile_text = st.one_of(short_text, repeated(text_of(ANY_CHARACTER, 1, 8), 3000))
storable_text = text_of(STORABLE_CHARACTER, max_size=60)

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), short_text)
json_like = st.recursive(
    scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                     st.dictionaries(short_text, inner, max_size=4)),
    max_leaves=16)
wrong_type = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.binary(),
                       st.lists(scalars, max_size=3), st.dictionaries(short_text, scalars,
                                                                      max_size=3))


# A Twilio webhook field: hostile text, a value of the wrong type, repeated, or a tricky number.
field_value = st.one_of(hostile_text, wrong_type, st.lists(hostile_text, max_size=3),
                        st.sampled_from(["0", "1", "11", "-1", " 2 ", "\u0661", "1e3", "9" * 5000,
                                         "https://api.twilio.com/m", "javascript:alert(1)"]))
TWILIO_FIELDS = ("MessageSid", "From", "Body", "NumMedia", "MediaUrl0", "MediaContentType0",
                 "MediaUrl1", "To", "AccountSid")


@st.composite
def twilio_forms(draw: st.DrawFn) -> Dict[str, Any]:
    """A real incoming SMS's form with some fields hostile, of the wrong type, or removed."""
    form: Dict[str, Any] = dict(TwilioWebhooks("https://tips.example.org/").form(
        draw(st.sampled_from(["+15145550123", "whatsapp:+15145550123", "+1 (514) 555"])),
        draw(st.one_of(st.none(), hostile_text))))
    for name in draw(st.lists(st.sampled_from(TWILIO_FIELDS), unique=True, max_size=4)):
        if draw(st.booleans()):
            form.pop(name, None)
        else:
            form[name] = draw(field_value)
    return form


def nested_json(depth: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    """JSON text nested ``depth`` deep (arrays or objects): past Python's recursion limit too."""
    return st.builds(lambda n, array: ("[" * n + "]" * n) if array
                     else ('{"a":' * n + "1" + "}" * n), depth, st.booleans())


def json_text(value: object) -> str:
    """``value`` as JSON text the way a client may send it (lone surrogates as ``\\udXXX``)."""
    return json.dumps(value, default=repr)


def fewer(divisor: int) -> settings:
    """The loaded profile with ``max_examples`` divided (for examples that touch a database)."""
    return settings(max_examples=max(5, settings.default.max_examples // divisor))
