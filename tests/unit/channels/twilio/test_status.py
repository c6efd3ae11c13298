"""Twilio's status callbacks of officers' replies, on SQLite and PostgreSQL: the callback URL
asked for through the real twilio client (what the fake Messages API received), each part
tied to its officer message, signed callbacks moving a part forward and never back,
forged, unsigned and malformed ones refused with nothing stored, replays, reports out of
order, unknown MessageSids, a report that arrives before the reply is committed, retention;
the channel's route; what the console is told."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, List, Optional

import pytest
from sanic import Sanic
from sqlalchemy import delete, select
from twilio.request_validator import RequestValidator

from bot.channels.twilio.channel import TwilioTipChannel
from bot.channels.twilio.delivery import deliver_to_contact
from bot.channels.twilio.gateway import SmsGateway
from bot.channels.twilio.notes import NO_REPORTS, delivery_states
from bot.channels.twilio.reports import ReplyPart, record_parts
from bot.channels.twilio.sender import PartResult
from bot.channels.twilio.spec import SPEC
from bot.channels.twilio.status import callback_url
from bot.jobs.sms import resend_officer_reply, text_digest
from bot.outbound import send_officer_reply
from bot.privacy.keys import AddressCipher, contact_hash
from bot.store.db import session_scope
from bot.store.models import Contact, Tip, TipMessage
from harness.fakes.twilio_api import FakeTwilioApi
from harness.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE,
    TwilioWebhooks,
    new_sid,
    number_formats,
    sms_database,
    sms_environment,
)

PATH = f"/webhooks/{SPEC.input_name}/status"
INTERNAL_URL = "http://10.1.2.3:5005" + PATH
STATUS_URL = PUBLIC_BASE + PATH
NUMBER = "+15145550166"
LONG = ("Thank you for your tip. Could you describe the vehicle you saw, its colour, its "
        "make and its licence plate, and tell us at what time it crossed near the port? ") * 2


@pytest.fixture(scope="module")
def api() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory, api: FakeTwilioApi) -> Iterator[str]:
    """The SMS tip line on a fresh SQLite or PostgreSQL tips database; its dialect."""
    api.reset()
    with sms_database(request.param, tmp_path, api, tmp_path_factory.getbasetemp()) as dialect:
        yield dialect


def add_tip(number: str = NUMBER, reference: str = "K7Q2XA") -> str:
    key = contact_hash(number)
    with session_scope() as session:
        session.add(Contact(channel=SPEC.name, contact_hash=key, language="en",
                            address_encrypted=AddressCipher().encrypt(number)))
        session.add(Tip(reference=reference, conversation_id=key, channel=SPEC.name,
                        language="en", original_text="a truck", category="contraband",
                        queue="CBSA", entities=[]))
    return key


def officer_reply(text: str) -> tuple[int, str]:
    """Send an officer reply (bot.outbound, the SMS sender); (message id, delivery status)."""
    with session_scope() as session:
        tip = session.execute(select(Tip)).scalars().first()
        delivery = send_officer_reply(session, tip, text, "officer-1")
    with session_scope() as session:
        message_id = session.execute(select(TipMessage.id).where(
            TipMessage.author == "officer").order_by(TipMessage.id.desc())).scalars().first()
    return message_id, delivery.status


def parts() -> List[ReplyPart]:
    with session_scope() as session:
        rows = list(session.execute(select(ReplyPart).order_by(ReplyPart.id)).scalars())
        session.expunge_all()
        return rows


def state(message_id: int) -> Any:
    with session_scope() as session:
        return delivery_states(session, [message_id]).get(message_id)


def sign(form: dict, token: str = AUTH_TOKEN, url: str = STATUS_URL) -> str:
    return RequestValidator(token).compute_signature(url, form)


def status_form(sid: str, status: str, code: Optional[int] = None) -> dict:
    return TwilioWebhooks(INTERNAL_URL).status_form(sid, status, NUMBER, code)


async def report(gateway: SmsGateway, sid: str, status: str, code: Optional[int] = None,
                 signature: Optional[str] = "sign") -> Any:
    form = status_form(sid, status, code)
    return await gateway.status_callbacks.handle(
        INTERNAL_URL, form, sign(form) if signature == "sign" else signature)


def reports(gateway: SmsGateway, *items: tuple) -> List[int]:
    """Apply callbacks one after the other; their HTTP statuses."""
    async def run() -> List[int]:
        return [(await report(gateway, *item)).status for item in items]

    return asyncio.run(run())


# --- the callback asked for --------------------------------------------------------------

def test_callback_url_follows_the_public_url_the_signatures_rely_on() -> None:
    name = SPEC.input_name
    assert callback_url(f"https://tips.example.org/webhooks/{name}/webhook", name) == \
        f"https://tips.example.org/webhooks/{name}/status"
    assert callback_url("https://tips.example.org", name) == \
        f"https://tips.example.org/webhooks/{name}/status"
    assert callback_url("https://tips.example.org/", "tipline_whatsapp") == \
        "https://tips.example.org/webhooks/tipline_whatsapp/status"
    assert callback_url(f"https://x.org/line/webhooks/{name}/webhook/?k=1", name) == \
        f"https://x.org/line/webhooks/{name}/status?k=1"  # a proxy's prefix and query kept
    for unusable in ("", "   ", "tips.example.org", "ftp://x.org", "https://x.org/sms-in"):
        assert callback_url(unusable, name) is None, unusable


def test_each_part_of_an_officer_reply_asks_for_callbacks_and_is_tied_to_its_message(
        env: str, api: FakeTwilioApi) -> None:
    add_tip()
    message_id, status = officer_reply(LONG)
    assert status == "sent"
    sent = api.messages()
    assert len(sent) >= 2  # a reply over one segment: several Messages API calls
    assert [m.status_callback for m in sent] == [STATUS_URL] * len(sent)  # what Twilio got
    rows = parts()
    assert [r.external_id for r in rows] == [m.sid for m in sent]
    assert {(r.message_id, r.channel, r.attempt, r.parts, r.callback) for r in rows} == {
        (message_id, "sms", 1, len(sent), True)}
    assert [r.part for r in rows] == list(range(1, len(sent) + 1))
    assert {r.status for r in rows} == {"queued"} and rows[0].tip_id is not None
    stored = " ".join(repr(vars(r)) for r in rows)
    assert not any(f in stored for f in number_formats(NUMBER))  # never the number
    assert state(message_id).text == "waiting at Twilio, not yet sent"
    # the bot's own answers ask for nothing and are not officer replies
    api.reset()
    assert deliver_to_contact(contact_hash(NUMBER), "Hello.", "bot").status == "sent"
    assert api.messages()[0].status_callback is None and len(parts()) == len(rows)


def test_no_public_url_no_callback_and_the_console_says_so(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, api: FakeTwilioApi) -> None:
    api.reset()
    with sms_environment(tmp_path, api, tmp_path_factory.getbasetemp(),
                         TIPLINE_TWILIO_PUBLIC_URL=""):
        add_tip()
        message_id, _ = officer_reply("Are you safe?")
        assert api.messages()[0].status_callback is None
        [row] = parts()
        assert row.callback is False and row.external_id == api.messages()[0].sid
        assert state(message_id).text == NO_REPORTS


# --- callbacks ---------------------------------------------------------------------------

def test_signed_callbacks_move_the_reply_to_delivered(env: str, api: FakeTwilioApi) -> None:
    add_tip()
    message_id, _ = officer_reply("Can you tell us the plate?")
    [row] = parts()
    gateway = SmsGateway()
    assert reports(gateway, (row.external_id, "sent")) == [200]
    assert parts()[0].status == "sent"
    assert state(message_id).text == "sent, not yet confirmed"
    assert reports(gateway, (row.external_id, "delivered")) == [200]
    assert (parts()[0].status, parts()[0].error_code) == ("delivered", None)
    assert state(message_id).text == "delivered"


def test_forged_unsigned_and_misaddressed_callbacks_are_refused(
        env: str, api: FakeTwilioApi, caplog: pytest.LogCaptureFixture) -> None:
    add_tip()
    officer_reply("Can you tell us the plate?")
    [row] = parts()
    gateway = SmsGateway()
    form = status_form(row.external_id, "delivered")
    webhook_url = PUBLIC_BASE + f"/webhooks/{SPEC.input_name}/webhook"

    async def run() -> List[int]:
        handle = gateway.status_callbacks.handle
        return [(await handle(INTERNAL_URL, form, signature)).status for signature in (
            None, "", sign(form, token="not-the-token"), sign(form, url=webhook_url),
            sign({**form, "MessageStatus": "sent"}))]

    with caplog.at_level(logging.INFO):
        assert asyncio.run(run()) == [403] * 5
    after = parts()[0]
    assert (after.status, after.updated_at) == ("queued", row.updated_at)  # nothing stored
    assert "status callback rejected" in caplog.text
    assert not any(f in caplog.text for f in number_formats(NUMBER))


def test_malformed_callbacks_are_refused_with_400(env: str, api: FakeTwilioApi) -> None:
    add_tip()
    officer_reply("Can you tell us the plate?")
    [row] = parts()
    gateway = SmsGateway()
    good = status_form(row.external_id, "undelivered", 30003)
    bad = [{k: v for k, v in good.items() if k != "MessageStatus"},
           {k: v for k, v in good.items() if k != "MessageSid"},
           {**good, "MessageSid": "SM../../etc"}, {**good, "ErrorCode": "30003; DROP"},
           {**good, "MessageStatus": "<b>delivered</b>"}]

    async def run() -> List[tuple]:
        results = [await gateway.status_callbacks.handle(INTERNAL_URL, form, sign(form))
                   for form in bad]
        return [(r.status, r.body) for r in results]

    outcomes = asyncio.run(run())
    assert [status for status, _ in outcomes] == [400] * len(bad)
    assert outcomes[0][1] == "missing field(s): MessageStatus"
    assert parts()[0].status == "queued"


def test_out_of_order_and_replayed_callbacks_never_move_a_part_back(
        env: str, api: FakeTwilioApi) -> None:
    add_tip()
    officer_reply("Are you safe?")
    officer_reply("Where was the boat?")
    officer_reply("Thank you.")
    first, second, third = (r.external_id for r in parts())
    gateway = SmsGateway()
    assert set(reports(gateway, (first, "delivered"), (first, "sent"), (first, "sending"),
                       (first, "undelivered", 30003), (first, "delivered"))) == {200}
    assert set(reports(gateway, (second, "undelivered", 30003), (second, "sent"),
                       (second, "failed", 30005), (second, "undelivered", 30003))) == {200}
    assert set(reports(gateway, (third, "failed", 30007), (third, "delivered"))) == {200}
    rows = {r.external_id: r for r in parts()}
    assert (rows[first].status, rows[first].error_code) == ("delivered", None)
    assert (rows[second].status, rows[second].error_code) == ("undelivered", 30003)
    # a carrier that reported a failure and then the delivery did deliver
    assert (rows[third].status, rows[third].error_code) == ("delivered", None)
    before = rows[second].updated_at
    assert reports(gateway, (second, "undelivered", 30003)) == [200]  # Twilio retries
    assert parts()[1].updated_at == before  # a replay changes nothing


def test_a_multi_part_reply_is_delivered_only_when_every_part_is(
        env: str, api: FakeTwilioApi) -> None:
    add_tip()
    message_id, _ = officer_reply(LONG)
    sids = [r.external_id for r in parts()]
    count = len(sids)
    gateway = SmsGateway()
    reports(gateway, (sids[0], "delivered"), *((sid, "sent") for sid in sids[1:]))
    assert state(message_id).text == f"sent, not yet confirmed (1 of {count} parts delivered)"
    reports(gateway, (sids[1], "undelivered", 30003))
    partial = state(message_id)
    assert partial.text == (f"partly delivered: part 2 of {count} not delivered: "
                            "the phone is unreachable (30003)")
    assert (partial.level, partial.all_failed) == ("partial", False)
    reports(gateway, *((sid, "delivered") for sid in sids[2:]))
    reports(gateway, (sids[1], "delivered"))
    assert state(message_id).text == f"delivered (all {count} parts)"


def test_a_reply_whose_every_part_failed_is_flagged(env: str, api: FakeTwilioApi) -> None:
    add_tip()
    message_id, _ = officer_reply(LONG)
    gateway = SmsGateway()
    reports(gateway, *((r.external_id, "undelivered", 30003) for r in parts()))
    failed = state(message_id)
    assert failed.text == "not delivered: the phone is unreachable (30003)"
    assert (failed.level, failed.all_failed) == ("failed", True)


def test_a_callback_for_an_unknown_message_sid_is_acknowledged_and_ignored(
        env: str, api: FakeTwilioApi, caplog: pytest.LogCaptureFixture) -> None:
    gateway = SmsGateway()
    gateway.status_callbacks.unknown_waits = (0.05, 0.05)
    sid = new_sid()
    with caplog.at_level(logging.INFO, logger="bot.channels.twilio.status"):
        assert reports(gateway, (sid, "delivered"), (new_sid(), "rejoiced")) == [200, 200]
    assert parts() == []
    assert f"no officer reply part has MessageSid {sid}" in caplog.text
    assert not any(f in caplog.text for f in number_formats(NUMBER))


def test_a_report_arriving_before_the_reply_is_committed_is_applied(
        env: str, api: FakeTwilioApi) -> None:
    add_tip()
    sid = new_sid()
    gateway = SmsGateway()
    gateway.status_callbacks.unknown_waits = (0.1,) * 40

    def record_later() -> int:
        time.sleep(0.5)
        with session_scope() as session:
            tip = session.execute(select(Tip)).scalars().first()
            message = TipMessage(tip_id=tip.id, direction="out", author="officer", text="Hi")
            session.add(message)
            session.flush()
            record_parts(session, tip.id, message.id, "sms",
                         [PartResult("queued", sid=sid, segments=1)], 1, True)
            return message.id

    async def run() -> tuple:
        return await asyncio.gather(report(gateway, sid, "delivered"),
                                    asyncio.to_thread(record_later))

    result, message_id = asyncio.run(run())
    assert result.status == 200
    assert [(r.external_id, r.status) for r in parts()] == [(sid, "delivered")]
    assert state(message_id).text == "delivered"


def test_a_retried_reply_is_judged_by_its_latest_attempt(env: str, api: FakeTwilioApi) -> None:
    add_tip()
    api.set_mode("fail")  # Twilio down: every attempt of the part fails
    message_id, status = officer_reply("Are you safe?")
    api.set_mode("ok")
    assert status == "failed"
    refused = state(message_id)
    assert (refused.text, refused.all_failed) == ("not delivered: Twilio did not accept it",
                                                  True)
    assert resend_officer_reply(parts()[0].tip_id, text_digest(api_text(message_id))) == "sent"
    rows = parts()
    assert [(r.attempt, r.status, r.external_id is None) for r in rows] == [
        (1, "failed", True), (2, "queued", False)]
    assert api.messages()[0].status_callback == STATUS_URL
    assert state(message_id).text == "waiting at Twilio, not yet sent"


def api_text(message_id: int) -> str:
    with session_scope() as session:
        return session.get(TipMessage, message_id).text


def test_retention_keeps_the_delivery_record_without_its_message(
        env: str, api: FakeTwilioApi) -> None:
    add_tip()
    officer_reply("Are you safe?")
    with session_scope() as session:  # what the retention purge does to a conversation
        session.execute(delete(TipMessage))
    [row] = parts()
    assert row.message_id is None and row.external_id == api.messages()[0].sid


# --- the channel's route -----------------------------------------------------------------

@dataclass
class StubRequest:
    url: str
    body: bytes
    headers: dict
    content_type: str = "application/x-www-form-urlencoded"


def test_the_channel_serves_the_status_route_beside_the_webhook(
        env: str, api: FakeTwilioApi) -> None:
    from urllib.parse import urlencode

    add_tip()
    officer_reply("Are you safe?")
    [row] = parts()
    channel = TwilioTipChannel()
    blueprint = channel.blueprint(lambda message: None)  # type: ignore[arg-type,return-value]
    app = Sanic(f"status_route_{env}")
    app.blueprint(blueprint, url_prefix=f"/webhooks/{SPEC.input_name}")
    routes = {route.path.strip("/"): route for route in blueprint.routes}
    assert f"webhooks/{SPEC.input_name}/webhook" in routes
    handler = routes[f"webhooks/{SPEC.input_name}/status"].handler
    form = status_form(row.external_id, "delivered")
    signed = StubRequest(INTERNAL_URL, urlencode(form).encode(), {"X-Twilio-Signature": sign(form)})
    forged = StubRequest(INTERNAL_URL, urlencode(form).encode(), {})
    assert asyncio.run(handler(forged)).status == 403
    assert parts()[0].status == "queued"
    assert asyncio.run(handler(signed)).status == 200
    assert parts()[0].status == "delivered"
