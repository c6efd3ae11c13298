"""No tip lost, none stored twice, every tipster answered: the action server and Rasa killed
during bursts of REST, signed SMS and web chat messages, lone surrogates, too long messages and
floods, on SQLite and on PostgreSQL (Redis lock store), each stack of its own."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
import requests

from bot.privacy.keys import contact_hash
from harness.clients import (
    WebChat,
    burst,
    rest,
    restart,
    senders,
    sms_hooks,
    tip_text,
    wait_until,
)
from harness.durable import DELAYED, Inbox, running_stack
from harness.fakes.twilio_api import FakeTwilioApi
from harness.servers import ARTIFACTS, TipLineStack
from harness.twilio import fake_number, grep_files


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
          fake_twilio: FakeTwilioApi) -> Iterator[TipLineStack]:
    yield from running_stack(request.param, tmp_path_factory.mktemp(f"durable-{request.param}"),
                             fake_twilio)


@pytest.fixture(scope="module")
def inbox(stack: TipLineStack) -> Inbox:
    return Inbox(stack)


def test_action_server_killed_during_a_rest_burst(stack: TipLineStack, inbox: Inbox) -> None:
    who = senders("rest", 16)
    results = burst(who, lambda s: rest(stack, s, tip_text(who.index(s))),
                    lambda: restart(stack.servers[0], 5), kill_after=3, spacing=0.4)
    assert all(results), "a tipster got no answer"
    tips = inbox.one_tip_each(who)
    delayed = [s for s, got in zip(who, results, strict=True) if any(DELAYED in r for r in got)]
    assert delayed, "no message met the stopped action server"
    for sender in delayed:  # the reference comes with the sender's next answer
        assert tips[sender].reference in " ".join(rest(stack, sender, "thank you"))
    assert tip_text(0) not in stack.logs()  # Rasa's REST channel logged whole messages


def test_action_server_killed_during_an_sms_burst(stack: TipLineStack, inbox: Inbox,
                                                  fake_twilio: FakeTwilioApi) -> None:
    numbers, hooks = [fake_number() for _ in range(12)], sms_hooks(stack)
    keys = [contact_hash(n, key=stack.env["TIPLINE_HASH_KEY"]) for n in numbers]

    def send(number: str) -> int:
        return hooks.send(number, tip_text(numbers.index(number)))[0].status_code

    statuses = burst(numbers, send, lambda: restart(stack.servers[0], 5), kill_after=3,
                     spacing=0.4)
    assert statuses == [200] * len(numbers)
    tips = inbox.one_tip_each(keys)
    told = 0
    for number, key in zip(numbers, keys, strict=True):  # answered, with the reference, told once
        bodies = [m.body for m in fake_twilio.wait_for(
            lambda m, ref=tips[key].reference: any(ref in x.body for x in m), 60, to=number)]
        assert any(tips[key].reference in b for b in bodies), bodies
        assert sum(DELAYED in b for b in bodies) <= 1
        told += any(DELAYED in b for b in bodies)
    assert told, "no message met the stopped action server"
    if stack.env["TIPLINE_DATABASE_URL"].startswith("sqlite"):
        files = [*Path(stack.workdir).rglob("*"), *ARTIFACTS.glob(f"{stack.workdir.name}-*")]
        assert grep_files(files, [n[1:] for n in numbers]) == []  # no number in clear


def test_action_server_down_while_residents_chat(stack: TipLineStack, inbox: Inbox) -> None:
    stack.servers[0].stop()
    chats = [WebChat(stack) for _ in range(3)]
    try:
        for index, chat in enumerate(chats):  # each told once, in the open chat
            chat.say(tip_text(index))
            wait_until(lambda c=chat: any(DELAYED in r for r in c.replies), 30)
        stack.servers[0].start()
        tips = inbox.one_tip_each([c.session_id for c in chats])
        for chat in chats:  # then the reference, in the same chat
            wait_until(lambda c=chat: any(tips[c.session_id].reference in r
                                          for r in c.replies), 60)
            assert sum(DELAYED in r for r in chat.replies) == 1
    finally:
        for chat in chats:
            chat.close()


def test_rasa_killed_during_a_burst(stack: TipLineStack, inbox: Inbox) -> None:
    """Rasa dies right after a tip was committed by the action server, before the turn
    ended, while REST and SMS messages arrive: each is run (again) once, one tip each."""
    crash, who = senders("crash", 1)[0], senders("burst", 8)
    numbers, hooks = [fake_number() for _ in range(6)], sms_hooks(stack)
    until = time.monotonic() + 300
    answers: Dict[str, Any] = {}

    def resend_sms(number: str) -> None:
        params = hooks.form(number, tip_text(numbers.index(number)))
        while True:
            try:
                assert hooks.post(params).status_code == 200
                return
            except requests.ConnectionError:
                time.sleep(0.5)

    client = threading.Thread(target=lambda: answers.update(
        {crash: rest(stack, crash, tip_text(0), until=until)}))
    client.start()
    wait_until(lambda: inbox.tips([crash])[crash], 60, 0.005)  # committed: Rasa dies now
    stack.servers[1].process.kill()
    assert [r.status for r in inbox.rows([crash])] == ["processing"]  # the turn never ended
    others = threading.Thread(target=lambda: burst(
        who + numbers, lambda x: rest(stack, x, tip_text(1), until=until)
        if x in who else resend_sms(x), lambda: None, kill_after=0, spacing=0.2))
    others.start()
    restart(stack.servers[1], 1, hard=True)
    client.join(120)
    others.join(120)
    assert answers[crash], "no answer after the restart"
    keys = [contact_hash(n, key=stack.env["TIPLINE_HASH_KEY"]) for n in numbers]
    inbox.one_tip_each([crash, *who, *keys])


def test_a_lone_surrogate_and_a_nul_never_lose_a_tip(stack: TipLineStack, inbox: Inbox) -> None:
    sender = senders("surrogate", 1)[0]
    raw = ('{"sender": "' + sender + '", "message": "Men hide drugs \\ud800 in a truck near '
           'Lacolle tonight \\u0000 at the farm"}')
    response = requests.post(f"{stack.url}/webhooks/rest/webhook", data=raw.encode(),
                             headers={"Content-Type": "application/json"}, timeout=60)
    assert response.status_code == 200 and response.json()
    tip = inbox.one_tip_each([sender])[sender]
    assert "drugs \ufffd in a truck" in tip.original_text
    assert "tonight \ufffd at the farm" in tip.original_text


def test_a_message_over_the_size_limit_is_refused_never_cut(stack: TipLineStack,
                                                           inbox: Inbox) -> None:
    sender, marker = senders("long", 1)[0], uuid.uuid4().hex
    replies = rest(stack, sender, (marker + " smugglers near Lacolle ") * 450)  # > 16,000
    assert len(replies) == 1 and "16000" in replies[0] and "not saved" in replies[0]
    assert inbox.rows([sender]) == [] and inbox.tips([sender])[sender] == []
    assert marker not in stack.logs()
    chat = WebChat(stack)
    try:
        chat.say("x" * 4001)
        wait_until(lambda: any("4000" in r for r in chat.replies), 20)
        assert inbox.rows([chat.session_id]) == []
        whole = ("Two men hid bags of cocaine in a white van near Lacolle last night. " * 60)
        chat.say(whole[:4000])  # at the limit: stored whole
        tip = inbox.one_tip_each([chat.session_id])[chat.session_id]
        assert tip.original_text == whole[:4000].strip()
    finally:
        chat.close()


def test_a_flood_from_one_session_or_sender_is_throttled(stack: TipLineStack,
                                                         inbox: Inbox) -> None:
    chat = WebChat(stack)
    try:
        for index in range(31):  # apart: engine.io takes at most 16 packets per poll
            chat.say(f"part {index} of what I saw: men carrying boxes near Lacolle")
            time.sleep(0.1)
        wait_until(lambda: any("very fast" in r for r in chat.replies), 20)
        time.sleep(10)
        rows = inbox.rows([chat.session_id])
        assert len(rows) == 31  # all kept: deferred, not lost
        assert sum(r.status == "processed" for r in rows) <= 10
        assert len(inbox.tips([chat.session_id])[chat.session_id]) <= 10
        assert sum("very fast" in r for r in chat.replies) == 1  # one notice per window
    finally:
        chat.close()
    sender = senders("flood", 1)[0]  # REST: 5 per 30 seconds in this stack
    answers = [rest(stack, sender, f"and another thing number {i}") for i in range(7)]
    assert [any("very fast" in r for r in a) for a in answers] == [False] * 5 + [True] * 2
    assert len(inbox.rows([sender])) == 7
