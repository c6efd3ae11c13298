"""The WhatsApp webhook: Twilio's signature, ``whatsapp:`` addresses kept apart from SMS,
idempotency, media, a Spanish tip stored and answered, STOP and START as for SMS."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels.twilio.store import OutboundMessage
from bot.channels.whatsapp.address import contact_key
from bot.privacy.keys import AddressCipher, contact_hash
from bot.store.db import session_scope
from bot.store.models import Attachment, Contact, InboundMessage, Tip
from harness.fakes.twilio_whatsapp import FakeWhatsAppApi
from harness.twilio import media_urls
from harness.whatsapp import PROFILE_NAME, WHATSAPP_SENDER
from tests.unit.channels.whatsapp.conftest import (
    TIPSTER,
    SpanishBot,
    hooks,
    make_gateway,
    post,
    say,
)

TEXT = "Hay cajas de cigarrillos sin declarar en un camion cerca de Blaine desde ayer"


def rows(model):  # type: ignore[no-untyped-def]
    with session_scope() as session:
        return list(session.execute(select(model)).scalars())


def test_a_spanish_tip_is_stored_on_the_whatsapp_channel_and_answered(
        env: dict, api: FakeWhatsAppApi) -> None:
    bot = SpanishBot()

    async def scenario() -> None:
        result = await say(make_gateway(bot), api, TEXT)
        assert result.status == 200 and "<Response></Response>" in result.body

    asyncio.run(scenario())
    key = contact_key(TIPSTER)
    [tip] = rows(Tip)
    assert (tip.channel, tip.conversation_id, tip.language) == ("whatsapp", key, "es")
    assert tip.original_text == TEXT
    [message] = rows(InboundMessage)
    assert (message.channel, message.status) == ("whatsapp", "processed")
    [reply] = api.messages(to=TIPSTER)
    assert reply.from_ == WHATSAPP_SENDER and tip.reference in reply.body
    assert reply.body.startswith("Gracias") and reply.error_code is None
    [record] = rows(OutboundMessage)
    assert (record.channel, record.kind, record.status) == ("whatsapp", "bot", "queued")
    assert bot.turns[0].metadata["channel"] == "whatsapp"


def test_the_same_number_on_sms_and_whatsapp_is_two_contacts(env: dict,
                                                             api: FakeWhatsAppApi) -> None:
    asyncio.run(say(make_gateway(SpanishBot()), api, TEXT))
    [contact] = rows(Contact)
    number = TIPSTER.removeprefix("whatsapp:")
    assert contact.channel == "whatsapp" and contact.contact_hash == contact_key(TIPSTER)
    assert contact.contact_hash == contact_key(number)  # with or without the prefix
    assert contact.contact_hash != contact_hash(number)  # the same number's SMS contact
    assert AddressCipher().decrypt(contact.address_encrypted) == number  # prefix on sending
    database = Path(env["TIPLINE_DATABASE_URL"].removeprefix("sqlite:///"))
    data = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    for secret in (number, number.lstrip("+"), number[-10:], PROFILE_NAME):
        assert secret.encode() not in data


@pytest.mark.parametrize("how", ["forged", "unsigned", "tampered"])
def test_bad_signatures_get_403_and_nothing_is_stored(env: dict, how: str) -> None:
    async def scenario():  # type: ignore[no-untyped-def]
        params = hooks().form(TIPSTER, TEXT)
        if how == "forged":
            return await post(make_gateway(SpanishBot()), params, signature="Zm9yZ2Vk")
        if how == "unsigned":
            return await post(make_gateway(SpanishBot()), params, signature=None)
        signature = hooks().sign(params)
        return await post(make_gateway(SpanishBot()), {**params, "From": "whatsapp:+1"},
                          signature=signature)

    assert asyncio.run(scenario()).status == 403
    assert rows(InboundMessage) == [] and rows(Contact) == []


def test_an_sms_webhook_sent_to_the_whatsapp_url_is_refused(env: dict) -> None:
    params = hooks().form("+15145550188", TEXT)
    result = asyncio.run(post(make_gateway(SpanishBot()), params))
    assert result.status == 400 and "whatsapp:" in result.body
    assert rows(InboundMessage) == []


def test_a_replayed_message_sid_is_one_message(env: dict, api: FakeWhatsAppApi) -> None:
    bot = SpanishBot()

    async def scenario() -> None:
        gateway = make_gateway(bot)
        params = hooks().form(TIPSTER, TEXT)
        for _ in range(3):
            assert (await post(gateway, params)).status == 200
        assert await gateway.idle()

    asyncio.run(scenario())
    assert len(rows(InboundMessage)) == 1 and len(bot.turns) == 1 and len(rows(Tip)) == 1


def test_media_are_attachments_of_the_tip(env: dict, api: FakeWhatsAppApi) -> None:
    photos = media_urls(2)

    async def scenario() -> None:
        gateway = make_gateway(SpanishBot())
        api.inbound(TIPSTER)
        assert (await post(gateway, hooks().form(TIPSTER, TEXT, media=photos))).status == 200
        assert await gateway.idle()

    asyncio.run(scenario())
    [tip] = rows(Tip)
    assert sorted((a.url, a.content_type) for a in rows(Attachment)) == sorted(photos)
    assert all(a.tip_id == tip.id for a in rows(Attachment))


def test_stop_opts_out_until_start_as_for_sms(env: dict, api: FakeWhatsAppApi) -> None:
    bot = SpanishBot()

    async def scenario() -> None:
        gateway = make_gateway(bot)
        await say(gateway, api, TEXT)
        await say(gateway, api, "STOP")
        await say(gateway, api, "Otra cosa: el camion es rojo")
        await say(gateway, api, "START")

    asyncio.run(scenario())
    bodies = [m.body for m in api.messages(to=TIPSTER)]
    assert len(bodies) == 3, bodies  # the tip's answer, STOP's and START's confirmations
    assert "START" in bodies[1] and "STOP" in bodies[2]
    assert len(bot.turns) == 2  # the message after STOP is still stored and read
    statuses = [r.status for r in rows(OutboundMessage)]
    assert "blocked_opted_out" in statuses
    [contact] = rows(Contact)
    assert contact.opted_out is False
