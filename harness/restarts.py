"""A tip line stack on private services (harness/services.py) and a burst of signed
SMS webhooks and REST messages with a fault in the middle: what it must leave behind
(every message one tip, every tipster answered) and that the stack recovered alone."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import requests

from bot.privacy.keys import contact_hash
from harness.clients import burst, rest, senders, sms_hooks, tip_text
from harness.durable import DELAYED, FAST, Inbox
from harness.fakes.twilio_api import FakeTwilioApi
from harness.servers import TipLineStack, stack_env, write_credentials, write_endpoints
from harness.services import PrivatePostgres, PrivateRedis, Window
from harness.twilio import fake_number, twilio_credentials, twilio_env
from harness.webchat import webchat_credentials

PER_CHANNEL = 8  # tipsters of each channel in a burst


def redis_settings(server: PrivateRedis) -> Dict[str, str]:
    """The tip line's ``TIPLINE_*`` Redis uses of production on ``server``: the rate limits
    of SMS, web chat and REST (db 3) and the job queue (db 2). (Rasa's lock store, db 1:
    ``lock_store``.)"""
    return {"TIPLINE_TWILIO_RATE_LIMIT_STORAGE": server.url(3),
            "TIPLINE_INBOX_RATE_LIMIT_STORAGE": server.url(3),
            "TIPLINE_JOBS_URL": server.url(2)}


def lock_store(server: PrivateRedis) -> dict:
    """Rasa's Redis lock store on ``server`` (db 1, as docker/endpoints.prod.yml)."""
    return {"type": "redis", "url": "127.0.0.1", "port": server.port, "db": 1,
            "key_prefix": "tipline"}


def start_stack(tmp: Path, fake_twilio: Any, database_url: str, tracker: dict,
                server: PrivateRedis) -> TipLineStack:
    """REST, SMS (to ``fake_twilio``) and web chat on ``database_url``, Redis on ``server``
    (lock store, rate limits), short back-off and leases (harness/durable.py)."""
    env = stack_env(tmp, database_url, **twilio_env(fake_twilio, rate_limit="100/minute"),
                    **FAST, **redis_settings(server))
    credentials = write_credentials(tmp, {**twilio_credentials(), **webchat_credentials()})
    return TipLineStack(env, tmp, write_endpoints(tmp, tracker, lock_store(server)),
                        credentials).start()


def pg_tracker(url: str) -> dict:
    """Rasa's SQL tracker store in the PostgreSQL database of ``url``."""
    host_port, database = url.split("@", 1)[1].rsplit("/", 1)
    host, port = host_port.split(":")
    return {"type": "SQL", "dialect": "postgresql", "url": host, "port": int(port),
            "username": "postgres", "db": database}


@dataclass
class Deployment:
    """A tip line stack and the services it runs on."""

    stack: TipLineStack
    inbox: Inbox
    redis: PrivateRedis
    postgres: Optional[PrivatePostgres] = None


@dataclass
class Outcome:
    """What a burst met: who sent what and when, the HTTP status each message got (REST:
    with the replies), and the fault's window."""

    rest: List[str]
    numbers: List[str]
    keys: List[str]
    statuses: Dict[str, int]
    answers: Dict[str, List[str]]
    sent: Dict[str, float]
    window: Window

    @property
    def during_fault(self) -> List[str]:
        down, up = self.window
        return [who for who, at in self.sent.items() if down <= at <= up]


def burst_with_fault(deployment: Deployment, fault: Callable[[], Window]) -> Outcome:
    """REST and SMS tipsters, interleaved 0.4 s apart; ``fault`` runs after the 4th."""
    stack = deployment.stack
    who, numbers, hooks = senders("rest", PER_CHANNEL), [
        fake_number() for _ in range(PER_CHANNEL)], sms_hooks(stack)
    items = [x for pair in zip(who, numbers, strict=True) for x in pair]
    sent: Dict[str, float] = {}
    windows: List[Window] = []
    until = time.monotonic() + 120

    def send(item: str) -> Tuple[int, List[str]]:
        sent[item] = time.monotonic()
        text = tip_text(items.index(item))
        if item in numbers:
            return hooks.post(hooks.form(item, text), timeout=30).status_code, []
        try:
            return 200, rest(stack, item, text, until=until)
        except requests.HTTPError as error:
            return error.response.status_code, []

    results = burst(items, send, lambda: windows.append(fault()), kill_after=3, spacing=0.4,
                    workers=len(items))
    keys = [contact_hash(n, key=stack.env["TIPLINE_HASH_KEY"]) for n in numbers]
    return Outcome(who, numbers, keys, {i: r[0] for i, r in zip(items, results, strict=True)},
                   {i: r[1] for i, r in zip(items, results, strict=True) if i in who},
                   sent, windows[0])


def assert_nothing_lost(deployment: Deployment, outcome: Outcome,
                        fake_twilio: FakeTwilioApi) -> None:
    """Every message acknowledged, one tip each, and each tipster given its reference."""
    stack, inbox = deployment.stack, deployment.inbox
    assert outcome.during_fault, "no message was sent while the service was down"
    refused = {who: status for who, status in outcome.statuses.items() if status != 200}
    assert not refused, f"messages refused, not stored (HTTP status): {refused}"
    assert all(outcome.answers.values()), f"a REST tipster got no answer: {outcome.answers}"
    tips = inbox.one_tip_each(outcome.rest + outcome.keys)
    for sender in outcome.rest:  # the reference, at once or with the next answer
        reference = tips[sender].reference
        if not any(reference in r for r in outcome.answers[sender]):
            assert any(DELAYED in r for r in outcome.answers[sender]), outcome.answers[sender]
            assert reference in " ".join(rest(stack, sender, "thank you"))
    for number, key in zip(outcome.numbers, outcome.keys, strict=True):
        reference = tips[key].reference
        bodies = [m.body for m in fake_twilio.wait_for(
            lambda m, ref=reference: any(ref in x.body for x in m), 90, to=number)]
        assert any(reference in b for b in bodies), bodies
        assert sum(DELAYED in b for b in bodies) <= 1, bodies
    inbox.settle(outcome.rest + outcome.keys)  # the "thank you" turns too


def assert_recovered(deployment: Deployment) -> None:
    """No process was restarted by hand, and a new tipster is answered at once."""
    stack = deployment.stack
    assert all(s.process is not None and s.process.poll() is None for s in stack.servers)
    sender = senders("after", 1)[0]
    answer = rest(stack, sender, tip_text(2))
    tip = deployment.inbox.one_tip_each([sender])[sender]
    assert any(tip.reference in r for r in answer), answer
