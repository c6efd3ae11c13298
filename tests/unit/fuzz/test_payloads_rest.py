"""The durable REST channel fed hostile request bodies: refused with a 400 naming the problem,
or stored whole (answered ``too_long`` beyond the limit), never a server error."""

from __future__ import annotations

import asyncio
import json
import uuid
from types import SimpleNamespace
from typing import Any, Dict, List, Optional, Tuple

from hypothesis import event, example, given
from hypothesis import strategies as st
from rasa.core.channels.channel import UserMessage
from sqlalchemy import func, select

from bot.channels.rest.channel import MAX_SENDER, DurableRestInput
from bot.inbox.text import clean, is_clean
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

REST_MAX_CHARS = 16000  # TIPLINE_REST_MAX_CHARS's default (docs/reliability.md)


async def _no_reply(_message: UserMessage) -> None:
    """Rasa's agent stand-in: the turn runs and says nothing."""


def post(body: bytes) -> Tuple[int, Any]:
    """``body`` POSTed to the channel (Sanic's request reduced to its body); (status, JSON)."""
    async def scenario() -> Tuple[int, Any]:
        channel = DurableRestInput()
        channel.on_new_message = _no_reply
        channel.link.bare = True  # no Rasa agent to wait for
        result = await channel.receive(SimpleNamespace(body=body))
        assert await channel.worker.idle(10)
        return result.status, json.loads(result.body)

    return asyncio.run(scenario())


def inbox(sender: Optional[str]) -> Tuple[int, List[str]]:
    """(messages in the inbox, texts of ``sender``'s messages)."""
    with session_scope() as session:
        count = session.execute(select(func.count()).select_from(InboundMessage)).scalar()
        texts = session.execute(select(InboundMessage.text).where(
            InboundMessage.channel == "rest", InboundMessage.contact_hash == (sender or "")
        ).order_by(InboundMessage.id)).scalars().all()
    return int(count or 0), list(texts)


senders = weighted((4, st.uuids().map(str)), (1, short_text), (1, wrong_type),
                   (1, st.text(min_size=MAX_SENDER, max_size=MAX_SENDER + 1)))
client_ids = weighted((4, st.uuids().map(str)), (1, short_text), (1, wrong_type),
                      (1, st.sampled_from(["a b", "x" * 65, "ok-1:2_3.4"])))
rest_messages = st.fixed_dictionaries(
    {"sender": senders, "message": weighted((2, hostile_text), (2, around(REST_MAX_CHARS)),
                                            (1, wrong_type))},
    optional={"metadata": st.one_of(json_like, st.dictionaries(short_text, json_like, max_size=3),
                                    st.just({"k": "v" * 9000})),
              "message_id": client_ids, "input_channel": short_text})
bodies = weighted((6, rest_messages.map(json_text)), (1, json_like.map(json_text)),
                  (1, nested_json(st.integers(0, 5000))), (1, hostile_text),
                  ).map(lambda text: text.encode("utf-8", "surrogatepass"))
deep_metadata = st.builds(lambda sender, nested: (
    f'{{"sender": "{sender}", "message": "m", "metadata": {{"a": {nested}}}}}'.encode()),
    st.uuids(), nested_json(st.integers(800, 1100)))
odd_bytes = st.sampled_from([b"", b"\xef\xbb\xbf{}", b"\xff\xfe{\x00}\x00", b"null"])
raw_bodies = weighted((8, bodies), (1, deep_metadata), (1, st.binary(max_size=200)),
                      (1, odd_bytes))


def _fields_of(body: bytes) -> Dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


@fewer(2)
@given(raw_bodies)
@example(b"[" * 5000)  # was RecursionError (HTTP 500), not 400
@example(json.dumps({"sender": "s", "message": "a tip \ud800\x00",
                     "metadata": {"language": "fr\udc00"}}).encode())
@example(json.dumps({"sender": str(uuid.uuid4()), "message": "é" * (REST_MAX_CHARS + 1)}).encode())
def test_a_rest_body_is_refused_with_a_reason_or_stored_whole(inbox_database: dict,
                                                              body: bytes) -> None:
    fields = _fields_of(body)
    sender, message = fields.get("sender"), fields.get("message")
    sender = sender if isinstance(sender, str) and is_clean(sender) else None  # queryable
    before, earlier = inbox(sender)
    status, answer = post(body)
    after, texts = inbox(sender)
    event(f"status {status}")
    if status == 400:  # refused: the problem is named, nothing is stored
        assert isinstance(answer["error"], str) and answer["error"] and after == before
        return
    assert status == 200 and isinstance(message, str) and isinstance(answer, list)
    assert sender and len(sender) <= MAX_SENDER and sender.isprintable()
    if len(message) > REST_MAX_CHARS:
        event("over the limit: refused")
        assert after == before and len(answer) == 1  # the too_long reply, nothing cut
        assert str(REST_MAX_CHARS) in answer[0]["text"].replace(",", "").replace(" ", "")
    elif after == before + 1:
        event("stored")
        assert texts[len(earlier):] == [clean(message)] and len(texts[-1]) == len(message)
        texts[-1].encode("utf-8")
    else:  # the client's message_id was seen before: a replay, nothing new
        assert fields.get("message_id") and after == before
