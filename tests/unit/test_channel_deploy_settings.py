"""docker/compose.yml and deploy/kubernetes pass every WhatsApp and voice setting the code reads
(secrets from the environment and the Secret only), and leaving them unset gives exactly the
channels' own defaults."""

from __future__ import annotations

import os
import re
from typing import Dict, Set

import pytest
import yaml

from bot.channels.voice.config import VoiceSettings
from bot.channels.whatsapp.config import WhatsAppSettings
from bot.inbox.config import InboxSettings
from bot.settings import Settings
from harness.servers import ROOT

K8S = ROOT / "deploy" / "kubernetes"
COMPOSE_ENV: Dict[str, str] = yaml.safe_load((ROOT / "docker" / "compose.yml").read_text()
                                             )["x-app"]["environment"]
CONFIG: Dict[str, str] = yaml.safe_load((K8S / "config.yaml").read_text())["data"]
SECRETS = {line.split("=", 1)[0]: line.split("=", 1)[1]
           for line in (K8S / "secrets.env.example").read_text().splitlines()
           if line and not line.startswith("#")}
PREFIXES = ("TIPLINE_WHATSAPP_", "TIPLINE_VOICE_")
SECRET = re.compile(r"_(AUTH_TOKEN|ACCOUNT_SID)$")  # as the SMS channel's, in the Secret
FROM_ENVIRONMENT = re.compile(r"^\$\{(\w+):-([^}]*)\}$")  # ${NAME:-default}


class Reading(dict):
    """An environment that notes every name looked up."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: Set[str] = set()

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)


def read_by_the_settings(monkeypatch: pytest.MonkeyPatch) -> Set[str]:
    """The WhatsApp and voice names bot/settings.py reads (all settings built once)."""
    reading = Reading()
    with monkeypatch.context() as patch:
        patch.setattr(os, "environ", reading)
        Settings()
    return {name for name in reading.asked if name.startswith(PREFIXES)}


def channel_settings() -> tuple:
    return WhatsAppSettings(), VoiceSettings(), InboxSettings().whatsapp_max_chars


def clear(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("TIPLINE_"):
            monkeypatch.delenv(name)


def test_compose_and_kubernetes_pass_every_whatsapp_and_voice_setting(
        monkeypatch: pytest.MonkeyPatch) -> None:
    read = read_by_the_settings(monkeypatch)
    assert {"TIPLINE_WHATSAPP_PUBLIC_URL", "TIPLINE_WHATSAPP_MAX_CHARS",
            "TIPLINE_VOICE_AUTH_TOKEN", "TIPLINE_VOICE_PUBLIC_URL"} <= read  # the reading works
    assert {name for name in COMPOSE_ENV if name.startswith(PREFIXES)} == read
    assert {name for name in {**CONFIG, **SECRETS} if name.startswith(PREFIXES)} == read
    secret = {name for name in read if SECRET.search(name)}
    assert secret == {"TIPLINE_VOICE_AUTH_TOKEN", "TIPLINE_VOICE_ACCOUNT_SID"}
    assert secret <= set(SECRETS) and not secret & set(CONFIG)
    assert all(SECRETS[name] == "" for name in secret), "no secret value in the repository"
    for name in read:  # each from the host's environment, under its own name
        match = FROM_ENVIRONMENT.match(str(COMPOSE_ENV[name]))
        assert match and match.group(1) == name, (name, COMPOSE_ENV[name])
        assert match.group(2) == "" or name not in secret, name


@pytest.mark.parametrize("source", ["compose", "kubernetes"])
def test_settings_left_unset_give_the_channels_defaults(
        source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    clear(monkeypatch)
    defaults = channel_settings()
    for name in read_by_the_settings(monkeypatch):
        if source == "compose":  # what compose puts in the container when the host has none
            match = FROM_ENVIRONMENT.match(str(COMPOSE_ENV[name]))
            assert match, name
            value = match.group(2)
        else:
            value = str(CONFIG.get(name, SECRETS.get(name)))
        monkeypatch.setenv(name, value)
    assert channel_settings() == defaults
    whatsapp, voice, _ = defaults
    assert whatsapp.rate_limit == "10/minute" and whatsapp.window_minutes == 1435
    assert voice.answer_seconds == 8 and voice.delete_recordings and not voice.keep_recordings


def test_an_empty_value_is_not_always_a_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Why compose writes out WhatsApp's defaults: an empty rate limit is no limit at all."""
    clear(monkeypatch)
    monkeypatch.setenv("TIPLINE_WHATSAPP_RATE_LIMIT", "")
    assert WhatsAppSettings().rate_limit == ""
    monkeypatch.setenv("TIPLINE_VOICE_ANSWER_SECONDS", "")
    assert VoiceSettings().answer_seconds == 8  # the voice line's settings fall back
