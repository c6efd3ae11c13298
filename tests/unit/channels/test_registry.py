"""The channel registry: every SPEC complete and unique, everything else derived from it."""

from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path
from typing import Iterator

import pytest
import yaml
from sqlalchemy.orm import Session

import bot.outbound
from bot.channels import registry
from bot.channels.registry import CHANNELS, channel_names, input_classes, model_modules
from bot.channels.spec import ChannelLimits, ChannelSpec
from bot.console.display import channel_label
from bot.conversation import channel_of
from bot.inbox.config import InboxSettings
from bot.inbox.limits import channel_limits
from bot.inbox.ratelimit import SenderRateLimit
from bot.outbound import Delivery, sender_for
from bot.store import models
from bot.store.models import Base, Tip
from bot.store.registry import all_model_modules

ROOT = Path(__file__).resolve().parents[3]
INBOX_FIELDS = {f.name for f in dataclasses.fields(InboxSettings)}


def listed_classes(path: Path) -> set:
    """The input channel classes a credentials file configures."""
    return set(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def test_the_stored_channel_values_are_those_of_existing_databases() -> None:
    # tips, contacts and inbound_messages hold these: renaming one needs a data migration
    assert set(channel_names()) == {"sms", "webchat", "rest", "whatsapp", "voice"}
    assert channel_names() == models.CHANNELS


@pytest.mark.parametrize("spec", CHANNELS, ids=lambda spec: spec.name)
def test_every_spec_is_complete(spec: ChannelSpec) -> None:
    assert spec.name and len(spec.name) <= 16  # String(16) columns
    assert spec.name.isidentifier() and spec.input_name.isidentifier() and spec.label
    channel = spec.load_input_class()  # the class credentials.yml names, and its Rasa name
    assert channel.name() == spec.input_name
    assert spec.limits.max_chars in INBOX_FIELDS
    assert spec.limits.rate_limit is None or spec.limits.rate_limit in INBOX_FIELDS
    for module in spec.models:
        tables = [value.__table__ for value in vars(importlib.import_module(module)).values()
                  if isinstance(value, type) and issubclass(value, Base) and value is not Base]
        assert tables and all(table.name in Base.metadata.tables for table in tables)


def test_names_are_unique() -> None:
    for field in ("name", "input_name", "input_class", "label"):
        values = [getattr(spec, field) for spec in CHANNELS]
        assert len(set(values)) == len(values), field


def test_every_channel_package_is_in_the_list() -> None:
    packages = sorted(path.parent.name for path in (ROOT / "bot" / "channels").glob("*/spec.py"))
    specs = [importlib.import_module(f"bot.channels.{name}").SPEC for name in packages]
    assert specs and all(spec in CHANNELS for spec in specs) and len(specs) == len(CHANNELS)


def test_channel_of_maps_every_input_name() -> None:
    assert {channel_of(spec.input_name) for spec in CHANNELS} == set(channel_names())
    for spec in CHANNELS:
        assert channel_of(spec.input_name) == spec.name


def test_every_sender_resolves() -> None:
    for spec in CHANNELS:
        bot.outbound._senders.pop(spec.name, None)
        sender = sender_for(spec.name)
        assert (sender is None) == (spec.sender is None), spec.name
        assert sender is None or (callable(sender) and sender is spec.load_sender())


def test_credentials_files_list_exactly_the_registrys_input_classes() -> None:
    assert listed_classes(ROOT / "credentials.yml") == set(input_classes())
    production = listed_classes(ROOT / "docker" / "credentials.prod.yml")
    assert production == set(input_classes(production=True))
    assert production < set(input_classes())  # REST never reaches production


def test_the_store_knows_every_channels_tables() -> None:
    modules = all_model_modules()
    assert set(model_modules()) <= set(modules) and len(set(modules)) == len(modules)


def test_limits_come_from_the_settings_the_spec_names() -> None:
    settings = InboxSettings()
    for spec in CHANNELS:
        if spec.limits.rate_limit is None:  # SMS: the gateway applies its own rate limit
            with pytest.raises(ValueError):
                channel_limits(spec.name, settings)
            continue
        limits = channel_limits(spec.name, settings)
        assert limits.max_chars == getattr(settings, spec.limits.max_chars)
        expected = SenderRateLimit(getattr(settings, spec.limits.rate_limit)).items
        assert limits.rate.items == expected and limits.rate.namespace == f"tipline-{spec.name}"


def _test_sender(session: Session, tip: Tip, text: str) -> Delivery:
    return Delivery("sent", f"{tip.reference}: {text}")


TEST_CHANNEL = ChannelSpec(
    name="pigeon", input_name="tipline_pigeon", input_class="tests.PigeonInput",
    label="carrier pigeon",
    limits=ChannelLimits(max_chars="rest_max_chars", rate_limit="webchat_rate_limit"),
    sender=f"{__name__}:_test_sender", production=False)


@pytest.fixture()
def test_channel(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChannelSpec]:
    monkeypatch.setattr(registry, "CHANNELS", [*CHANNELS, TEST_CHANNEL])
    yield TEST_CHANNEL
    bot.outbound._senders.pop(TEST_CHANNEL.name, None)


def test_a_channel_added_to_the_list_is_known_everywhere(test_channel: ChannelSpec) -> None:
    assert channel_names()[-1] == test_channel.name
    assert channel_of(test_channel.input_name) == test_channel.name
    assert sender_for(test_channel.name) is _test_sender
    settings = InboxSettings()
    assert channel_limits(test_channel.name, settings).max_chars == settings.rest_max_chars
    assert channel_label(test_channel.name) == "carrier pigeon"
    assert test_channel.input_class in input_classes()
    assert test_channel.input_class not in input_classes(production=True)
