"""bot/rollout.py against the real HAProxy with docker/haproxy.cfg and its runtime API
(deploy/haproxy/runtime-api.cfg): two stub replicas answering slowly are restarted one at a
time under a stream of webhooks; none is refused, cut or retried, and a replica is never
taken out while the other is down. The same with Rasa: tests/e2e/test_model_rollout.py."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator, List

import pytest
import requests

from bot.rollout import Balancer, Replica, RolloutError, main, roll, wait_for
from harness.rollout import stub_balancer
from harness.servers import Server, free_port
from harness.twilio import WEBHOOK_PATH


class Stub:
    """A replica: 200 on ``/`` (the balancer's check), 200 after 0.3 s on a webhook."""

    def __init__(self, port: int) -> None:
        self.port, self.served, self.generation = port, 0, 0
        self.httpd: ThreadingHTTPServer | None = None

    def start(self) -> None:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.answer()

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(0.3)  # in flight while the rollout drains
                stub.served += 1
                self.answer()

            def answer(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.httpd.daemon_threads = True
        self.generation += 1
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:  # abrupt: the listening socket closes at once
        assert self.httpd is not None
        self.httpd.shutdown()
        self.httpd.server_close()

    def restart(self) -> None:
        self.stop()
        time.sleep(1)  # down for a while: a request sent now would be refused
        self.start()


@pytest.fixture()
def lb(tmp_path: Path) -> Iterator[tuple[Server, Balancer, List[Stub]]]:
    stubs = [Stub(free_port()), Stub(free_port())]
    for stub in stubs:
        stub.start()
    server, balancer, _ = stub_balancer([stub.port for stub in stubs], tmp_path,
                                        "/webhooks/tipline_webchat/")
    yield server, balancer, stubs
    server.stop()
    for stub in stubs:
        stub.stop()


def lb_lines(server: Server) -> List[List[str]]:
    return [line.split() for line in server.log.read_text().splitlines()
            if line.startswith("lb ") and WEBHOOK_PATH in line]


def test_a_rollout_under_a_stream_of_webhooks_cuts_and_retries_nothing(lb) -> None:  # type: ignore[no-untyped-def]
    server, balancer, stubs = lb
    url = server.health.replace("/webhooks/tipline_webchat/", WEBHOOK_PATH)
    statuses: List[int | str] = []
    done = threading.Event()

    def stream() -> None:
        while not done.is_set():
            try:
                statuses.append(requests.post(url, data={"Body": "x"}, timeout=10).status_code)
            except requests.RequestException as exc:
                statuses.append(type(exc).__name__)
            time.sleep(0.05)

    senders = [threading.Thread(target=stream) for _ in range(3)]
    for sender in senders:
        sender.start()
    time.sleep(1)
    roll(balancer, [Replica(f"rasa{i + 1}", f"http://127.0.0.1:{stub.port}/", stub.restart)
                    for i, stub in enumerate(stubs)], drain_timeout=10, ready_timeout=30)
    time.sleep(1.5)
    done.set()
    for sender in senders:
        sender.join()
    assert len(statuses) > 20 and set(statuses) == {200}, statuses
    assert [stub.generation for stub in stubs] == [2, 2]
    assert balancer.is_up("rasa1") and balancer.is_up("rasa2")
    # HAProxy writes a request's line once it has answered it: the last one may land late
    wait_for(lambda: len(lb_lines(server)) >= len(statuses), 10, "every request logged")
    lines = lb_lines(server)
    assert len(lines) == len(statuses)
    assert {words[6] for words in lines} <= {"retries=0", "retries=+0"}, "a request was cut"
    assert {words[2] for words in lines[-4:]} == {"rasa_webhooks/rasa1", "rasa_webhooks/rasa2"}


def test_a_replica_is_not_taken_out_while_the_other_is_down(lb) -> None:  # type: ignore[no-untyped-def]
    _, balancer, stubs = lb
    stubs[1].stop()
    wait_for(lambda: not balancer.is_up("rasa2"), 15, "rasa2 DOWN")
    replicas = [Replica("rasa1", f"http://127.0.0.1:{stubs[0].port}/", stubs[0].restart),
                Replica("rasa2", f"http://127.0.0.1:{stubs[1].port}/", stubs[1].restart)]
    with pytest.raises(RolloutError, match="UP before taking rasa1 out"):
        roll(balancer, replicas, ready_timeout=3)
    assert stubs[0].generation == 1 and balancer.is_up("rasa1")
    stubs[1].start()  # for the fixture's stop


def test_the_command_line_restarts_each_named_replica_with_its_command(
        lb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, balancer, stubs = lb
    servers = [arg for i, stub in enumerate(stubs)
               for arg in ("--server", f"rasa{i + 1}=http://127.0.0.1:{stub.port}/")]
    main(["--socket", balancer.path, *servers, "--ready-timeout", "30",
          "--restart", f"touch {tmp_path}/restarted-{{name}}"])
    assert sorted(p.name for p in tmp_path.glob("restarted-*")) == ["restarted-rasa1",
                                                                    "restarted-rasa2"]
    assert balancer.is_up("rasa1") and balancer.is_up("rasa2")
