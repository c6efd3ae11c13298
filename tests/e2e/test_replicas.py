"""Two Rasa replicas and two action servers behind HAProxy on PostgreSQL and Redis, the
topology of docker/compose.yml (harness/replicas.py): only the channels' webhooks pass the
balancer; one SMS conversation served by both replicas (answering each question, or all
sent at once) stays in order and makes one tip; the web chat works through the balancer
(sticky socket.io); a replica killed during a burst of signed SMS webhooks loses and
duplicates nothing. Figures: docs/scaling.md."""

from __future__ import annotations

import json
import time
from typing import Iterator, List

import pytest
import requests
from sqlalchemy import create_engine, text

from bot.privacy.keys import contact_hash
from harness.clients import WebChat, burst, tip_text, wait_until
from harness.durable import Inbox
from harness.fakes.twilio_api import FakeTwilioApi
from harness.inbox import pg_database
from harness.replicas import HAPROXY, Replicas
from harness.services import missing
from harness.twilio import AUTH_TOKEN, PUBLIC_BASE, WEBHOOK_PATH, TwilioWebhooks, fake_number

# A tip that says what but not where nor when: the bot asks both (tests/test_stories.yml).
TIP = "Someone is selling fake border crossing cards on facebook to people who want to cross"
WHERE, WHEN = "Where did this happen", "When did it happen"
PLACE, TIME = "Stanstead", "last night"
API_PATHS = ["/", "/status", "/version", "/model/parse", "/conversations/x/tracker",
             "/webhooks/rest/webhook"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory,
            fake_twilio: FakeTwilioApi) -> Iterator[Replicas]:
    if missing(HAPROXY):
        pytest.fail(f"{HAPROXY} missing: run scripts/install-test-deps.sh")
    for url in pg_database():
        replicas = Replicas(tmp_path_factory.mktemp("replicas"), url, fake_twilio)
        try:
            yield replicas.start()
        finally:
            replicas.stop()


@pytest.fixture(scope="module")
def inbox(cluster: Replicas) -> Inbox:
    return Inbox(cluster)  # type: ignore[arg-type]  (reads cluster.env only)


@pytest.fixture(scope="module")
def hooks(cluster: Replicas) -> TwilioWebhooks:
    return TwilioWebhooks(cluster.url + WEBHOOK_PATH, AUTH_TOKEN,
                          signed_url=PUBLIC_BASE + WEBHOOK_PATH)


def key(cluster: Replicas, number: str) -> str:
    return contact_hash(number, key=cluster.env["TIPLINE_HASH_KEY"])


def sms_turn(cluster: Replicas, hooks: TwilioWebhooks, fake: FakeTwilioApi, number: str,
             text: str, expected: str) -> str:
    """Send ``text``, wait for the reply containing ``expected``; the replica it reached."""
    before, sent = len(cluster.lb_log()), len(fake.messages(to=number))
    assert hooks.send(number, text)[0].status_code == 200
    got = fake.wait_for(lambda m: any(expected in x.body for x in m[sent:]), 90, to=number)
    assert any(expected in m.body for m in got[sent:]), [m.body for m in got]
    [line] = [x for x in cluster.lb_log()[before:] if x.path == WEBHOOK_PATH]
    return line.server


def test_only_the_channels_webhooks_pass_the_balancer(cluster: Replicas) -> None:
    for path in API_PATHS:
        for method in ("GET", "POST"):
            status = requests.request(method, cluster.url + path, json={}, timeout=30)
            assert status.status_code == 404, (method, path, status.status_code)
    for path in ("/webhooks/tipline_webchat/", "/webchat/embed.js"):
        assert requests.get(cluster.url + path, timeout=30).status_code == 200, path


def test_one_conversation_over_both_replicas_stays_in_order(
        cluster: Replicas, hooks: TwilioWebhooks, fake_twilio: FakeTwilioApi,
        inbox: Inbox) -> None:
    number = fake_number()
    served = [sms_turn(cluster, hooks, fake_twilio, number, TIP, WHERE),
              sms_turn(cluster, hooks, fake_twilio, number, PLACE, WHEN)]
    [tip] = inbox.one_tip_each([key(cluster, number)]).values()
    served.append(sms_turn(cluster, hooks, fake_twilio, number, TIME, tip.reference))
    assert set(served) == {"rasa1", "rasa2"}, f"turns served by {served}"
    tip = inbox.one_tip_each([key(cluster, number)])[key(cluster, number)]
    assert tip.original_text == TIP and tip.channel == "sms"
    assert PLACE in f"{tip.location_text} {tip.location_place}", tip.location_text
    assert TIME in (tip.incident_time or ""), tip.incident_time
    bodies = [m.body for m in fake_twilio.messages(to=number)]
    order = [next(i for i, b in enumerate(bodies) if needle in b)
             for needle in (WHERE, WHEN, tip.reference)]
    assert order == sorted(order), bodies
    rows = inbox.rows([key(cluster, number)])
    assert [r.status for r in rows] == ["processed"] * 3


