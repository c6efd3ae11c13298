"""The SMS channel's webhook and bot-turn pipeline (``SmsGateway``), without Rasa: signed
webhooks, idempotency, fast acknowledgement, keywords, rate limit, media, retries, crash
recovery."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterator, List, Optional

import pytest
from rasa.core.channels.channel import UserMessage
from sqlalchemy import select

from bot.channels.twilio.gateway import EMPTY_TWIML, SmsGateway, WebhookResult
from bot.channels.twilio.spec import SPEC
from bot.channels.twilio.store import OutboundMessage
from bot.conversation import Turn
from bot.inbox.agent import RecordedTurn
from bot.intake import receive_tip
from bot.privacy.keys import AddressCipher, contact_hash
from bot.store.db import session_scope
from bot.store.models import Attachment, Contact, InboundMessage, Tip
from harness.fakes.twilio_api import FakeTwilioApi
from harness.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE,
    WEBHOOK_PATH,
    TwilioWebhooks,
    media_urls,
    new_sid,
    sms_environment,
)

INTERNAL_URL = "http://10.1.2.3:5005" + WEBHOOK_PATH
PUBLIC_URL = PUBLIC_BASE + WEBHOOK_PATH
NUMBER = "+15145550177"


@pytest.fixture(scope="module")
def api() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture()
def env(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory,
        api: FakeTwilioApi) -> Iterator[dict]:
    api.reset()
    with sms_environment(tmp_path, api, tmp_path_factory.getbasetemp(),
                         TIPLINE_TWILIO_RATE_LIMIT="100/minute", TIPLINE_INBOX_RETRY_BASE="0.05",
                         TIPLINE_INBOX_RETRY_MAX="0.2") as values:
        yield values
    api.reset()


class FakeBot:
    """Stands in for Rasa's agent: records turns, stores tips for texts saying "tip"."""

    def __init__(self, delay: float = 0.0, failures: int = 10**6) -> None:
        self.turns: List[UserMessage] = []
        self.delay = delay
        self.language = "en"
        self.failures = failures  # how many times "boom" fails before it works

    async def __call__(self, message: UserMessage) -> None:
        self.turns.append(message)
        if self.delay:
            await asyncio.sleep(self.delay)
        if message.text == "boom" and self.failures > 0:
            self.failures -= 1
            raise RuntimeError("the NLU exploded")
        if "tip" in (message.text or ""):
            turn = Turn(message.text, message.text, "not_needed", "en", 0.99, True,
                        "drug_smuggling", 0.9, metadata=message.metadata or {},
                        message_id=message.message_id)
            receipt = await asyncio.to_thread(receive_tip, turn, message.sender_id, SPEC.name, "en")
            await message.output_channel.send_text_message(
                message.sender_id, f"Thank you. Your tip is recorded with reference "
                                   f"{receipt.reference}.")
        else:
            await message.output_channel.send_text_message(message.sender_id, "Hello.")

    async def read_language(self, _sender: str) -> Optional[str]:
        return self.language


def make_gateway(bot: FakeBot) -> SmsGateway:
    gateway = SmsGateway()
    gateway.on_new_message = bot
    gateway.read_language = bot.read_language
    return gateway


def hooks() -> TwilioWebhooks:
    return TwilioWebhooks(INTERNAL_URL, AUTH_TOKEN, signed_url=PUBLIC_URL)


async def post(gateway: SmsGateway, params: dict, signature: Optional[str] = "sign",
               url: str = INTERNAL_URL, signed_url: Optional[str] = None) -> WebhookResult:
    if signature == "sign":
        signature = hooks().sign(params, signed_url)
    return await gateway.handle_webhook(url, params, signature)


