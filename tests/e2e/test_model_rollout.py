"""A new model rolled out replica by replica under a steady stream of SMS tips, with
bot/rollout.py driving HAProxy's runtime API over the replicas of docker/compose.yml
(harness/rollout.py): no webhook refused or retried, every tip stored once and confirmed,
both replicas on the new model file afterwards and serving. Figures: docs/scaling.md."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from typing import Iterator, List, Tuple

import pytest
import requests

from bot.privacy.keys import contact_hash
from bot.rollout import Balancer, roll
from harness.clients import tip_text
from harness.durable import Inbox
from harness.fakes.twilio_api import FakeTwilioApi
from harness.inbox import pg_database
from harness.replicas import HAPROXY
from harness.rollout import RollingReplicas
from harness.servers import ROOT
from harness.services import missing
from harness.twilio import AUTH_TOKEN, PUBLIC_BASE, WEBHOOK_PATH, TwilioWebhooks, fake_number

SPACING = 1.0  # one tip a second, each from a new tipster, for the whole rollout


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory,
            fake_twilio: FakeTwilioApi) -> Iterator[RollingReplicas]:
    if missing(HAPROXY):
        pytest.fail(f"{HAPROXY} missing: run scripts/install-test-deps.sh")
    for url in pg_database():
        replicas = RollingReplicas(tmp_path_factory.mktemp("rollout"), url, fake_twilio)
        try:
            yield replicas.start()
        finally:
            replicas.stop()


class Stream:
    """Signed SMS tips through the balancer, SPACING apart, until stopped."""

    def __init__(self, cluster: RollingReplicas) -> None:
        self.url = cluster.url + WEBHOOK_PATH
        self.sent: List[Tuple[str, int | str]] = []  # (number, status or error)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stopped.is_set():
            number = fake_number()
            hooks = TwilioWebhooks(self.url, AUTH_TOKEN, signed_url=PUBLIC_BASE + WEBHOOK_PATH)
            try:  # one connection per webhook, as Twilio
                status: int | str = hooks.send(number, tip_text(len(self.sent)))[0].status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            self.sent.append((number, status))
            self.stopped.wait(SPACING)

    def __enter__(self) -> Stream:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(60)


def test_a_model_rolled_out_replica_by_replica_drops_no_message(
        cluster: RollingReplicas, fake_twilio: FakeTwilioApi,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.rollout")
    new_model = cluster.workdir / "next.tar.gz"  # same model, another file: no training
    args = cluster.rasa[0].args
    shutil.copyfile(ROOT / args[args.index("--model") + 1], new_model)
    balancer: Balancer = cluster.balancer_api()
    old_pids = [server.process.pid for server in cluster.rasa if server.process]
    before = len(cluster.lb_log())
    started = time.monotonic()
    with Stream(cluster) as stream:
        time.sleep(3 * SPACING)  # both replicas serving before the first is taken out
        roll(balancer, cluster.rollout_replicas(new_model))
        rolled = time.monotonic() - started
        time.sleep(4 * SPACING)  # and both serving again after
    numbers = [number for number, _ in stream.sent]
    statuses = [status for _, status in stream.sent]
    assert statuses == [200] * len(statuses), f"refused or failed webhooks: {statuses}"

    for server in cluster.rasa:  # both replicas restarted on the new model file
        assert server.process is not None and server.process.poll() is None
        assert server.process.pid not in old_pids
        assert server.args[server.args.index("--model") + 1] == str(new_model)
        assert balancer.is_up(server.name)

    lines = [x for x in cluster.lb_log()[before:] if x.path == WEBHOOK_PATH]
    assert len(lines) == len(numbers), "a webhook did not pass the balancer once"
    assert {x.status for x in lines} == {200}, lines
    retried = [x for x in lines if x.retries not in ("0", "+0")]
    assert not retried, f"requests cut by a stopping replica: {retried}"
    last = lines[-3:]  # the new processes serve: round robin over both again
    assert {x.server for x in last} == {"rasa1", "rasa2"}, last

    inbox = Inbox(cluster)  # type: ignore[arg-type]  (reads cluster.env only)
    keys = [contact_hash(n, key=cluster.env["TIPLINE_HASH_KEY"]) for n in numbers]
    inbox.settle(keys, timeout=300)
    tips = inbox.one_tip_each(keys)  # every tipster exactly one tip: none lost, none twice
    for number, key in zip(numbers, keys, strict=True):  # and told its reference
        reference = tips[key].reference
        fake_twilio.wait_for(lambda m, ref=reference: any(ref in x.body for x in m), 120,
                             to=number)
    served = [x.server for x in lines]
    resumed = sum(cluster.rasa_log(i).count("recovery: resumed") for i in (0, 1))
    print(f"\nrollout: {rolled:.1f} s for 2 replicas; {len(numbers)} SMS tips "
          f"{SPACING} s apart, all 200, 0 retried, {len(tips)} tips (1 each), all confirmed; "
          f"served by rasa1 {served.count('rasa1')}, rasa2 {served.count('rasa2')}; "
          f"inbox sweeps that resumed a sender: {resumed}")
    print("\n".join(r.getMessage() for r in caplog.records if r.name == "bot.rollout"))
