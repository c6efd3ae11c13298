"""WhatsApp end to end: signed Twilio WhatsApp webhooks into the real Rasa server and action
server (SQLite), replies by the real twilio Client to the fake Messages API with WhatsApp
(harness/fakes/twilio_whatsapp.py): a Spanish tip stored, routed and answered, STOP, and
officers' replies after the 24-hour window (template, or held until the tipster writes)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Iterator, List, Optional

import pytest
from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session

from bot.channels.whatsapp.address import contact_key
from bot.channels.whatsapp.store import WhatsAppReply
from bot.channels.whatsapp.templates import bodies
from bot.privacy.keys import contact_hash
from bot.store.models import Contact, InboundMessage, Tip, utcnow
from harness.fakes.libretranslate import FakeLibreTranslate
from harness.fakes.twilio_whatsapp import FakeWhatsAppApi
from harness.outbound import officer_reply
from harness.servers import (
    ARTIFACTS,
    TipLineStack,
    sqlite_tracker,
    stack_env,
    write_credentials,
    write_endpoints,
)
from harness.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE,
    WEBHOOK_PATH,
    TwilioWebhooks,
    fake_number,
    grep_files,
    number_formats,
    twilio_credentials,
    twilio_env,
)
from harness.whatsapp import (
    PROFILE_NAME,
    WHATSAPP_PATH,
    WHATSAPP_SENDER,
    WhatsAppWebhooks,
    standard_reply,
    whatsapp_credentials,
    whatsapp_env,
)
from tests.conftest import libre_settings

NUMBERS: List[str] = []
TEMPLATE_SID = "HX" + "e" * 32
SPANISH = "Hay cajas de cigarrillos sin declarar en un camion cerca de Blaine desde ayer"


def number() -> str:
    value = fake_number()
    NUMBERS.append(value)
    return value


@pytest.fixture(scope="module")
def fake_whatsapp() -> Iterator[FakeWhatsAppApi]:
    server = FakeWhatsAppApi(ACCOUNT_SID, AUTH_TOKEN).start()
    server.templates[TEMPLATE_SID] = bodies("es")["investigating"]
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, fake_libre: FakeLibreTranslate,
          fake_whatsapp: FakeWhatsAppApi) -> Iterator[TipLineStack]:
    """SQLite tips and tracker; REST, SMS and WhatsApp on the fake Twilio account."""
    tmp = tmp_path_factory.mktemp("whatsapp-stack")
    env = stack_env(tmp, f"sqlite:///{tmp / 'tips.db'}", **libre_settings(fake_libre),
                    **twilio_env(fake_whatsapp),
                    **whatsapp_env(content_sids=f"investigating.es={TEMPLATE_SID}"))
    credentials = write_credentials(tmp, {**twilio_credentials(), **whatsapp_credentials()})
    server = TipLineStack(env, tmp, write_endpoints(tmp, sqlite_tracker(tmp)), credentials)
    server.start()
    yield server
    server.stop()


class Phone:
    """A tipster's WhatsApp: signed webhooks in, what the tip line sent back out."""

    def __init__(self, stack: TipLineStack, api: FakeWhatsAppApi) -> None:
        self.stack, self.api = stack, api
        self.hooks = WhatsAppWebhooks(stack.url + WHATSAPP_PATH, api, AUTH_TOKEN,
                                      signed_url=PUBLIC_BASE + WHATSAPP_PATH)
        self.engine = create_engine(stack.env["TIPLINE_DATABASE_URL"], future=True)
        self.hash_key = stack.env["TIPLINE_HASH_KEY"]

    def key(self, phone: str) -> str:
        return contact_key(phone, key=self.hash_key)

    def processed(self, sid: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with Session(self.engine) as session:
                status = session.execute(select(InboundMessage.status).where(
                    InboundMessage.external_id == sid)).scalar_one_or_none()
            if status in ("processed", "failed"):
                assert status == "processed"
                return
            time.sleep(0.2)
        raise AssertionError(f"{sid} not processed in {timeout} s")

    def say(self, phone: str, body: Optional[str], replies: bool = True,
            settle: float = 1.5) -> List[str]:
        """One WhatsApp message, its turn done; the texts sent back to ``whatsapp:phone``."""
        address = "whatsapp:" + phone
        before = len(self.api.messages(to=address))
        response, sid = self.hooks.send(address, body)
        assert response.status_code == 200 and "<Response></Response>" in response.text
        self.processed(sid)
        if replies:
            self.api.wait_for(lambda m: len(m) > before, timeout=30, to=address)
        time.sleep(settle)
        sent = self.api.messages(to=address)[before:]
        assert all(m.from_ == WHATSAPP_SENDER and m.error_code is None for m in sent), sent
        return [m.body for m in sent]

    def tips(self, phone: str) -> List[Tip]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.execute(select(Tip).where(
                Tip.conversation_id == self.key(phone)).order_by(Tip.id)).scalars())

    def rows(self, statement):  # type: ignore[no-untyped-def]
        with Session(self.engine, expire_on_commit=False) as session:
            return session.execute(statement).scalars().all()

    def close_window(self, phone: str) -> None:
        """The tipster's last message 25 hours ago, for the tip line and for Twilio."""
        with Session(self.engine) as session, session.begin():
            session.execute(update(InboundMessage).where(
                InboundMessage.contact_hash == self.key(phone))
                .values(received_at=utcnow() - timedelta(hours=25)))
        self.api.age("whatsapp:" + phone, hours=25)