def user_texts(cluster: Replicas, sender: str) -> List[str]:
    """The tipster's messages in the shared tracker store (Rasa's ``events``), in order."""
    engine = create_engine(cluster.database_url, future=True)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT data FROM events WHERE sender_id = :s AND "
                                 "type_name = 'user' ORDER BY id"), {"s": sender}).scalars()
        found = [json.loads(row).get("text") for row in rows]
    engine.dispose()
    return found


def test_messages_sent_at_once_over_both_replicas_keep_their_order(
        cluster: Replicas, hooks: TwilioWebhooks, inbox: Inbox) -> None:
    """No wait for the replies: each message reaches the other replica while the turn of
    the one before may still run on the first. Three tipsters (an odd number, so that
    round robin spreads each one's messages), one after the other."""
    numbers, before = [fake_number() for _ in range(3)], len(cluster.lb_log())
    for number in numbers:
        for body in (TIP, PLACE, TIME):
            assert hooks.send(number, body)[0].status_code == 200
    served = [x.server for x in cluster.lb_log()[before:] if x.path == WEBHOOK_PATH]
    tips = inbox.one_tip_each([key(cluster, n) for n in numbers])
    for index, number in enumerate(numbers):
        assert set(served[3 * index:3 * index + 3]) == {"rasa1", "rasa2"}, served
        assert user_texts(cluster, key(cluster, number)) == [TIP, PLACE, TIME]
        tip = tips[key(cluster, number)]
        assert PLACE in f"{tip.location_text} {tip.location_place}", tip.location_text
        assert TIME in (tip.incident_time or ""), tip.incident_time


def test_the_web_chat_works_through_the_balancer(cluster: Replicas, inbox: Inbox) -> None:
    before = len(cluster.lb_log())
    chat = WebChat(cluster)  # type: ignore[arg-type]  (socket.io long-polling: cluster.url)
    try:
        for said, reply in ((TIP, WHERE), (PLACE, WHEN), (TIME, None)):
            count = len(chat.replies)
            chat.say(said)
            wait_until(lambda c=count, r=reply: any((r or "") in x for x in chat.replies[c:]),
                       60)
        tip = inbox.one_tip_each([chat.session_id])[chat.session_id]
        wait_until(lambda: any(tip.reference in r for r in chat.replies), 60)
        cookie = chat.sio.eio.http.cookies.get("TIPLINE_CHAT")  # set by HAProxy
    finally:
        chat.close()
    order = [next(i for i, r in enumerate(chat.replies) if needle in r)
             for needle in (WHERE, WHEN, tip.reference)]
    assert order == sorted(order), chat.replies
    polls = [x for x in cluster.lb_log()[before:] if x.path.startswith("/socket.io")]
    assert len(polls) >= 4 and all(x.status in (200, 101) for x in polls), polls
    assert {x.server for x in polls} == {cookie}, "socket.io requests left their replica"


def test_a_replica_killed_during_an_sms_burst_loses_and_duplicates_nothing(
        cluster: Replicas, hooks: TwilioWebhooks, fake_twilio: FakeTwilioApi,
        inbox: Inbox) -> None:
    numbers = [fake_number() for _ in range(12)]
    keys = [key(cluster, n) for n in numbers]
    victim = cluster.rasa[1]
    killed: List[float] = []
    before = len(cluster.lb_log())

    def send(number: str) -> int:  # one connection per webhook, as Twilio
        once = TwilioWebhooks(hooks.post_url, AUTH_TOKEN, signed_url=hooks.signed_url)
        status = once.send(number, tip_text(numbers.index(number)))[0].status_code
        if number == numbers[4]:  # 5 acknowledged, the last ones' turns under way
            assert victim.process is not None
            victim.process.kill()  # SIGKILL: no graceful stop, turns cut in the middle
            killed.append(time.monotonic())
        return status

    statuses = burst(numbers, send, lambda: None, kill_after=0, spacing=0.3)
    assert killed and victim.process is not None and victim.process.wait(10) == -9
    assert statuses == [200] * len(numbers), "a webhook was refused"
    burst_lines = [x for x in cluster.lb_log()[before:] if x.path == WEBHOOK_PATH]
    assert "rasa2" in {x.server for x in burst_lines}, "the victim served none of the burst"
    tips = inbox.one_tip_each(keys)  # every sender exactly one tip: none lost, none twice
    receipts = []
    for number, sender in zip(numbers, keys, strict=True):  # and told its reference
        sent = fake_twilio.wait_for(lambda m, ref=tips[sender].reference: any(
            ref in x.body for x in m), 90, to=number)
        receipts.append(sum(tips[sender].reference in m.body for m in sent))
    assert all(receipts), f"receipts per sender: {receipts}"
    retried = [x for x in burst_lines if x.retries not in ("0", "+0")]
    print(f"\nburst: {len(numbers)} senders, {len(burst_lines)} webhooks, "
          f"{len(retried)} retried by the balancer on the other replica, "
          f"{len(tips)} tips (1 each), receipts per sender {receipts}, recovered by the "
          f"survivor: {cluster.rasa_log(0).count('recovery: resumed')} sweep(s)")
