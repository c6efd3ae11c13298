"""SMS end to end: signed Twilio webhooks into the real Rasa server and action server
(SQLite), replies delivered by the real twilio Client to the fake Messages API."""

from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.channels.twilio.store import OutboundMessage
from bot.privacy.keys import contact_hash
from bot.store.models import Attachment, Contact, InboundMessage, Tip, TipMessage
from harness.fakes.twilio_api import FakeTwilioApi
from harness.outbound import officer_reply
from harness.servers import ARTIFACTS, TipLineStack
from harness.twilio import (
    AUTH_TOKEN,
    PUBLIC_BASE,
    WEBHOOK_PATH,
    TwilioWebhooks,
    fake_number,
    grep_files,
    media_urls,
    number_formats,
)

NUMBERS: List[str] = []  # every number used here: none may appear in the files at the end
ACK_SECONDS = 2.0


def number() -> str:
    value = fake_number()
    NUMBERS.append(value)
    return value


class Sms:
    """A tipster's phone: sends signed webhooks, reads what the tip line sent back."""

    def __init__(self, stack: TipLineStack, api: FakeTwilioApi) -> None:
        self.stack, self.api = stack, api
        self.hooks = TwilioWebhooks(stack.url + WEBHOOK_PATH, AUTH_TOKEN,
                                    signed_url=PUBLIC_BASE + WEBHOOK_PATH)
        self.engine = create_engine(stack.env["TIPLINE_DATABASE_URL"], future=True)
        self.hash_key = stack.env["TIPLINE_HASH_KEY"]

    def key(self, phone: str) -> str:
        return contact_hash(phone, key=self.hash_key)

    def post(self, phone: str, body: Optional[str],
             media: Sequence[Tuple[str, str]] = (), sid: Optional[str] = None) -> str:
        started = time.perf_counter()
        response, sid = self.hooks.send(phone, body, media, sid)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        assert "<Response></Response>" in response.text
        assert elapsed < ACK_SECONDS, f"acknowledged in {elapsed:.2f} s"
        return sid

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

    def say(self, phone: str, body: Optional[str], media: Sequence[Tuple[str, str]] = (),
            replies: bool = True, settle: float = 1.5) -> List[str]:
        """Send one SMS, wait for its turn, return the texts sent back."""
        before = len(self.api.messages(to=phone))
        sid = self.post(phone, body, media)
        self.processed(sid)
        if replies:
            self.api.wait_for(lambda m: len(m) > before, timeout=30, to=phone)
        time.sleep(settle)  # the other parts of a split reply, or anything unexpected
        return [m.body for m in self.api.messages(to=phone)[before:]]

    def tips(self, phone: str) -> List[Tip]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.execute(select(Tip).where(
                Tip.conversation_id == self.key(phone)).order_by(Tip.id)).scalars())

    def one(self, statement):  # type: ignore[no-untyped-def]
        with Session(self.engine, expire_on_commit=False) as session:
            return session.execute(statement).scalars().all()


@pytest.fixture(scope="module")
def sms(sqlite_stack: TipLineStack, fake_twilio: FakeTwilioApi) -> Sms:
    return Sms(sqlite_stack, fake_twilio)


CASES = [
    # text, language, category, queue, answer to "when?", words of the native reply
    ("I saw two men loading bags of cocaine into a white van near Lacolle last night",
     "en", "drug_smuggling", "RCMP", "I don't know", "reference"),
    ("Des hommes ont fait traverser un groupe de personnes a pied dans le bois pres de "
     "Derby Line hier soir", "fr", "human_smuggling", "USBP", "je sais pas", "référence"),
    ("Hay cajas de cigarrillos sin declarar en un camion cerca de Blaine desde ayer",
     "es", "contraband", "CBP", "no se", "referencia"),
]


@pytest.mark.parametrize(("text", "language", "category", "queue", "dont_know", "word"), CASES)
def test_an_sms_tip_is_stored_routed_and_answered_in_its_language(
    sms: Sms, text: str, language: str, category: str, queue: str, dont_know: str, word: str,
) -> None:
    phone = number()
    replies = sms.say(phone, text)
    [tip] = sms.tips(phone)
    assert (tip.channel, tip.category, tip.queue, tip.language) == ("sms", category, queue,
                                                                    language)
    assert tip.conversation_id == sms.key(phone)
    assert tip.original_text == text
    if not tip.incident_time:
        replies += sms.say(phone, dont_know)
    joined = " ".join(replies)
    assert tip.reference in joined and word in joined.lower(), replies
    assert len(sms.tips(phone)) == 1
    [contact] = sms.one(select(Contact).where(Contact.contact_hash == sms.key(phone)))
    assert contact.language == language and contact.address_encrypted


