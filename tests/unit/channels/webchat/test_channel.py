"""The web chat channel's adapter and sender: its SPEC's names, and officers' replies
queued for the resident's chat session on a real (SQLite) tips database."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from rasa.shared.utils.common import class_from_module_path
from sqlalchemy import select

import bot.outbound
from bot.channels.webchat.channel import WebChatChannel
from bot.channels.webchat.sender import officer_sender
from bot.channels.webchat.spec import SPEC
from bot.channels.webchat.store import PENDING, WebchatOutbox
from bot.conversation import channel_of
from bot.outbound import send_officer_reply
from bot.store.db import session_scope
from bot.store.models import Tip
from harness.env import tipline_env

SESSION_ID = "0123456789abcdef0123456789abcdef"


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[dict]:
    with tipline_env(tmp_path, TIPLINE_WEBCHAT_ORIGINS="https://www.town.example") as values:
        yield values
    bot.outbound._senders.pop(SPEC.name, None)


def test_the_channel_is_the_one_its_spec_names(env: dict) -> None:
    channel = class_from_module_path(SPEC.input_class)
    assert channel is WebChatChannel and channel.name() == SPEC.input_name
    assert channel_of(channel.name()) == SPEC.name
    instance = WebChatChannel.from_credentials({"session_persistence": "false"})
    assert instance.session_persistence is False
    assert instance.allowed_origins == ["https://www.town.example"]
    assert instance.inbox.channel == SPEC.name and instance.inbox.input_channel == SPEC.input_name
    assert bot.outbound.sender_for(SPEC.name) is officer_sender  # registered by the channel


def test_an_officers_reply_waits_in_the_outbox_for_the_chat_session(env: dict) -> None:
    bot.outbound._senders.pop(SPEC.name, None)  # any process: loaded from the SPEC
    with session_scope() as session:
        tip = Tip(reference="W3B7CH", conversation_id=SESSION_ID, channel=SPEC.name,
                  language="en", original_text="a boat at night", category="contraband",
                  queue="CBSA", entities=[])
        session.add(tip)
        session.flush()
        delivery = send_officer_reply(session, tip, "Thank you, we are looking into it.", "o1")
        tip_id = tip.id
    assert delivery.status == "queued"
    with session_scope() as session:
        [row] = session.execute(select(WebchatOutbox)).scalars().all()
        assert (row.session_id, row.tip_id, row.kind, row.status) == (
            SESSION_ID, tip_id, "officer", PENDING)
        assert "W3B7CH" in row.text and "we are looking into it" in row.text