def run(test: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(test())


def inbound_rows() -> List[InboundMessage]:
    with session_scope() as session:
        return list(session.execute(select(InboundMessage).order_by(InboundMessage.id))
                    .scalars())


def contacts() -> List[Contact]:
    with session_scope() as session:
        return list(session.execute(select(Contact)).scalars())


def tips() -> List[Tip]:
    with session_scope() as session:
        return list(session.execute(select(Tip).order_by(Tip.id)).scalars())


def database_bytes(env: dict) -> bytes:
    path = Path(env["TIPLINE_DATABASE_URL"].removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


# -- authentication -------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["forged", "unsigned", "wrong_url", "other_token", "tampered"])
def test_bad_signatures_get_403_and_nothing_is_stored(env: dict, how: str,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    bot = FakeBot()

    async def scenario() -> WebhookResult:
        gateway = make_gateway(bot)
        params = hooks().form(NUMBER, "a tip about a van")
        if how == "forged":
            result = await post(gateway, params, signature="bm90IGEgc2lnbmF0dXJl")
        elif how == "unsigned":
            result = await post(gateway, params, signature=None)
        elif how == "wrong_url":  # signed for the internal URL, not the public one
            result = await post(gateway, params, signed_url=INTERNAL_URL)
        elif how == "other_token":
            result = await post(gateway, params, signature=TwilioWebhooks(
                INTERNAL_URL, "another-token", signed_url=PUBLIC_URL).sign(params))
        else:
            signature = hooks().sign(params)
            result = await post(gateway, {**params, "Body": "changed"}, signature=signature)
        await gateway.idle()
        return result

    with caplog.at_level("WARNING"):
        result = run(scenario)
    assert result.status == 403
    assert inbound_rows() == [] and contacts() == [] and bot.turns == []
    assert any("X-Twilio-Signature" in r.getMessage() for r in caplog.records)
    assert NUMBER not in caplog.text


@pytest.mark.parametrize(("drop", "extra", "problem"), [
    ("From", {}, "missing field(s): From"),
    ("MessageSid", {}, "missing field(s): MessageSid"),
    ("Body", {}, "missing field(s): Body"),
    (None, {"NumMedia": "1"}, "missing field(s): MediaUrl0"),
    (None, {"NumMedia": "two"}, "NumMedia must be a number"),
    (None, {"NumMedia": "1", "MediaUrl0": "file:///etc/passwd"}, "must be an http(s) URL"),
    (None, {"MessageSid": "SM" + "x" * 80}, "MessageSid must be"),
])
def test_missing_or_bad_fields_get_400(env: dict, drop: Optional[str], extra: dict,
                                       problem: str) -> None:
    bot = FakeBot()

    async def scenario() -> WebhookResult:
        params = {**hooks().form(NUMBER, "hello"), **extra}
        if drop:
            params.pop(drop)
            if drop == "MessageSid":
                params.pop("SmsMessageSid"), params.pop("SmsSid")
        return await post(make_gateway(bot), params)

    result = run(scenario)
    assert result.status == 400
    assert problem in result.body
    assert inbound_rows() == [] and bot.turns == []


# -- acceptance, idempotency, no loss -------------------------------------------------------

def test_a_message_is_stored_acknowledged_then_processed(env: dict, api: FakeTwilioApi) -> None:
    bot = FakeBot()

    async def scenario() -> WebhookResult:
        gateway = make_gateway(bot)
        result = await post(gateway, hooks().form(NUMBER, "a tip: a van near Lacolle"))
        assert [r.status for r in inbound_rows()] in (["received"], ["processing"])
        await gateway.idle()
        return result

    result = run(scenario)
    assert (result.status, result.body, result.content_type) == (200, EMPTY_TWIML, "text/xml")
    key = contact_hash(NUMBER)
    [turn] = bot.turns
    assert turn.sender_id == key and turn.input_channel == SPEC.input_name
    assert NUMBER not in repr(turn.metadata)
    [row] = inbound_rows()
    assert row.status == "processed" and row.contact_hash == key
    [contact] = contacts()
    assert AddressCipher().decrypt(contact.address_encrypted) == NUMBER
    assert contact.language == "en"
    [tip] = tips()
    assert tip.conversation_id == key and tip.channel == SPEC.name
    [reply] = api.wait_for(lambda m: len(m) == 1)
    assert reply.to == NUMBER and tip.reference in reply.body
    data = database_bytes(env)
    assert NUMBER.encode() not in data and NUMBER[2:].encode() not in data


def test_replays_of_a_message_sid_create_nothing(env: dict) -> None:
    bot = FakeBot()

    async def scenario() -> List[WebhookResult]:
        gateway = make_gateway(bot)
        params = hooks().form(NUMBER, "a tip: boxes of cigarettes in a truck")
        results = list(await asyncio.gather(*(post(gateway, params) for _ in range(5))))
        await gateway.idle()
        results.append(await post(gateway, params))  # a late retry by Twilio
        await gateway.idle()
        return results

    results = run(scenario)
    assert [r.status for r in results] == [200] * 6
    assert len(inbound_rows()) == 1 and len(bot.turns) == 1 and len(tips()) == 1


def test_acknowledged_fast_even_when_the_turn_is_slow(env: dict) -> None:
    bot = FakeBot(delay=3.0)

    async def scenario() -> float:
        gateway = make_gateway(bot)
        started = time.perf_counter()
        result = await post(gateway, hooks().form(NUMBER, "a tip"))
        elapsed = time.perf_counter() - started
        assert result.status == 200
        await gateway.idle()
        return elapsed

    assert run(scenario) < 1.0
    assert inbound_rows()[0].status == "processed"


def test_a_1600_character_body_is_kept_whole(env: dict) -> None:
    bot = FakeBot()
    body = ("a tip: the white van with plate ABC 123 crossed near Lacolle at 2am. " * 30)[:1600]

    async def scenario() -> None:
        gateway = make_gateway(bot)
        assert (await post(gateway, hooks().form(NUMBER, body))).status == 200
        await gateway.idle()

    run(scenario)
    assert bot.turns[0].text == body.strip()
    assert inbound_rows()[0].text == body
    assert tips()[0].original_text == body.strip()


def test_messages_of_a_sender_are_processed_in_order(env: dict) -> None:
    bot = FakeBot(delay=0.05)
    texts = [f"message {i}" for i in range(6)]

    async def scenario() -> None:
        gateway = make_gateway(bot)
        for text in texts:
            await post(gateway, hooks().form(NUMBER, text))
        await gateway.idle()

    run(scenario)
    assert [t.text for t in bot.turns] == texts


def test_a_failing_turn_is_retried_until_it_works_and_the_tipster_told_once(
        env: dict, api: FakeTwilioApi) -> None:
    bot = FakeBot(failures=2)

    async def scenario() -> None:
        gateway = make_gateway(bot)
        await post(gateway, hooks().form(NUMBER, "boom"))
        await post(gateway, hooks().form(NUMBER, "a tip after the failure"))
        await gateway.idle()

    run(scenario)
    assert [t.text for t in bot.turns] == ["boom"] * 3 + ["a tip after the failure"]  # in order
    assert [(r.status, r.attempts) for r in inbound_rows()] == [("processed", 2),
                                                                ("processed", 0)]
    bodies = [m.body for m in api.wait_for(lambda m: len(m) == 3)]
    assert sum("shortly" in b for b in bodies) == 1  # the "delayed" reply, once
    assert bodies[1] == "Hello." and tips()[0].reference in bodies[2]


def test_a_turn_failing_every_time_is_set_aside_then_requeued(env: dict) -> None:
    import os

    os.environ["TIPLINE_INBOX_MAX_ATTEMPTS"] = "3"
    from bot.settings import get_settings

    get_settings.cache_clear()
    bot = FakeBot()

    async def scenario() -> None:
        gateway = make_gateway(bot)
        await post(gateway, hooks().form(NUMBER, "boom"))
        await post(gateway, hooks().form(NUMBER, "a tip after the failure"))
        await gateway.idle()
        assert [r.status for r in inbound_rows()] == ["failed", "processed"]
        bot.failures = 0
        restarted = make_gateway(bot)
        await restarted.recover(include_failed=True)  # at the next start
        await restarted.idle()

    try:
        run(scenario)
    finally:
        os.environ.pop("TIPLINE_INBOX_MAX_ATTEMPTS")
        get_settings.cache_clear()
    assert [t.text for t in bot.turns] == ["boom"] * 3 + ["a tip after the failure", "boom"]
    assert [r.status for r in inbound_rows()] == ["processed", "processed"]


class FakeLink:
    """Rasa's agent as the inbox reads it: SMd's turn is in the tracker already."""

    def __init__(self, recorded: dict) -> None:
        self.turns = recorded

    def ready(self) -> bool:
        return True

    async def recorded(self, _sender: str, key: str) -> Optional[RecordedTurn]:
        return self.turns.get(key)

    async def language(self, *_args: Any) -> str:
        return "en"


def test_crash_recovery_processes_what_was_left(env: dict, api: FakeTwilioApi) -> None:
    from datetime import timedelta

    from bot.store.models import utcnow

    bot = FakeBot()
    key = contact_hash(NUMBER)
    expired = utcnow() - timedelta(seconds=1)
    with session_scope() as session:
        session.add(Contact(channel=SPEC.name, contact_hash=key, opted_out=False,
                            address_encrypted=AddressCipher().encrypt(NUMBER)))
        for sid, status, text in (("SMa", "processed", "old"), ("SMb", "received", "a tip one"),
                                  ("SMc", "deferred", "two"), ("SMd", "processing", "three"),
                                  ("SMe", "processing", "four")):
            session.add(InboundMessage(channel=SPEC.name, external_id=sid, contact_hash=key,
                                       text=text, media=[], status=status,
                                       lease_until=expired if status == "processing" else None))
    with session_scope() as session:
        ids = dict(session.execute(select(InboundMessage.external_id, InboundMessage.id)).all())
    recorded = {f"inbox-{ids['SMd']}": RecordedTurn([{"text": "Three, noted."}], custom=False)}

    async def scenario() -> None:
        gateway = make_gateway(bot)
        gateway.link = FakeLink(recorded)  # type: ignore[assignment]
        try:
            await gateway.start()
            await gateway.idle()
        finally:
            await gateway.stop()

    run(scenario)
    # SMd's turn was recorded: its replies are sent, it is not run again; SMe's was not
    assert [t.text for t in bot.turns] == ["a tip one", "two", "four"]
    assert {r.external_id: r.status for r in inbound_rows()} == {
        "SMa": "processed", "SMb": "processed", "SMc": "processed", "SMd": "processed",
        "SMe": "processed"}
    assert "Three, noted." in [m.body for m in api.wait_for(lambda m: len(m) == 4)]


def test_a_body_over_the_sms_limit_is_refused_with_a_reply(env: dict, api: FakeTwilioApi) -> None:
    bot = FakeBot()

    async def scenario() -> None:
        gateway = make_gateway(bot)
        assert (await post(gateway, hooks().form(NUMBER, "a tip " + "x" * 1600))).status == 200
        await gateway.idle()

    run(scenario)
    assert bot.turns == [] and tips() == []
    [row] = inbound_rows()
    assert (row.status, row.text) == ("refused", "")  # a replay creates nothing either
    [reply] = api.wait_for(lambda m: len(m) == 1)
    assert "1600" in reply.body and "not saved" in reply.body


# -- keywords -------------------------------------------------------------------------------

def test_stop_blocks_every_later_message_until_start(env: dict, api: FakeTwilioApi) -> None:
    bot = FakeBot()

    async def scenario() -> None:
        gateway = make_gateway(bot)
        await post(gateway, hooks().form(NUMBER, "a tip: drugs in a boat"))
        await gateway.idle()
        assert len(api.messages()) == 1
        await post(gateway, hooks().form(NUMBER, "STOP"))
        await gateway.idle()
        assert "not receive any more messages" in api.messages()[-1].body
        await post(gateway, hooks().form(NUMBER, "a tip: another boat"))
        await gateway.idle()
        assert len(api.messages()) == 2  # the tip is stored, its reply is not sent
        assert len(tips()) == 2
        await post(gateway, hooks().form(NUMBER, "start"))
        await gateway.idle()
        assert "again" in api.messages()[-1].body
        await post(gateway, hooks().form(NUMBER, "hello"))
        await gateway.idle()

    run(scenario)
    bodies = [m.body for m in api.messages()]
    assert len(bodies) == 4 and bodies[-1] == "Hello."
    assert [t.text for t in bot.turns] == ["a tip: drugs in a boat", "a tip: another boat",
                                           "hello"]  # keywords never reach the bot
    with session_scope() as session:
        statuses = session.execute(select(OutboundMessage.kind, OutboundMessage.status)
                                   .order_by(OutboundMessage.id)).all()
    assert ("bot", "blocked_opted_out") in statuses


def test_help_is_answered_in_the_tipsters_language(env: dict, api: FakeTwilioApi) -> None:
    bot = FakeBot()
    bot.language = "fr"
    other = "+15145550178"

    async def scenario() -> None:
        gateway = make_gateway(bot)
        await post(gateway, hooks().form(NUMBER, "bonjour"))
        await gateway.idle()
        await post(gateway, hooks().form(NUMBER, "HELP"))
        await post(gateway, hooks().form(other, "Aide"))  # a new contact writing in French
        await post(gateway, hooks().form("+15145550179", "INFO"))  # unknown: default language
        await gateway.idle()

    run(scenario)
    by_number: dict = {}
    for message in api.messages():  # a long answer comes in several parts
        by_number[message.to] = by_number.get(message.to, "") + " " + message.body
    assert "911" in by_number[NUMBER] and "frontière" in by_number[NUMBER]
    assert "911" in by_number[other] and "frontière" in by_number[other]
    assert "911" in by_number["+15145550179"] and "border" in by_number["+15145550179"]


# -- rate limit -----------------------------------------------------------------------------

def test_rate_limit_notice_and_no_loss(env: dict, api: FakeTwilioApi, tmp_path: Path) -> None:
    import os

    os.environ["TIPLINE_TWILIO_RATE_LIMIT"] = "3 per 2 seconds"
    from bot.settings import get_settings

    get_settings.cache_clear()
    bot = FakeBot()

    async def scenario() -> None:
        gateway = make_gateway(bot)
        results = [await post(gateway, hooks().form(NUMBER, f"part {i} of my story"))
                   for i in range(6)]
        assert [r.status for r in results] == [200] * 6
        assert [r.status for r in inbound_rows()][3:] == ["deferred"] * 3
        await gateway.idle(timeout=20)

    run(scenario)
    assert [t.text for t in bot.turns] == [f"part {i} of my story" for i in range(6)]
    assert all(r.status == "processed" for r in inbound_rows())
    notices = [m for m in api.messages() if "very fast" in m.body]
    assert len(notices) == 1


# -- media ----------------------------------------------------------------------------------

def test_a_photo_alone_becomes_a_tip_then_joins_it(env: dict, api: FakeTwilioApi) -> None:
    bot = FakeBot()
    first, second = media_urls(2), media_urls(1)

    async def scenario() -> None:
        gateway = make_gateway(bot)
        await post(gateway, hooks().form(NUMBER, "", media=first))
        await gateway.idle()
        await post(gateway, hooks().form(NUMBER, "", media=second))
        await gateway.idle()

    run(scenario)
    assert bot.turns == []  # no text: no bot turn, handled by the channel
    [tip] = tips()
    assert tip.channel == SPEC.name and tip.original_text == "[media]"
    with session_scope() as session:
        stored = session.execute(select(Attachment.url, Attachment.content_type)
                                 .where(Attachment.tip_id == tip.id)).all()
    assert sorted(stored) == sorted(first + second)
    bodies = [m.body for m in api.messages()]
    assert tip.reference in bodies[0] and "recorded" in bodies[0]
    assert tip.reference in bodies[1] and "added" in bodies[1]


def test_media_beside_a_tip_are_stored_by_the_intake(env: dict) -> None:
    bot = FakeBot()
    media = media_urls(2)

    async def scenario() -> None:
        gateway = make_gateway(bot)
        await post(gateway, hooks().form(NUMBER, "a tip: photo of the truck", media=media))
        await gateway.idle()

    run(scenario)
    assert bot.turns[0].metadata["media"] == [{"url": u, "type": t} for u, t in media]
    [tip] = tips()
    with session_scope() as session:
        stored = session.execute(select(Attachment.url).where(Attachment.tip_id == tip.id)
                                 ).scalars().all()
    assert sorted(stored) == sorted(u for u, _ in media)  # once, not twice


def test_media_with_a_non_tip_text_are_not_lost(env: dict) -> None:
    bot = FakeBot()
    media = media_urls(1)

    async def scenario() -> None:
        gateway = make_gateway(bot)
        await post(gateway, hooks().form(NUMBER, "a tip: a drone at night"))
        await gateway.idle()
        await post(gateway, hooks().form(NUMBER, "look", media=media))
        await gateway.idle()

    run(scenario)
    [tip] = tips()
    with session_scope() as session:
        assert session.execute(select(Attachment.url)).scalars().all() == [media[0][0]]


def test_sid_is_unique_per_message() -> None:
    assert new_sid() != new_sid()


def test_media_bytes_are_fetched_only_when_configured(env: dict, api: FakeTwilioApi,
                                                      tmp_path: Path) -> None:
    import dataclasses

    from bot.channels.twilio.media import fetch_media, local_path
    from bot.settings import get_settings
    from harness.fakes.twilio_api import MEDIA_BYTES

    settings = get_settings().twilio
    assert settings.fetch_media is False
    url = (f"{api.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{new_sid('MM')}/Media/"
           f"{new_sid('ME')}")
    on = dataclasses.replace(settings, fetch_media=True, media_dir=tmp_path / "media")
    [path] = fetch_media([{"url": url, "type": "image/jpeg"}], on)
    assert path == local_path(url, tmp_path / "media") and path.read_bytes() == MEDIA_BYTES
    wrong = dataclasses.replace(on, auth_token="wrong", media_dir=tmp_path / "other")
    assert fetch_media([{"url": url, "type": "image/jpeg"}], wrong) == []  # 401: URL kept


def test_stop_lets_the_turn_in_progress_finish(env: dict) -> None:
    bot = FakeBot(delay=0.5)

    async def scenario() -> None:
        gateway = make_gateway(bot)
        await post(gateway, hooks().form(NUMBER, "first"))
        await post(gateway, hooks().form(NUMBER, "second"))
        await asyncio.sleep(0.1)
        await gateway.stop(grace=5)
        assert (await post(gateway, hooks().form(NUMBER, "third"))).status == 200

    run(scenario)
    assert [t.text for t in bot.turns] == ["first"]
    assert [r.status for r in inbound_rows()] == ["processed", "received", "received"]


@pytest.mark.parametrize(("url", "writers"), [
    ("sqlite:////tmp/tips.db", 1),  # one writer at a time there: one writer, batches
    ("postgresql+psycopg2://127.0.0.1:5432/test", 8),
])
def test_webhooks_are_stored_by_writers_sized_for_the_database(
        monkeypatch: pytest.MonkeyPatch, url: str, writers: int) -> None:
    from bot.channels.twilio import gateway
    from harness.env import process_env

    monkeypatch.setattr(gateway, "_writers", {})
    with process_env({"TIPLINE_DATABASE_URL": url}):
        assert gateway.accept_writers().writers == writers
