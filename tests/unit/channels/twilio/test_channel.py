"""The Rasa input channel's adapter: credentials, form parsing, registration."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

import bot.outbound
from bot.channels.twilio.channel import TwilioTipChannel, form_of, settings_from_credentials
from bot.channels.twilio.delivery import officer_sender
from bot.channels.twilio.spec import SPEC
from bot.conversation import channel_of
from harness.fakes.twilio_api import FakeTwilioApi
from harness.twilio import ACCOUNT_SID, AUTH_TOKEN, WEBHOOK_PATH, sms_environment


@dataclass
class StubRequest:
    body: bytes
    content_type: str = "application/x-www-form-urlencoded"


@pytest.fixture()
def env(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN) as api, sms_environment(
            tmp_path, api, tmp_path_factory.getbasetemp()) as values:
        yield values


def test_blank_fields_are_kept_because_twilio_signs_them() -> None:
    params = {"MessageSid": "SM1", "From": "+15145550100", "Body": "", "FromCity": "",
              "MediaUrl0": "https://api.twilio.com/x", "NumMedia": "1"}
    form = form_of(StubRequest(urlencode(params).encode()))  # type: ignore[arg-type]
    assert form["Body"] == [""] and form["FromCity"] == [""]
    url = f"https://tips.example.org{WEBHOOK_PATH}"
    signature = RequestValidator("t").compute_signature(url, params)
    assert RequestValidator("t").validate(url, {k: v[0] for k, v in form.items()}, signature)
    assert form_of(StubRequest(b'{"Body": "x"}', "application/json")) == {}  # type: ignore[arg-type]


def test_credentials_override_settings_and_empty_values_fall_back(env: dict) -> None:
    settings = settings_from_credentials({"auth_token": "", "public_url": "https://x.org",
                                          "from_number": None})
    assert settings.auth_token == AUTH_TOKEN
    assert settings.public_url == "https://x.org"
    assert settings.from_number == env["TIPLINE_TWILIO_FROM_NUMBER"]


def test_channel_name_maps_to_sms_and_registers_the_officer_sender(env: dict) -> None:
    channel = TwilioTipChannel.from_credentials({"account_sid": ACCOUNT_SID})
    assert channel.name() == SPEC.input_name
    assert channel_of(channel.name()) == SPEC.name
    assert bot.outbound.sender_for(SPEC.name) is officer_sender
    blueprint = channel.blueprint(lambda message: None)  # type: ignore[arg-type,return-value]
    assert blueprint.name == f"{SPEC.input_name}_webhook"
    assert channel.get_output_channel() is None
