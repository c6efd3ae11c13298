"""Outbound SMS with the real twilio Client against the fake Messages API: split, retried,
recorded, opt-out respected; officer replies through bot.outbound."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import select

from bot.channels.twilio.delivery import deliver_to_contact
from bot.channels.twilio.sender import TwilioSender, get_sender
from bot.channels.twilio.spec import SPEC
from bot.channels.twilio.store import OutboundMessage
from bot.outbound import Delivery, send_officer_reply
from bot.privacy.keys import AddressCipher, contact_hash
from bot.settings import get_settings
from bot.store.db import session_scope
from bot.store.models import AuditEntry, Contact, Tip, TipMessage
from harness.fakes.twilio_api import FakeTwilioApi
from harness.twilio import ACCOUNT_SID, AUTH_TOKEN, TIP_LINE_NUMBER, sms_environment

NUMBER = "+15145550142"


@pytest.fixture(scope="module")
def api() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN, hang_seconds=5) as fake:
        yield fake


@pytest.fixture()
def env(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory,
        api: FakeTwilioApi) -> Iterator[dict]:
    api.reset()
    with sms_environment(tmp_path, api, tmp_path_factory.getbasetemp()) as values:
        yield values
    api.reset()


def add_contact(number: str = NUMBER, opted_out: bool = False, forgotten: bool = False,
                language: str = "fr") -> str:
    key = contact_hash(number)
    address = None if forgotten else AddressCipher().encrypt(number)
    with session_scope() as session:
        session.add(Contact(channel=SPEC.name, contact_hash=key, opted_out=opted_out,
                            address_encrypted=address, language=language))
    return key


def add_tip(key: str, language: str = "fr", channel: str = SPEC.name) -> Tip:
    with session_scope() as session:
        tip = Tip(reference="K7Q2XA", conversation_id=key, channel=channel, language=language,
                  original_text="un camion", category="contraband", queue="CBSA",
                  entities=[])
        session.add(tip)
    return tip


def outbound() -> list[OutboundMessage]:
    with session_scope() as session:
        return list(session.execute(select(OutboundMessage).order_by(OutboundMessage.id))
                    .scalars())


def test_send_with_the_real_client(env: dict, api: FakeTwilioApi) -> None:
    result = get_sender().send_text(NUMBER, "Thank you. Your tip is recorded.")
    assert result.status == "sent"
    [message] = api.messages()
    assert (message.to, message.from_, message.body) == (NUMBER, TIP_LINE_NUMBER,
                                                         "Thank you. Your tip is recorded.")
    assert result.sids == [message.sid] and message.sid.startswith("SM")


def test_messaging_service_instead_of_a_number(env: dict, api: FakeTwilioApi) -> None:
    import dataclasses

    settings = dataclasses.replace(get_settings().twilio, from_number="",
                                   messaging_service_sid="MG" + "1" * 32)
    assert TwilioSender(settings).send_text(NUMBER, "hello").status == "sent"
    assert api.messages()[0].messaging_service_sid == "MG" + "1" * 32


def test_long_reply_is_split_into_segments(env: dict, api: FakeTwilioApi) -> None:
    text = "Votre signalement est bien reçu. " * 12
    result = get_sender().send_text(NUMBER, text)
    assert result.status == "sent"
    bodies = [m.body for m in api.messages()]
    assert len(bodies) == len(result.parts) > 1
    assert all(len(b.encode("utf-16-le")) // 2 <= 67 for b in bodies)
    assert " ".join(bodies).split() == text.split()


@pytest.mark.parametrize("mode", ["fail", "throttle"])
def test_retries_429_and_5xx_then_succeeds(env: dict, api: FakeTwilioApi, mode: str) -> None:
    api.set_mode(mode, times=2)
    result = get_sender().send_text(NUMBER, "hello")
    assert result.status == "sent"
    assert result.parts[0].attempts == 3
    assert len(api.messages()) == 1


def test_gives_up_after_bounded_attempts(env: dict, api: FakeTwilioApi) -> None:
    api.set_mode("fail")
    started = time.monotonic()
    result = get_sender().send_text(NUMBER, "hello")
    assert result.status == "failed"
    assert result.parts[0].attempts == get_settings().twilio.send_attempts
    assert api.requests == get_settings().twilio.send_attempts
    assert time.monotonic() - started < 5


def test_hanging_api_times_out_and_is_retried(env: dict, api: FakeTwilioApi) -> None:
    api.set_mode("hang", times=1)
    result = get_sender().send_text(NUMBER, "hello")
    assert result.status == "sent"
    assert result.parts[0].attempts == 2


def test_connection_refused_is_retried_and_fails(env: dict, api: FakeTwilioApi) -> None:
    import dataclasses

    settings = dataclasses.replace(get_settings().twilio, api_base_url="http://127.0.0.1:9",
                                   send_attempts=2)
    result = TwilioSender(settings).send_text(NUMBER, "hello")
    assert result.status == "failed"
    assert result.parts[0].attempts == 2
    assert result.parts[0].error == "ConnectionError"


def test_deliver_records_without_number(env: dict, api: FakeTwilioApi) -> None:
    key = add_contact()
    delivery = deliver_to_contact(key, "Merci", "bot")
    assert delivery.status == "sent"
    [row] = outbound()
    assert (row.contact_hash, row.kind, row.status, row.segments) == (key, "bot", "queued", 1)
    assert row.external_id == api.messages()[0].sid
    assert NUMBER not in repr(row.__dict__)


def test_opted_out_and_forgotten_contacts_are_refused(env: dict, api: FakeTwilioApi) -> None:
    stopped = add_contact(opted_out=True)
    forgotten = add_contact("+15145550143", forgotten=True)
    assert deliver_to_contact(stopped, "x", "bot").status == "blocked_opted_out"
    assert deliver_to_contact(forgotten, "x", "bot").status == "blocked_opted_out"
    assert deliver_to_contact(contact_hash("+15145550199"), "x", "bot").status == "no_channel"
    assert api.messages() == []
    assert [r.status for r in outbound()] == ["blocked_opted_out", "blocked_opted_out"]


def test_twilio_unsubscribed_error_marks_the_contact(env: dict, api: FakeTwilioApi) -> None:
    key = add_contact()
    api.set_mode("unsubscribed", times=1)
    assert deliver_to_contact(key, "x", "bot").status == "blocked_opted_out"
    with session_scope() as session:
        assert session.execute(select(Contact.opted_out)).scalar_one() is True
    assert api.requests == 1  # not retried


def test_officer_reply_is_translated_recorded_and_respects_stop(env: dict,
                                                                api: FakeTwilioApi) -> None:
    key = add_contact(language="en")
    add_tip(key, language="en")
    with session_scope() as session:
        tip = session.execute(select(Tip)).scalar_one()
        delivery = send_officer_reply(session, tip, "Can you tell us the plate?", "officer-1")
    assert delivery.status == "sent"
    [sent] = api.messages()
    assert sent.body.startswith("Message from an officer about tip K7Q2XA")
    assert "Can you tell us the plate?" in sent.body
    with session_scope() as session:
        session.execute(select(Contact)).scalar_one().opted_out = True
    with session_scope() as session:
        tip = session.execute(select(Tip)).scalar_one()
        blocked = send_officer_reply(session, tip, "Are you there?", "officer-1")
    assert blocked == Delivery("blocked_opted_out", blocked.detail)
    assert len(api.messages()) == 1
    with session_scope() as session:
        messages = session.execute(select(TipMessage.author, TipMessage.direction)).all()
        audits = session.execute(select(AuditEntry.action, AuditEntry.after)).all()
        rows = session.execute(select(OutboundMessage.kind, OutboundMessage.tip_id,
                                      OutboundMessage.status)).all()
    assert messages == [("officer", "out"), ("officer", "out")]
    assert [a[1]["delivery"] for a in audits] == ["sent", "blocked_opted_out"]
    assert [r[0] for r in rows] == ["officer", "officer"] and rows[0][1] is not None
    assert [r[2] for r in rows] == ["queued", "blocked_opted_out"]


def test_sender_is_loaded_by_default_in_any_process(env: dict, api: FakeTwilioApi) -> None:
    import bot.outbound

    bot.outbound._senders.pop(SPEC.name, None)
    sender = bot.outbound.sender_for(SPEC.name)
    assert sender is not None and sender is SPEC.load_sender()  # the retrying jobs' sender
    assert bot.outbound._senders[SPEC.name] is sender  # loaded once
