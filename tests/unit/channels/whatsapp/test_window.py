"""The 24-hour window and the choice it makes, the template catalogue and the settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.channels.whatsapp.config import WhatsAppSettings
from bot.channels.whatsapp.sender import split_body, twilio_settings
from bot.channels.whatsapp.templates import load_catalogue, parse_content_sids, template_for
from bot.channels.whatsapp.window import decide, window_open
from bot.messages import get_officer_replies
from bot.settings import Settings, TwilioSettings

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
DAY = 1435.0


@pytest.mark.parametrize(("ago", "expected"), [
    (timedelta(minutes=1), True), (timedelta(hours=23, minutes=54), True),
    (timedelta(hours=23, minutes=55), False), (timedelta(hours=30), False),
])
def test_the_window_is_open_for_a_day_after_the_tipsters_last_message(
        ago: timedelta, expected: bool) -> None:
    assert window_open(NOW - ago, NOW, DAY) is expected


def test_a_tipster_who_never_wrote_has_no_window() -> None:
    assert window_open(None, NOW, DAY) is False


@pytest.mark.parametrize(("is_open", "sid", "use", "mode"), [
    (True, "HX1", True, "free"), (True, None, True, "free"),
    (False, "HX1", True, "template"), (False, None, True, "queued"),
    (False, "HX1", False, "queued"),
])
def test_inside_free_outside_a_template_when_one_exists_else_queued(
        is_open: bool, sid: str, use: bool, mode: str) -> None:
    assert decide(is_open, sid, use) == mode


def test_content_sids_are_read_per_reply_and_language() -> None:
    sids = parse_content_sids(" investigating.es=HX11 , thanks.en=HX22,")
    assert sids == {("investigating", "es"): "HX11", ("thanks", "en"): "HX22"}
    assert parse_content_sids("") == {}
    with pytest.raises(ValueError, match="reply.language=HX"):
        parse_content_sids("investigating=HX11")
    with pytest.raises(ValueError):
        parse_content_sids("investigating.es=MG11")


def test_every_template_of_the_catalogue_is_a_standard_reply() -> None:
    catalogue = load_catalogue()
    assert catalogue and set(catalogue) <= set(get_officer_replies().keys())
    assert all(variables == {"1": "reference"} for variables in catalogue.values())


def test_a_template_is_found_only_with_its_sid_in_the_tipsters_language() -> None:
    sids = "investigating.es=HX" + "a" * 32
    template = template_for("investigating", "es", {"reference": "K7M2QX"}, sids)
    assert template is not None and template.content_sid == "HX" + "a" * 32
    assert json.loads(template.variables) == {"1": "K7M2QX"}
    assert template_for("investigating", "fr", {"reference": "K7M2QX"}, sids) is None
    assert template_for(None, "es", {"reference": "K7M2QX"}, sids) is None  # free text
    assert template_for("no_such_reply", "es", {}, "no_such_reply.es=HX1") is None


def test_the_whatsapp_sender_replaces_the_sms_one_on_the_same_account() -> None:
    sms = TwilioSettings(account_sid="AC1", auth_token="tok", from_number="+15795550100",
                         messaging_service_sid="MG1", public_url="https://x/sms")
    whatsapp = WhatsAppSettings(from_number="+15795550199", public_url="https://x/wa")
    settings = twilio_settings(Settings(twilio=sms, whatsapp=whatsapp))
    assert settings.from_number == "whatsapp:+15795550199"
    assert settings.messaging_service_sid == ""  # never the SMS service
    assert (settings.account_sid, settings.auth_token) == ("AC1", "tok")
    assert settings.public_url == "https://x/wa"
    assert WhatsAppSettings(from_number="whatsapp:+1").sender_address == "whatsapp:+1"
    assert WhatsAppSettings(outside_window="queue").uses_templates is False


def test_a_reply_goes_whole_not_in_sms_segments() -> None:
    text = "Mensaje de un agente sobre el aviso K7M2QX: " + "¿Puede describir el vehículo? " * 10
    assert split_body(text) == [text.strip()]
    long = "palabra " * 400
    parts = split_body(long)
    assert len(parts) == 2 and all(len(p) <= 1600 for p in parts)
    assert " ".join(parts).split() == long.split()
