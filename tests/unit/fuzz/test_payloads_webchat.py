"""Web chat payloads, fuzzed: the widget's message and ``customData`` through the channel's
real socket.io handler into the inbox, and the escaping of what goes back to the widget."""

from __future__ import annotations

import asyncio
import json
import math
import re
import uuid
from typing import Any, Dict, List, Optional, Tuple

from hypothesis import event, example, given
from hypothesis import strategies as st
from rasa.core.channels.channel import UserMessage
from sqlalchemy import select

from bot.channels.webchat.channel import WebChatChannel
from bot.channels.webchat.safety import as_plain_markdown, clean_metadata
from bot.channels.webchat.socket import json_object
from bot.channels.webchat.store import WebchatOutbox
from bot.inbox.text import clean
from bot.store.db import session_scope
from bot.store.models import InboundMessage
from tests.unit.fuzz.strategies import (
    around,
    fewer,
    hostile_text,
    json_like,
    json_text,
    nested_json,
    short_text,
    weighted,
    wrong_type,
)

WEBCHAT_MAX_CHARS = 4000  # TIPLINE_WEBCHAT_MAX_CHARS's default (docs/reliability.md)
_ACTIVE = r"\\`*{}\[\]()#+\-.!_>~|"  # what as_plain_markdown backslash-escapes
_ESCAPED = re.compile(rf"(?:&amp;|&lt;|&#58;|\\[{_ACTIVE}]|[^{_ACTIVE}&<:])*")
_DECODE = re.compile(rf"&amp;|&lt;|&#58;|\\([{_ACTIVE}])")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&#58;": ":"}


def shown(escaped: str) -> str:
    """What a Markdown renderer shows for ``escaped``: backslash escapes and entities undone."""
    return _DECODE.sub(lambda m: m.group(1) or _ENTITIES[m.group()], escaped)


@given(hostile_text)
@example("[x](javascript:alert(1)) ![i](https://evil.example/p.png) <b>&amp; \\* &#58;")
def test_a_bot_text_is_shown_exactly_as_written_and_never_as_markup(text: str) -> None:
    escaped = as_plain_markdown(text)
    # every Markdown-active character escaped, no raw '<' (HTML) or ':' (links of any scheme)
    assert _ESCAPED.fullmatch(escaped)
    assert shown(escaped) == text


coordinates = st.one_of(st.floats(), st.integers(), short_text, st.booleans(), st.none(),
                        st.sampled_from(["45.0", "1e400", "NaN", "-Infinity", " 12 "]))
custom_data = st.one_of(
    json_like, wrong_type,
    st.fixed_dictionaries({"location": st.one_of(json_like, st.fixed_dictionaries(
        {"lat": coordinates, "lon": coordinates})), "language": st.one_of(short_text, json_like)},
        optional={"device_id": short_text, "userAgent": short_text}))


@given(custom_data)
@example({"location": {"lat": "45.0", "lon": float("nan")}, "language": "FR "})
def test_only_a_valid_location_and_language_are_kept_from_custom_data(raw: Any) -> None:
    kept = clean_metadata(raw)
    assert set(kept) <= {"location", "language"}
    if "location" in kept:
        lat, lon = kept["location"]["lat"], kept["location"]["lon"]
        assert math.isfinite(lat) and abs(lat) <= 90 and math.isfinite(lon) and abs(lon) <= 180
        assert round(lat, 5) == lat and round(lon, 5) == lon
    if "language" in kept:
        assert re.fullmatch("[a-z]{2,3}", kept["language"])
    json.dumps(kept, allow_nan=False).encode("utf-8")  # storable as it is


@given(st.one_of(hostile_text, nested_json(st.integers(0, 5000)), json_like.map(json_text)))
@example("[" * 5000)  # was RecursionError
def test_custom_data_sent_as_text_is_json_or_nothing(text: str) -> None:
    value = json_object(text)
    if value is not None:
        assert json.dumps(value) == json.dumps(json.loads(text))


def _expected_meta(custom: Any) -> Optional[Dict[str, Any]]:
    parsed = custom
    if isinstance(custom, str):
        try:
            parsed = json.loads(custom)
        except (ValueError, RecursionError):
            parsed = None
    return clean_metadata(parsed) or None


async def _no_reply(_message: UserMessage) -> None:
    """Rasa's agent stand-in: the turn runs and says nothing."""


def send(data: Any) -> str:
    """``data`` as the widget's ``user_uttered`` event of a new chat session; its session id.
    The session is open on another replica: notices wait in the outbox."""
    async def scenario() -> str:
        channel = WebChatChannel()
        channel.blueprint(_no_reply)
        channel.inbox.link.bare = True  # no Rasa agent to wait for
        channel.inbox.is_open = lambda _session: False
        session_id = uuid.uuid4().hex
        channel.sessions["socket-1"] = session_id
        await channel.sio.handlers["/"]["user_uttered"]("socket-1", data)
        assert await channel.inbox.worker.idle(10)
        return session_id

    return asyncio.run(scenario())


def stored(session_id: str) -> Tuple[List[Tuple[str, Any]], List[str]]:
    """(text, meta) of the session's inbox messages, and the texts waiting in its outbox."""
    with session_scope() as session:
        inbox = session.execute(select(InboundMessage.text, InboundMessage.meta).where(
            InboundMessage.contact_hash == session_id)).all()
        outbox = session.execute(select(WebchatOutbox.text).where(
            WebchatOutbox.session_id == session_id)).scalars().all()
    return [(text, meta) for text, meta in inbox], list(outbox)


chat_messages = st.fixed_dictionaries(
    {"message": weighted((2, hostile_text), (2, around(WEBCHAT_MAX_CHARS)), (1, wrong_type))},
    optional={"customData": st.one_of(custom_data, custom_data.map(json_text),
                                      nested_json(st.integers(0, 5000)), hostile_text)})
payloads = weighted((5, chat_messages), (1, wrong_type))


@fewer(2)
@given(payloads)
@example({"message": "a tip\ud800\x00", "customData": "[" * 5000})  # was RecursionError
@example({"message": "é" * WEBCHAT_MAX_CHARS, "customData": '{"location":{"lat":45,"lon":-73}}'})
@example({"message": "\U0001f6a4" * (WEBCHAT_MAX_CHARS + 1)})
def test_a_chat_message_is_stored_whole_or_refused_with_a_notice(inbox_database: dict,
                                                                 data: Any) -> None:
    session_id = send(data)
    inbox, outbox = stored(session_id)
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, str):
        event("not text: ignored")
        assert inbox == [] and outbox == []
    elif len(message) > WEBCHAT_MAX_CHARS:
        event("over the limit: refused")
        assert inbox == [] and len(outbox) == 1  # the too_long notice, nothing cut
    else:
        event("stored")
        [(text, meta)] = inbox
        assert text == clean(message) and len(text) == len(message)
        text.encode("utf-8")
        assert meta == _expected_meta(data.get("customData"))
