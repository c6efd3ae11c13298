"""The voice line without Rasa: this process configured, a stand-in bot, signed webhooks."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator, List, Optional
from urllib.parse import parse_qs, urlsplit

import pytest
from rasa.core.channels.channel import UserMessage
from twilio.request_validator import RequestValidator

from bot.channels.voice.calls import VoiceCalls
from bot.channels.voice.languages import get_languages, get_prompts
from bot.conversation import Turn
from bot.intake import receive_tip
from harness.twilio import AUTH_TOKEN, PUBLIC_BASE, sms_environment

NUMBER = "+15145550123"


@pytest.fixture()
def env(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with sms_environment(tmp_path, SimpleNamespace(url="http://127.0.0.1:9"),
                         tmp_path_factory.getbasetemp(), TIPLINE_VOICE_PUBLIC_URL=PUBLIC_BASE,
                         TIPLINE_VOICE_ANSWER_SECONDS="2") as values:
        get_languages.cache_clear()
        get_prompts.cache_clear()
        yield values


class Bot:
    """Stands in for Rasa: answers each message with ``replies`` after ``delay`` seconds."""

    def __init__(self, replies: List[str], delay: float = 0.0, tips: bool = False) -> None:
        self.replies, self.delay, self.tips, self.seen = replies, delay, tips, []

    async def __call__(self, message: UserMessage) -> None:
        self.seen.append((message.text, message.sender_id, message.metadata))
        await asyncio.sleep(self.delay)
        if self.tips:
            turn = Turn(message.text, message.text, "not_needed", "en", 0.99, True,
                        "human_smuggling", 0.9, metadata=message.metadata or {},
                        message_id=message.message_id)
            await asyncio.to_thread(receive_tip, turn, message.sender_id, "voice", "en")
        for text in self.replies:
            await message.output_channel.send_text_message(message.sender_id, text)


def calls_with(bot: Bot) -> VoiceCalls:
    calls = VoiceCalls()
    calls.on_new_message = bot
    calls.link.bare = True
    return calls


async def hook(calls: VoiceCalls, path: str, sid: str, signature: Optional[str] = "sign",
               **fields: str) -> Any:
    form = {"CallSid": sid, "From": NUMBER, "To": "+18005550100", "AccountSid": "AC1",
            **fields}
    url = PUBLIC_BASE + path
    if signature == "sign":
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    route = urlsplit(path).path.rsplit("/", 1)[1]
    internal = "http://10.0.0.5:5005" + path
    return await calls.handle(route, internal, {k: [v] for k, v in form.items()},
                              parse_qs(urlsplit(path).query), signature)


def twiml(result: Any) -> ET.Element:
    assert result.status == 200, result.body
    return ET.fromstring(result.body)  # noqa: S314 (our own output)


