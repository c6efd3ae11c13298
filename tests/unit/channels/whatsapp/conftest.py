"""The WhatsApp channel without Rasa: a fresh SQLite tips database, the fake Twilio API
with WhatsApp, signed webhooks, a stand-in for the bot that stores every text as a tip, and
the job queue (huey) in immediate mode."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator, List, Optional

import pytest
from rasa.core.channels.channel import UserMessage
from sqlalchemy import select, update

from bot.channels.whatsapp.gateway import WhatsAppGateway
from bot.channels.whatsapp.spec import SPEC
from bot.conversation import Turn
from bot.intake import receive_tip
from bot.store.db import session_scope
from bot.store.models import InboundMessage, Tip, utcnow
from harness.fakes.twilio_whatsapp import FakeWhatsAppApi
from harness.twilio import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE, sms_environment
from harness.whatsapp import WHATSAPP_PATH, WhatsAppWebhooks, whatsapp_env

INTERNAL_URL = "http://10.1.2.3:5005" + WHATSAPP_PATH
TIPSTER = "whatsapp:+15145550188"


@pytest.fixture(scope="module")
def api() -> Iterator[FakeWhatsAppApi]:
    with FakeWhatsAppApi(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture()
def env(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory,
        api: FakeWhatsAppApi) -> Iterator[dict]:
    from bot.channels.whatsapp.sender import set_sender
    from bot.channels.whatsapp.templates import bodies

    api.reset()
    sid = "HX" + "5" * 32  # registered below, with the body the catalogue prints
    with sms_environment(tmp_path, api, tmp_path_factory.getbasetemp(),
                         **whatsapp_env(content_sids=f"investigating.es={sid}"),
                         TIPLINE_TWILIO_RATE_LIMIT="100/minute") as values:
        api.templates[sid] = bodies("es")["investigating"]
        set_sender(None)
        yield {**values, "template_sid": sid}
        set_sender(None)
    api.reset()


@pytest.fixture()
def immediate() -> Iterator[Any]:
    """bot.jobs.tasks with huey in immediate mode (in memory, in this process): a job
    scheduled for later waits on the schedule (``due``) until the test runs it."""
    from bot.jobs import tasks

    tasks.huey.immediate = True
    try:
        yield tasks
    finally:
        tasks.huey.immediate = False


def due(huey: Any) -> list:
    """Take every scheduled job off the schedule, as the consumer's scheduler does."""
    return huey.read_schedule(datetime(2100, 1, 1))


class SpanishBot:
    """Stands in for Rasa's agent: every text is a Spanish tip, answered with its reference."""

    def __init__(self) -> None:
        self.turns: List[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.turns.append(message)
        turn = Turn(message.text, None, "pending", "es", 0.99, True, "contraband", 0.9,
                    metadata=message.metadata or {}, message_id=message.message_id)
        receipt = await asyncio.to_thread(receive_tip, turn, message.sender_id, SPEC.name, "es")
        await message.output_channel.send_text_message(
            message.sender_id, f"Gracias. Su aviso quedó registrado con la referencia "
                               f"{receipt.reference}.")

    async def read_language(self, _sender: str) -> Optional[str]:
        return "es"


def hooks(api: Optional[FakeWhatsAppApi] = None) -> WhatsAppWebhooks:
    return WhatsAppWebhooks(INTERNAL_URL, api, AUTH_TOKEN,
                            signed_url=PUBLIC_BASE + WHATSAPP_PATH)


def make_gateway(bot: Any) -> WhatsAppGateway:
    gateway = WhatsAppGateway()
    gateway.on_new_message = bot
    gateway.read_language = bot.read_language
    return gateway


async def post(gateway: WhatsAppGateway, params: dict, signature: Optional[str] = "sign") -> Any:
    if signature == "sign":
        signature = hooks().sign(params)
    return await gateway.handle_webhook(INTERNAL_URL, params, signature)


async def say(gateway: WhatsAppGateway, api: FakeWhatsAppApi, body: str,
              address: str = TIPSTER) -> Any:
    """One message from the tipster's WhatsApp, its turn and replies done."""
    api.inbound(address)
    result = await post(gateway, hooks().form(address, body))
    assert await gateway.idle()
    return result


def close_window(key: str, hours: float = 25) -> None:
    """The tipster's last message ``hours`` ago (the inbox is what the window reads)."""
    with session_scope() as session:
        session.execute(update(InboundMessage).where(InboundMessage.contact_hash == key)
                        .values(received_at=utcnow() - timedelta(hours=hours)))


def close_tipster_window(api: FakeWhatsAppApi) -> None:
    """TIPSTER's last message 25 hours ago, for the tip line and for the fake Twilio."""
    from bot.channels.whatsapp.address import contact_key

    close_window(contact_key(TIPSTER))
    api.age(TIPSTER, hours=25)


def latest_tip(key: str) -> Tip:
    with session_scope() as session:
        tip = session.execute(select(Tip).where(Tip.conversation_id == key)
                              .order_by(Tip.id.desc())).scalars().first()
        session.expunge(tip)
        return tip
