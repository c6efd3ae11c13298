"""The production configuration exposes no Rasa HTTP API and no REST channel, restarts its
services on its own, runs the jobs consumer; bot.serve never opens the API without a token."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from bot.rasa_api import OpenApiRefused, guard

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker" / "compose.yml").read_text())
SERVICES = COMPOSE["services"]


def is_rest(channel: str) -> bool:
    """Rasa's REST input (``rest``) or the tip line's own (``bot.channels.rest...``)."""
    return channel == "rest" or channel.startswith("bot.channels.rest")


def test_production_credentials_have_no_rest_channel_and_the_same_other_channels() -> None:
    prod = yaml.safe_load((ROOT / "docker" / "credentials.prod.yml").read_text())
    dev = yaml.safe_load((ROOT / "credentials.yml").read_text())
    assert any(is_rest(name) for name in dev), "the development file has one (tests, bench)"
    assert not any(is_rest(name) or "rest" in name.lower() for name in prod)
    assert prod == {name: value for name, value in dev.items() if not is_rest(name)}


def test_production_rasa_runs_without_the_api_on_the_production_credentials() -> None:
    command = SERVICES["rasa"]["command"]
    assert command[:5] == ["python", "-m", "bot.serve", "rasa", "run"]
    assert command[command.index("--credentials") + 1] == "docker/credentials.prod.yml"
    for name, service in SERVICES.items():
        assert "--enable-api" not in (service.get("command") or []), name


def test_every_long_running_service_restarts_on_its_own() -> None:
    for name, service in SERVICES.items():
        expected = "on-failure:5" if name == "migrate" else "unless-stopped"
        assert service.get("restart") == expected, name
    for name in ("actions", "rasa", "console", "worker"):
        condition = SERVICES[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


def test_the_worker_is_the_jobs_consumer_on_redis() -> None:
    assert SERVICES["worker"]["command"] == ["python", "-m", "bot.jobs"]
    assert SERVICES["worker"]["deploy"]["replicas"] == 1
    env = COMPOSE["x-app"]["environment"]
    assert env["TIPLINE_JOBS_URL"].startswith("redis://redis:6379/")
    assert env["TIPLINE_TRACKER_DB_URL"].startswith("postgresql://")


def test_guard_adds_the_token_only_when_the_api_is_enabled() -> None:
    run = ["run", "--model", "m.tar.gz", "--enable-api", "--port", "5005"]
    assert guard(run, "s3cret") == [*run, "--auth-token", "s3cret"]
    assert guard([*run, "--auth-token", "mine"], "") == [*run, "--auth-token", "mine"]
    assert guard(["run", "--port", "5005"], "") == ["run", "--port", "5005"]
    assert guard(["train", "--enable-api"], "") == ["train", "--enable-api"]
    with pytest.raises(OpenApiRefused, match="TIPLINE_RASA_API_TOKEN"):
        guard(run, "")


def test_serve_refuses_an_open_api_before_loading_rasa(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TIPLINE_RASA_API_TOKEN": ""}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "bot.serve", "rasa", "run", "--enable-api",
                             "--model", str(tmp_path / "none.tar.gz")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "refusing to start Rasa with --enable-api and no token" in result.stderr
    assert time.monotonic() - started < 30, "refused before Rasa was even imported"
