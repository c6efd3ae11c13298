"""The durable REST channel's adapter: its name and path, what a request must hold."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.utils.common import class_from_module_path

from bot.channels.rest.channel import MAX_SENDER, DurableRestInput, _fields
from bot.channels.rest.spec import SPEC
from bot.conversation import channel_of
from bot.settings import get_settings


def test_registered_under_its_own_name_on_rests_path() -> None:
    channel = class_from_module_path(SPEC.input_class)
    assert channel is DurableRestInput
    assert channel.name() == SPEC.input_name and channel_of(channel.name()) == SPEC.name
    instance = DurableRestInput.from_credentials(None)
    assert instance.url_prefix() == "rest"  # /webhooks/rest/webhook, as before
    assert instance.limits.max_chars == get_settings().inbox.rest_max_chars == 16000


def test_a_well_formed_message() -> None:
    assert _fields({"sender": "s1", "message": "a van", "metadata": {"language": "fr"},
                    "message_id": "client-1:2"}) == ("s1", "a van", {"language": "fr"},
                                                     "client-1:2", None)
    assert _fields({"sender": "s1", "message": ""})[4] is None  # blank: the bot says so


@pytest.mark.parametrize(("body", "problem"), [
    ([], "JSON object"),
    ({"message": "x"}, "sender"),
    ({"sender": "", "message": "x"}, "sender"),
    ({"sender": "s" * (MAX_SENDER + 1), "message": "x"}, "sender"),
    ({"sender": "a\ud800", "message": "x"}, "sender"),
    ({"sender": "a\nb", "message": "x"}, "sender"),
    ({"sender": "s1"}, "message must be a string"),
    ({"sender": "s1", "message": 12}, "message must be a string"),
    ({"sender": "s1", "message": "x", "metadata": "fr"}, "metadata"),
    ({"sender": "s1", "message": "x", "metadata": {"k": "v" * 9000}}, "metadata"),
    ({"sender": "s1", "message": "x", "message_id": "a b"}, "message_id"),
    ({"sender": "s1", "message": "x", "message_id": "x" * 65}, "message_id"),
])
def test_what_is_refused_with_a_400(body: Any, problem: str) -> None:
    assert problem in (_fields(body)[4] or "")
