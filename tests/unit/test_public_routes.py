"""The balancer's public side and the Ingress pass exactly the public routes of the production
channels, read from the channels' own blueprints (not from a list written here); HAProxy
retries only the routes a replay cannot harm, and accepts the configuration."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from bot.channels.voice.calls import ROUTES as VOICE_STEPS
from harness.replicas import HAPROXY
from harness.services import missing
from tests.unit.public_routes import (
    CREDENTIALS,
    HAPROXY_CFG,
    RASA_API,
    Route,
    acl_matches,
    acls,
    haproxy_passes,
    ingress_passes,
    ingress_paths,
    production_routes,
    public_acls,
    section,
)

# what the balancer's addresses come from (docs/scaling.md); loopback ports for the check
LB_ENV = {name: f"127.0.0.1:{port}" for port, name in enumerate(
    ["TIPLINE_LB_BIND", "TIPLINE_LB_ACTIONS_BIND", "TIPLINE_RASA_1", "TIPLINE_RASA_2",
     "TIPLINE_ACTIONS_1", "TIPLINE_ACTIONS_2"], start=18601)}


def public() -> List[Route]:
    return [route for route in production_routes() if route.public]


def private() -> List[Route]:
    return [route for route in production_routes() if not route.public]


def test_the_routes_are_those_of_every_production_channel() -> None:
    names = {route.channel for route in production_routes()}
    assert len(names) == len(yaml.safe_load(CREDENTIALS.read_text())) == 4
    assert {route.channel for route in public()} == names, "each channel has public routes"
    voice = {route.uri for route in public() if route.channel == "tipline_voice"}
    assert voice == {f"/webhooks/tipline_voice/{step}" for step in VOICE_STEPS}
    assert {"/webhooks/tipline_whatsapp/webhook", "/webhooks/tipline_whatsapp/status",
            "/socket.io", "/webchat/embed.js"} <= {route.uri for route in public()}
    assert {route.uri for route in private()} == {"/webhooks/tipline_twilio",
                                                  "/webhooks/tipline_whatsapp",
                                                  "/webhooks/tipline_voice"}


def test_every_public_route_passes_haproxy_and_the_ingress() -> None:
    refused = [route.uri for route in public()
               if not any(haproxy_passes(url) for url in route.urls)]
    missing_paths = [route.uri for route in public()
                     if not any(ingress_passes(url) for url in route.urls)]
    assert refused == [], "refused by HAProxy's frontend public"
    assert missing_paths == [], "not in the Ingress"


def test_nothing_else_passes() -> None:
    refused = [url for route in private() for url in route.urls] + RASA_API
    assert not [url for url in refused if haproxy_passes(url)]
    assert not [url for url in refused if ingress_passes(url)]
    urls = [url for route in public() for url in route.urls]
    for name, rules in public_acls().items():  # no rule lets through more than a route
        for rule in rules:
            assert any(acl_matches([rule], url) for url in urls), (name, rule, "serves no route")
    assert not [url for url in urls if acl_matches(acls("frontend public")["chat"], url)
                and not url.startswith("/socket.io")], "only socket.io is sticky"


def test_the_ingress_paths_are_haproxys_public_paths() -> None:
    kinds = {"path": "Exact", "path_beg": "Prefix"}
    haproxy = {(path, kinds[kind]) for rules in public_acls().values() for kind, path in rules}
    ingress = {pair for pairs in ingress_paths().values() for pair in pairs}
    assert ingress == haproxy


def test_only_replay_safe_routes_are_retried_on_the_other_replica() -> None:
    backend = section("backend rasa_webhooks")
    assert ["http-request", "disable-l7-retry", "unless", "replay_safe"] in backend
    assert ["retry-on", "all-retryable-errors"] in backend
    retried = {path for kind, path in acls("backend rasa_webhooks")["replay_safe"]
               if kind == "path"}
    # every route Twilio posts to (SMS, WhatsApp, voice) is idempotent (docker/haproxy.cfg
    # says why, route by route); a new one fails here until that has been checked
    twilio_posts = {route.urls[0] for route in public()
                    if route.method == "POST" and not route.uri.startswith("/socket.io")}
    assert retried == twilio_posts
    assert ["retry-on", "conn-failure"] in section("backend rasa_chat")  # sessions: no replay
    # ingress-nginx retries non-idempotent requests of the whole Ingress: only those routes
    webhooks = {path for path, kind in ingress_paths()["tipline-webhooks"] if kind == "Exact"}
    posted = {url for route in public() if route.method == "POST" for url in route.urls}
    assert webhooks & posted == retried


def haproxy_check(config: Path) -> subprocess.CompletedProcess:
    if missing(HAPROXY):
        pytest.fail(f"{HAPROXY} missing: run scripts/install-test-deps.sh")
    env: Dict[str, str] = {**os.environ, **LB_ENV}
    return subprocess.run([HAPROXY, "-c", "-f", str(config)], env=env, capture_output=True,
                          text=True, timeout=60)


def test_haproxy_accepts_the_configuration(tmp_path: Path) -> None:
    result = haproxy_check(HAPROXY_CFG)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration file is valid" in result.stdout + result.stderr
    # the check is not a formality: a misspelt matcher is refused
    broken = tmp_path / "haproxy.cfg"
    lines: List[str] = HAPROXY_CFG.read_text().splitlines()
    broken.write_text("\n".join(line.replace("acl voice path ", "acl voice pth ")
                                for line in lines) + "\n")
    result = haproxy_check(broken)
    assert result.returncode != 0 and "pth" in result.stdout + result.stderr