@pytest.fixture(scope="module")
def phone(stack: TipLineStack, fake_whatsapp: FakeWhatsAppApi) -> Phone:
    return Phone(stack, fake_whatsapp)


def test_a_spanish_whatsapp_tip_is_stored_routed_and_answered_in_spanish(phone: Phone) -> None:
    tipster = number()
    replies = phone.say(tipster, SPANISH)
    [tip] = phone.tips(tipster)
    assert (tip.channel, tip.category, tip.queue, tip.language) == (
        "whatsapp", "contraband", "CBP", "es")
    assert tip.original_text == SPANISH
    if not tip.incident_time:
        replies += phone.say(tipster, "no se")
    joined = " ".join(replies)
    assert tip.reference in joined and "referencia" in joined.lower(), replies
    [contact] = phone.rows(select(Contact).where(Contact.contact_hash == phone.key(tipster)))
    assert contact.channel == "whatsapp" and contact.language == "es"


def test_the_same_number_by_sms_is_another_contact_and_conversation(
        phone: Phone, stack: TipLineStack, fake_whatsapp: FakeWhatsAppApi) -> None:
    tipster = number()
    phone.say(tipster, SPANISH)
    sms = TwilioWebhooks(stack.url + WEBHOOK_PATH, AUTH_TOKEN,
                         signed_url=PUBLIC_BASE + WEBHOOK_PATH)
    response, _ = sms.send(tipster, "A boat without lights unloaded boxes near Fort Erie at 2am")
    assert response.status_code == 200
    fake_whatsapp.wait_for(lambda m: len(m) > 0, timeout=60, to=tipster)
    sms_key = contact_hash(tipster, key=phone.hash_key)
    assert sms_key != phone.key(tipster)
    channels = sorted(phone.rows(select(Contact.channel).where(
        Contact.contact_hash.in_([sms_key, phone.key(tipster)]))))
    assert channels == ["sms", "whatsapp"]
    assert all(not m.to.startswith("whatsapp:") for m in fake_whatsapp.messages(to=tipster))


def test_stop_opts_out_of_replies_and_officer_messages_until_start(phone: Phone) -> None:
    tipster = number()
    phone.say(tipster, SPANISH)
    [tip] = phone.tips(tipster)
    stopped = phone.say(tipster, "STOP")
    assert len(stopped) == 1 and "START" in stopped[0]
    assert phone.say(tipster, "el camion es rojo y va hacia Blaine", replies=False,
                     settle=2.0) == []
    assert officer_reply(phone.stack.env, tip.reference, "Are you safe?")[
        "status"] == "blocked_opted_out"
    started = phone.say(tipster, "START")
    assert started and "STOP" in " ".join(started)
    assert officer_reply(phone.stack.env, tip.reference, "Thank you.")["status"] == "sent"


def test_after_the_window_a_reply_goes_as_a_template_or_waits_for_the_tipster(
        phone: Phone, fake_whatsapp: FakeWhatsAppApi) -> None:
    tipster = number()
    address = "whatsapp:" + tipster
    phone.say(tipster, SPANISH)
    [tip] = phone.tips(tipster)
    phone.close_window(tipster)
    before = len(fake_whatsapp.messages(to=address))
    assert standard_reply(phone.stack.env, tip.reference, "investigating")["status"] == "sent"
    [template] = fake_whatsapp.messages(to=address)[before:]
    assert template.content_sid == TEMPLATE_SID and template.error_code is None
    assert template.content_variables == {"1": tip.reference}
    assert template.body.startswith(f"Mensaje de un agente sobre la denuncia {tip.reference}")
    held = officer_reply(phone.stack.env, tip.reference, "Can you describe the vehicle?")
    assert held["status"] == "queued" and "24-hour window" in held["detail"]
    time.sleep(1.0)
    assert len(fake_whatsapp.messages(to=address)) == before + 1  # nothing free-form
    assert [(r.mode, r.status) for r in phone.rows(select(WhatsAppReply).where(
        WhatsAppReply.tip_id == tip.id).order_by(WhatsAppReply.id))] == [
        ("template", "sent"), ("queued", "waiting")]
    replies = phone.say(tipster, "el camion tenia placas de Washington")
    # the held reply first (written before the tipster's new message), then the bot's
    assert replies[0].startswith((f"Mensaje de un agente sobre la denuncia {tip.reference}",
                                  f"Message from an officer about tip {tip.reference}")), replies
    assert all(m.error_code is None for m in fake_whatsapp.messages(to=address))
    assert [(r.mode, r.status) for r in phone.rows(select(WhatsAppReply).where(
        WhatsAppReply.tip_id == tip.id).order_by(WhatsAppReply.id))] == [
        ("template", "sent"), ("queued", "delivered")]


def test_no_number_or_profile_name_in_clear_in_the_database_or_the_logs(phone: Phone) -> None:
    """Run last in this module: every number used above, in every format."""
    assert NUMBERS
    needles = [f for n in NUMBERS for f in number_formats(n)] + [PROFILE_NAME]
    workdir: Path = phone.stack.workdir
    files = [p for p in workdir.rglob("*") if p.is_file() and ".db" in p.name]
    assert any(p.name.startswith("tips.db") for p in files)
    logs = [s.log for s in phone.stack.servers] + list(ARTIFACTS.glob(f"{workdir.name}-*.log"))
    found = grep_files(files + logs, needles)
    assert found == [], found
