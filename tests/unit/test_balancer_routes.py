"""The real HAProxy with docker/haproxy.cfg in front of two stub replicas: every public route of
the production channels reaches a replica (WhatsApp and voice round robin, socket.io on the
sticky backend), everything else is answered 404 by the balancer itself, and a webhook cut by
a dying replica is sent again to the other one while a web chat page is not."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, List, Tuple

import pytest
import requests

from bot.rollout import wait_for
from harness.rollout import stub_balancer
from harness.servers import Server, free_port
from tests.unit.public_routes import RASA_API, production_routes

PROBE = "X-Tipline-Probe"  # set on the test's requests: HAProxy's own checks do not have it
WHATSAPP = "/webhooks/tipline_whatsapp/webhook"


class Quiet(ThreadingHTTPServer):
    """No traceback when HAProxy's health check hangs up before reading the answer."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


class Stub:
    """A replica: answers 200 and notes each probe; ``dropping``: closes the connection
    without an answer instead (a replica dying in the middle of a request)."""

    def __init__(self, name: str) -> None:
        self.name, self.port, self.dropping = name, free_port(), False
        self.seen: List[Tuple[str, str]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.answer()

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.answer()

            def answer(self) -> None:
                if self.headers.get(PROBE):
                    stub.seen.append((self.command, self.path.split("?")[0]))
                    if stub.dropping:
                        self.close_connection = True
                        return
                self.send_response(200)
                self.send_header("Content-Length", str(len(stub.name)))
                self.end_headers()
                self.wfile.write(stub.name.encode())

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = Quiet(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def lb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tuple[str, Server, List[Stub]]]:
    stubs = [Stub("rasa1"), Stub("rasa2")]
    server, _, base = stub_balancer([stub.port for stub in stubs],
                                    tmp_path_factory.mktemp("lb"), "/webchat/embed.js")
    yield base, server, stubs
    server.stop()
    for stub in stubs:
        stub.stop()


def send(base: str, method: str, path: str) -> requests.Response:
    return requests.request(method, base + path, headers={PROBE: "1"}, timeout=10,
                            data={"MessageSid": "SM0"} if method == "POST" else None)


def logged(server: Server, path: str) -> List[List[str]]:
    """HAProxy's access lines for ``path``: lb, frontend, backend/server, method, path,
    status, retries=N, time."""
    return [words for words in (line.split() for line in server.log.read_text().splitlines())
            if words[:1] == ["lb"] and len(words) > 6 and words[4] == path]


def test_each_public_route_reaches_a_replica_and_nothing_else_does(lb) -> None:  # type: ignore[no-untyped-def]
    base, server, stubs = lb
    sent = []
    # each route in the forms Sanic serves it (with and without a final /)
    for route in production_routes():
        answers = {path: send(base, route.method, path) for path in route.urls}
        passed = [(route.method, path) for path, answer in answers.items()
                  if answer.status_code == 200 and answer.text in ("rasa1", "rasa2")]
        assert bool(passed) == route.public, (route, {p: a.status_code
                                                      for p, a in answers.items()})
        assert all(answer.status_code in (200, 404) for answer in answers.values())
        sent += passed
    for path in RASA_API:
        for method in ("GET", "POST"):
            assert send(base, method, path).status_code == 404, (method, path)
    assert sorted(stubs[0].seen + stubs[1].seen) == sorted(sent), "only the public routes"
    wait_for(lambda: all(logged(server, path) for _, path in sent), 10, "requests logged")
    for _, path in sent:
        backend = "rasa_chat" if path.startswith("/socket.io/") else "rasa_webhooks"
        for words in logged(server, path):  # WhatsApp, voice: round robin, no stickiness
            assert words[2].split("/")[0] == backend and words[5] == "200", words
    assert {w[5] for p in RASA_API for w in logged(server, p)} == {"404"}


def test_a_cut_webhook_goes_to_the_other_replica_and_a_page_does_not(lb) -> None:  # type: ignore[no-untyped-def]
    base, server, stubs = lb
    stubs[0].dropping = True
    try:
        voice = "/webhooks/tipline_voice/speech"
        answers = [send(base, "POST", path) for path in [WHATSAPP] * 4 + [voice] * 2]
        pages = [send(base, "GET", "/webchat/embed.js").status_code for _ in range(4)]
    finally:
        stubs[0].dropping = False
    assert [answer.text for answer in answers] == ["rasa2"] * 6, "each retried on rasa2"
    assert ("POST", WHATSAPP) in stubs[0].seen, "rasa1 did get (and cut) a webhook"
    wait_for(lambda: len(logged(server, WHATSAPP)) >= 4, 10, "webhooks logged")
    retries = [words[6] for words in logged(server, WHATSAPP) + logged(server, voice)]
    assert any(r not in ("retries=0", "retries=+0") for r in retries), retries
    assert 502 in pages and 200 in pages, pages  # a page cut on rasa1 is not replayed
