"""The voice line end to end: a caller played by the fake Twilio Voice (signed voice
webhooks, TwiML executed) through the real Rasa server and action server (SQLite)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, List

import pytest
import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.channels.voice.languages import get_prompts
from bot.channels.voice.spec import SPEC
from bot.store.models import InboundMessage, Tip
from harness.fakes.libretranslate import FakeLibreTranslate
from harness.fakes.twilio_api import FakeTwilioApi
from harness.fakes.twilio_voice import FakeRecordingsApi, FakeVoiceCall
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
    TIP_LINE_NUMBER,
    fake_number,
    grep_files,
    number_formats,
    twilio_credentials,
    twilio_env,
)

CALLERS: List[str] = []  # every number used here: none may appear in the files at the end
CALLS: List[FakeVoiceCall] = []


@pytest.fixture(scope="module")
def recordings() -> Iterator[FakeRecordingsApi]:
    with FakeRecordingsApi() as api:
        yield api


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, fake_libre: FakeLibreTranslate,
          fake_twilio: FakeTwilioApi, recordings: FakeRecordingsApi) -> Iterator[TipLineStack]:
    tmp = tmp_path_factory.mktemp("voice-stack")
    env = stack_env(tmp, f"sqlite:///{tmp / 'tips.db'}", **twilio_env(fake_twilio),
                    TIPLINE_TRANSLATION_PROVIDER="libre", TIPLINE_TRANSLATION_URL=fake_libre.url,
                    TIPLINE_VOICE_PUBLIC_URL=PUBLIC_BASE,
                    TIPLINE_VOICE_API_BASE_URL=recordings.url)
    credentials = {**twilio_credentials(), SPEC.input_class: None}
    stack = TipLineStack(env, tmp, write_endpoints(tmp, sqlite_tracker(tmp)),
                         write_credentials(tmp, credentials))
    stack.start()
    yield stack
    stack.stop()


def call(stack: TipLineStack) -> FakeVoiceCall:
    caller = fake_number()
    CALLERS.append(caller)
    CALLS.append(FakeVoiceCall(stack.url, PUBLIC_BASE, AUTH_TOKEN, ACCOUNT_SID, caller,
                               TIP_LINE_NUMBER))
    return CALLS[-1].start()


def tips_of(stack: TipLineStack) -> List[Tip]:
    engine = create_engine(stack.env["TIPLINE_DATABASE_URL"], future=True)
    with Session(engine) as session:
        tips = list(session.execute(select(Tip).where(Tip.channel == SPEC.name)
                                    .order_by(Tip.id)).scalars())
    engine.dispose()
    return tips


def finish(phone: FakeVoiceCall, answers: List[str], lang: str) -> None:
    """Answer the form's questions until the line asks for anything more; then hang up."""
    more = get_prompts().render("more", lang)
    for answer in answers:
        if phone.heard[-1].text == more:
            break
        phone.speak(answer)
    assert phone.heard[-1].text == more
    phone.silence()
    assert phone.ended and phone.heard[-1].text == get_prompts().render("goodbye", lang)


def test_a_french_voice_tip_is_stored_routed_and_answered_in_french(
        stack: TipLineStack) -> None:
    phone = call(stack)
    assert [s.language for s in phone.heard[:3]] == ["en-US", "fr-CA", "es-US"]
    phone.press("2")
    assert phone.waiting.get("language") == "fr-CA"
    start = len(phone.heard)
    phone.speak("J'ai vu deux hommes charger des sacs de cocaïne dans une camionnette blanche "
                "au poste frontalier de Lacolle hier soir")
    answer = phone.heard[start:]
    assert answer and all(s.language == "fr-CA" for s in answer)
    assert any("référence" in s.text for s in answer) or any("?" in s.text for s in answer)
    finish(phone, ["À Lacolle, sur l'autoroute 15", "Hier soir vers vingt-deux heures"], "fr")
    assert max(phone.answer_seconds) < 15.0  # Twilio's limit, with "one moment" polls
    tip = tips_of(stack)[-1]
    assert (tip.language, tip.category, tip.queue) == ("fr", "drug_smuggling", "RCMP")
    assert tip.location_side == "CA" and "Lacolle" in (tip.location_place or "")
    said = " ".join(s.text for s in phone.heard)
    assert tip.reference in said  # the reference was read to the caller


def test_a_receipt_read_to_a_caller_works_on_a_later_call(stack: TipLineStack) -> None:
    tip = tips_of(stack)[0]  # the French caller's tip, above
    receipts = re.findall(r"\d{4}-\d{4}-\d{4}-\d{4}", " ".join(s.text for s in CALLS[0].heard))
    assert len(receipts) == 1, "the receipt is read once, with the reference"
    phone = call(stack)  # another call, another number: only the receipt links them
    phone.press("1")
    start = len(phone.heard)
    phone.speak(f"my receipt is {receipts[0].replace('-', ' ')}, is there any news")
    said = " ".join(s.text for s in phone.heard[start:])
    assert tip.reference in said and all(s.language == "en-US" for s in phone.heard[start:])
    assert len(tips_of(stack)) == 1  # a status check, not a new tip


def test_an_urgent_voice_tip_gets_the_911_line_first(stack: TipLineStack) -> None:
    phone = call(stack)
    phone.press("3")
    start = len(phone.heard)
    phone.speak("Hay gente encerrada en un tráiler ahora mismo cerca de Champlain, "
                "no pueden salir y piden ayuda")
    first = next(s for s in phone.heard[start:]
                 if not s.text.startswith("Gracias, lo que dijo quedó guardado"))
    assert first.text == get_prompts().render("call_911", "es") and first.language == "es-US"
    tip = tips_of(stack)[-1]
    assert tip.urgency == "high" and tip.language == "es"


def test_a_forged_signature_is_refused_and_nothing_is_stored(stack: TipLineStack) -> None:
    phone = FakeVoiceCall(stack.url, PUBLIC_BASE, "not-the-token", ACCOUNT_SID, fake_number(),
                          TIP_LINE_NUMBER)
    url = PUBLIC_BASE + "/webhooks/tipline_voice/speech?lang=en&step=1"
    response = phone.post(url, phone.params(SpeechResult="a forged tip about drugs"))
    unsigned = phone.post(url, phone.params(SpeechResult="an unsigned one"), signature=None)
    assert (response.status_code, unsigned.status_code) == (403, 403)
    engine = create_engine(stack.env["TIPLINE_DATABASE_URL"], future=True)
    with Session(engine) as session:
        assert session.execute(select(InboundMessage).where(
            InboundMessage.external_id.like(f"{phone.call_sid}%"))).first() is None
    engine.dispose()
    assert requests.get(f"{stack.url}/webhooks/tipline_voice/", timeout=5).ok


def test_no_caller_number_in_the_database_or_the_logs(stack: TipLineStack) -> None:
    assert CALLERS, "run with the calls above"
    files = [Path(stack.env["TIPLINE_DATABASE_URL"].removeprefix("sqlite:///")),
             stack.workdir / "tracker.db", *ARTIFACTS.glob(f"{stack.workdir.name}-*.log")]
    needles = [form for number in CALLERS for form in number_formats(number)]
    assert grep_files(files, needles) == []
