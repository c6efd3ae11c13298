"""Hypothesis profiles of the fuzz tests (``HYPOTHESIS_PROFILE``: ``ci`` by default, ``deep``)
and the tips databases they run on."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import HealthCheck, settings

from harness.env import tipline_env
from harness.fakes.twilio_api import FakeTwilioApi
from harness.twilio import ACCOUNT_SID, AUTH_TOKEN, sms_environment

# ci: the same examples on every run (derandomize), the whole folder well under a minute on a
# loaded 2-core machine. deep: many more, random, for a run by hand or a nightly job.
_COMMON = {"deadline": None, "print_blob": True, "database": None,
           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("ci", max_examples=30, derandomize=True, **_COMMON)
settings.register_profile("deep", max_examples=1000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="module")
def inbox_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """This process on a fresh migrated SQLite tips database (web chat and REST)."""
    with tipline_env(tmp_path_factory.mktemp("fuzz-inbox")) as env:
        yield env


@pytest.fixture(scope="module")
def sms_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """This process configured like a tip line with SMS, Twilio's API faked on 127.0.0.1."""
    tmp: Path = tmp_path_factory.mktemp("fuzz-sms")
    with FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN) as api, sms_environment(
            tmp, api, tmp_path_factory.getbasetemp(),
            TIPLINE_TWILIO_RATE_LIMIT="100000/minute") as env:
        yield env