def test_follow_up_and_status_work_only_from_the_same_number(sms: Sms) -> None:
    phone, stranger = number(), number()
    sms.say(phone, "A boat without lights unloaded boxes near Fort Erie at 2am")
    [tip] = sms.tips(phone)
    added = sms.say(phone, f"more info for {tip.reference}: the boat is blue with a red stripe")
    assert any(tip.reference in r for r in added), added
    texts = [m.text for m in sms.one(select(TipMessage).where(TipMessage.tip_id == tip.id))]
    assert any("red stripe" in t for t in texts)
    status = sms.say(phone, f"what is the status of my tip {tip.reference}?")
    assert any(tip.reference in r and "waiting" in r for r in status), status
    french = sms.say(phone, f"quel est le statut de mon signalement {tip.reference}")
    assert any(tip.reference in r and "attente" in r for r in french), french
    denied = sms.say(stranger, f"status of tip {tip.reference}")
    assert not any("waiting" in r for r in denied), denied
    sms.say(stranger, f"more info for {tip.reference}: it was green")
    texts = [m.text for m in sms.one(select(TipMessage).where(TipMessage.tip_id == tip.id))]
    assert not any("green" in t for t in texts)


def test_stop_blocks_every_later_message_and_officer_replies_until_start(
    sms: Sms, fake_twilio: FakeTwilioApi,
) -> None:
    phone = number()
    sms.say(phone, "Des gens traversent a pied dans le bois pres de Stanstead vers 2h du matin")
    [tip] = sms.tips(phone)
    assert tip.language == "fr"
    before = len(fake_twilio.messages(to=phone))
    assert officer_reply(sms.stack.env, tip.reference, "Can you describe the vehicle?")[
        "status"] == "sent"
    sent = " ".join(m.body for m in fake_twilio.messages(to=phone)[before:])
    assert sent.startswith(f"Message d'un agent au sujet du signalement {tip.reference}"), sent
    assert "Can you describe the vehicle?" in sent  # through the (fake) translator
    stopped = sms.say(phone, "STOP")
    assert len(stopped) == 1 and "START" in stopped[0]
    count = len(fake_twilio.messages(to=phone))
    assert sms.say(phone, "ils sont revenus avec un camion rouge pres de Stanstead ce soir",
                   replies=False, settle=2.0) == []
    assert sms.say(phone, "HELLO", replies=False) == []
    delivery = officer_reply(sms.stack.env, tip.reference, "Are you safe?")
    assert delivery["status"] == "blocked_opted_out"
    time.sleep(1.0)
    assert len(fake_twilio.messages(to=phone)) == count
    assert len(sms.tips(phone)) >= 1  # what was sent after STOP is still stored
    blocked = sms.one(select(OutboundMessage.status).where(
        OutboundMessage.contact_hash == sms.key(phone),
        OutboundMessage.status == "blocked_opted_out"))
    assert len(blocked) >= 2
    started = sms.say(phone, "START")
    assert len(started) >= 1 and "STOP" in " ".join(started)
    assert officer_reply(sms.stack.env, tip.reference, "Thank you.")["status"] == "sent"


def test_help_is_answered_in_the_tipsters_language(sms: Sms) -> None:
    phone = number()
    sms.say(phone, "Hay cajas de cigarrillos sin declarar en un camion cerca de Blaine ayer")
    help_es = " ".join(sms.say(phone, "HELP"))
    assert "911" in help_es and "frontera" in help_es
    help_en = " ".join(sms.say(number(), "help"))
    assert "911" in help_en and "border" in help_en.lower()
    help_fr = " ".join(sms.say(number(), "AIDE"))
    assert "911" in help_fr and "frontière" in help_fr


def test_mms_media_are_stored_as_attachments(sms: Sms) -> None:
    phone = number()
    photos = media_urls(2)
    replies = sms.say(phone, "I saw men loading bags of cocaine into a white van near Lacolle "
                             "last night", media=photos)
    [tip] = sms.tips(phone)
    assert tip.reference in " ".join(replies)
    stored = sms.one(select(Attachment).where(Attachment.tip_id == tip.id))
    assert sorted((a.url, a.content_type) for a in stored) == sorted(photos)
    more = media_urls(1)
    added = sms.say(phone, "", media=more)  # a photo alone joins the tip
    assert any(tip.reference in r for r in added), added
    stored = sms.one(select(Attachment.url).where(Attachment.tip_id == tip.id))
    assert more[0][0] in stored and len(stored) == 3


