"""The production channels' routes, read from their Sanic blueprints, and which of them the
balancer (docker/haproxy.cfg) and the Ingress (deploy/kubernetes/ingress.yaml) let through."""

from __future__ import annotations

import importlib
import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, FrozenSet, List, Tuple

import pytest
import yaml
from rasa.core.channels.channel import register
from sanic import Sanic

import bot.outbound
from bot.channels.twilio import sender as sms_sender
from bot.channels.webchat.spec import SPEC as WEBCHAT
from bot.channels.whatsapp import sender as whatsapp_sender
from bot.settings import get_settings
from harness.servers import ROOT

CREDENTIALS = ROOT / "docker" / "credentials.prod.yml"
HAPROXY_CFG = ROOT / "docker" / "haproxy.cfg"
INGRESS = ROOT / "deploy" / "kubernetes" / "ingress.yaml"
# Rasa's own routes, which production never serves to the public (docs/operations.md)
RASA_API = ["/", "/status", "/version", "/model", "/model/parse", "/conversations/x/tracker",
            "/conversations/x/tracker/events", "/webhooks/rest/webhook", "/webhooks/rest/"]


@dataclass(frozen=True)
class Route:
    """One route of one input channel, as Rasa registers it on its Sanic app."""

    channel: str  # the input channel's name (tipline_twilio, ...)
    methods: FrozenSet[str]
    uri: str  # e.g. /webhooks/tipline_voice/call, /webchat/static/<name:str>

    @property
    def urls(self) -> Tuple[str, ...]:
        """The paths a client may request for it: parameters filled in, with and without
        the final slash (Sanic serves both; Rasa's channel roots are asked with one)."""
        path = re.sub(r"<[^>]+>", "x", self.uri)
        return (path,) if path.endswith("/") else (path, path + "/")

    @property
    def method(self) -> str:
        return "POST" if "POST" in self.methods else "GET"

    @property
    def public(self) -> bool:
        """Twilio posts to a channel's POST routes; a browser reaches every route of the web
        chat. The rest (the Twilio channels' health routes) stays private."""
        return "POST" in self.methods or self.channel == WEBCHAT.input_name


@lru_cache(maxsize=1)
def production_routes() -> Tuple[Route, ...]:
    """Every route of every channel of docker/credentials.prod.yml, from its blueprint, the
    way ``rasa run`` registers them (``/webhooks/<name>/`` prefix, then the extra ones).
    The process is left as it was: senders restored, settings not kept if they were not."""
    routes: List[Route] = []
    settings_cached = get_settings.cache_info().currsize > 0
    with pytest.MonkeyPatch.context() as patch:  # the channels register their senders
        patch.setattr(bot.outbound, "_senders", dict(bot.outbound._senders))
        patch.setattr(sms_sender, "_sender", sms_sender._sender)
        patch.setattr(whatsapp_sender, "_sender", whatsapp_sender._sender)
        for class_path, credentials in yaml.safe_load(CREDENTIALS.read_text()).items():
            module, _, name = class_path.rpartition(".")
            channel = getattr(importlib.import_module(module), name).from_credentials(
                credentials)
            app = Sanic(f"routes_{uuid.uuid4().hex[:12]}")
            register([channel], app, route="/webhooks/")
            routes += [Route(channel.name(), frozenset(r.methods), r.uri)
                       for r in app.router.routes]
    if not settings_cached:
        get_settings.cache_clear()
    return tuple(routes)


def section(name: str) -> List[List[str]]:
    """The lines of one section of docker/haproxy.cfg, split in words, comments dropped."""
    lines: List[List[str]] = []
    inside = False
    for line in HAPROXY_CFG.read_text().splitlines():
        words = line.split("#", 1)[0].split()
        if line and not line[0].isspace():
            inside = words == name.split()
        elif inside and words:
            lines.append(words)
    return lines


def acls(section_name: str) -> Dict[str, List[Tuple[str, str]]]:
    """The named ACLs of a section: name -> [(matcher, path)], one per ``acl`` line."""
    found: Dict[str, List[Tuple[str, str]]] = {}
    for words in section(section_name):
        if words[0] == "acl":
            assert len(words) == 4, f"one path per acl line: {words}"
            found.setdefault(words[1], []).append((words[2], words[3]))
    return found


def acl_matches(rules: List[Tuple[str, str]], path: str) -> bool:
    """HAProxy's ``path`` (exact) and ``path_beg`` (prefix) on a request's path."""
    kinds = {"path": lambda p: path == p, "path_beg": path.startswith}
    return any(kinds[kind](value) for kind, value in rules)


def public_acls() -> Dict[str, List[Tuple[str, str]]]:
    """The ACLs whose match lets a request through ``frontend public`` (its one deny rule:
    ``http-request deny deny_status 404 unless a || b ...``)."""
    [deny] = [w for w in section("frontend public") if w[:2] == ["http-request", "deny"]]
    assert deny[2:5] == ["deny_status", "404", "unless"], deny
    names = [word for word in deny[5:] if word not in ("||", "or")]
    defined = acls("frontend public")
    return {name: defined[name] for name in names}


def haproxy_passes(path: str) -> bool:
    return any(acl_matches(rules, path) for rules in public_acls().values())


def ingress_paths() -> Dict[str, List[Tuple[str, str]]]:
    """Each Ingress's (path, pathType) pairs."""
    return {doc["metadata"]["name"]: [(p["path"], p["pathType"]) for rule in doc["spec"]["rules"]
                                      for p in rule["http"]["paths"]]
            for doc in yaml.safe_load_all(INGRESS.read_text()) if doc}


def ingress_matches(rules: List[Tuple[str, str]], path: str) -> bool:
    """Kubernetes' Exact (the whole path) and Prefix (whole path elements) path types."""
    def prefix(value: str) -> bool:
        elements = [e for e in value.split("/") if e]
        return [e for e in path.split("/") if e][:len(elements)] == elements
    return any(path == value if kind == "Exact" else prefix(value) for value, kind in rules)


def ingress_passes(path: str) -> bool:
    return any(ingress_matches(rules, path) for rules in ingress_paths().values())