def test_a_photo_alone_from_a_new_number_is_a_tip(sms: Sms) -> None:
    phone = number()
    photo = media_urls(1)
    replies = sms.say(phone, None, media=photo)
    [tip] = sms.tips(phone)
    assert tip.channel == "sms" and tip.queue
    assert tip.reference in " ".join(replies)
    assert sms.one(select(Attachment.url).where(Attachment.tip_id == tip.id)) == [photo[0][0]]


def test_a_replayed_message_sid_creates_nothing(sms: Sms, fake_twilio: FakeTwilioApi) -> None:
    phone = number()
    params = sms.hooks.form(phone, "A guy is selling pistols across the river near Detroit "
                                   "yesterday, he brings them in his truck")
    responses = [sms.hooks.post(params) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    sms.processed(params["MessageSid"])
    fake_twilio.wait_for(lambda m: len(m) > 0, to=phone)
    time.sleep(2.0)
    replies = len(fake_twilio.messages(to=phone))
    assert sms.hooks.post(params).status_code == 200  # Twilio retrying later
    time.sleep(2.0)
    assert len(sms.one(select(InboundMessage).where(
        InboundMessage.external_id == params["MessageSid"]))) == 1
    assert len(sms.tips(phone)) == 1
    assert len(fake_twilio.messages(to=phone)) == replies  # one turn, answered once


@pytest.mark.parametrize("how", ["forged", "unsigned", "wrong_url"])
def test_bad_signatures_are_refused_and_nothing_is_stored(sms: Sms, how: str) -> None:
    phone = number()
    params = sms.hooks.form(phone, "drugs at the border near Lacolle tonight")
    if how == "forged":
        response = sms.hooks.post(params, signature="Zm9yZ2Vk")
    elif how == "unsigned":
        response = sms.hooks.post(params, signature=None)
    else:  # signed for the address Rasa listens on, not the public URL Twilio calls
        response = sms.hooks.post(params, signature=sms.hooks.sign(params,
                                                                   sms.stack.url + WEBHOOK_PATH))
    assert response.status_code == 403
    time.sleep(0.5)
    assert sms.one(select(InboundMessage).where(
        InboundMessage.external_id == params["MessageSid"])) == []
    assert sms.one(select(Contact).where(Contact.contact_hash == sms.key(phone))) == []
    assert params["MessageSid"] in sms.stack.logs()


def test_missing_fields_get_a_clear_400(sms: Sms) -> None:
    params = sms.hooks.form(number(), "hello")
    del params["From"]
    response = sms.hooks.post(params)
    assert response.status_code == 400
    assert "From" in response.text


def test_a_1600_character_sms_is_stored_whole(sms: Sms) -> None:
    phone = number()
    body = ("I saw two men loading bags of cocaine into a white van near Lacolle last night, "
            "the van has a plate starting with FTX and they drove towards the border road. ")
    body = (body * 12)[:1600].strip()
    sms.say(phone, body)
    [tip] = sms.tips(phone)
    assert tip.original_text == body


def test_forget_me_erases_the_number_and_keeps_the_tip(sms: Sms) -> None:
    phone = number()
    sms.say(phone, "Someone is selling fake border passes online to people in Windsor "
                   "yesterday")
    [tip] = sms.tips(phone)
    replies = sms.say(phone, "delete my number")
    assert any("erased" in r for r in replies), replies  # answered before the erasure
    [contact] = sms.one(select(Contact).where(Contact.contact_hash == sms.key(phone)))
    assert contact.address_encrypted is None
    assert officer_reply(sms.stack.env, tip.reference, "Hello?")["status"] == "blocked_opted_out"
    assert len(sms.tips(phone)) == 1


def test_no_phone_number_in_clear_in_the_database_or_the_logs(sms: Sms) -> None:
    """Run last in this module: every number used above, in every format."""
    assert NUMBERS
    needles = [f for n in NUMBERS for f in number_formats(n)]
    workdir: Path = sms.stack.workdir
    files = [p for p in workdir.rglob("*") if p.is_file() and ".db" in p.name]
    assert any(p.name.startswith("tips.db") for p in files)
    assert any(p.name.startswith("tracker.db") for p in files)
    logs = [s.log for s in sms.stack.servers] + list(ARTIFACTS.glob(f"{workdir.name}-*.log"))
    assert all(p.exists() for p in logs)
    found = grep_files(files + logs, needles)
    assert found == [], found

