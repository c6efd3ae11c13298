"""A stand-in for Twilio's REST API (Messages resource) on 127.0.0.1, for tests and benches.

In a test::

    with FakeTwilioApi(account_sid, auth_token) as fake:   # a thread on a free port
        client = Client(account_sid, auth_token)
        client.api.base_url = fake.url                     # the real twilio Client
        fake.set_mode("throttle", times=2)                 # ok | fail | throttle | hang |
                                                           # unsubscribed (times: then ok)
        fake.wait_for(lambda msgs: len(msgs) == 1)
        fake.messages(to="+15145550100")

As a process: ``python -m harness.fakes.twilio_api --port 8099 --account AC... --token ...``;
``POST /_mode {"mode": "fail", "times": 3}``, ``GET /_messages``, ``POST /_reset``.
``harness.fakes.twilio_handler`` speaks the wire format; ``harness.fakes.twilio_wire`` holds
the message records and JSON bodies.
"""

from __future__ import annotations

import argparse
import threading
import time
from typing import Any, Callable, Dict, List, Optional

from harness.fakes.base import FakeServer
from harness.fakes.twilio_handler import handler_for
from harness.fakes.twilio_wire import MAX_BODY, MEDIA_BYTES, MODES, SentMessage, message_resource

__all__ = ["MAX_BODY", "MEDIA_BYTES", "MODES", "FakeTwilioApi", "SentMessage", "main"]


class FakeTwilioApi(FakeServer):
    """The server, on a daemon thread after ``start()`` (or as a context manager)."""

    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "test-token",  # noqa: S107
                 host: str = "127.0.0.1", port: int = 0, hang_seconds: float = 30.0) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests = 0
        self._sent: List[SentMessage] = []
        self._mode = "ok"
        self._mode_left: Optional[int] = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        super().__init__(handler_for(self), host, port, hang_seconds)

    # -- control -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL to give to ``client.api.base_url`` (no trailing slash)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str, times: Optional[int] = None) -> None:
        """Answer in ``mode`` (for the next ``times`` requests only, if given)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        with self._lock:
            self._mode, self._mode_left = mode, times

    def take_mode(self) -> str:
        """The mode for one create request (counts the request, uses up ``times``)."""
        with self._lock:
            self.requests += 1
            mode = self._mode
            if self._mode_left is not None:
                self._mode_left -= 1
                if self._mode_left <= 0:
                    self._mode, self._mode_left = "ok", None
            return mode

    def messages(self, to: Optional[str] = None) -> List[SentMessage]:
        """Messages accepted so far (to one number, if given), oldest first."""
        with self._lock:
            return [m for m in self._sent if to is None or m.to == to]

    def wait_for(self, probe: Callable[[List[SentMessage]], bool], timeout: float = 20.0,
                 to: Optional[str] = None) -> List[SentMessage]:
        """Wait until ``probe(messages)`` is true; the messages (to ``to``) at that point."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                current = [m for m in self._sent if to is None or m.to == to]
                if probe(current):
                    return current
                left = deadline - time.monotonic()
                if left <= 0:
                    return current
                self._changed.wait(min(left, 0.5))

    def reset(self) -> None:
        with self._lock:
            self._sent.clear()
            self.requests = 0
            self._mode, self._mode_left = "ok", None

    def record(self, message: SentMessage) -> None:
        with self._changed:
            self._sent.append(message)
            self._changed.notify_all()

    def find(self, sid: str) -> Optional[SentMessage]:
        with self._lock:
            return next((m for m in self._sent if m.sid == sid), None)

    def resource(self, message: SentMessage) -> Dict[str, Any]:
        """The JSON Twilio returns for a message."""
        return message_resource(self.account_sid, message)


def main(argv: Optional[List[str]] = None) -> None:
    """Run the fake as a process until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--account", default="AC" + "0" * 32)
    parser.add_argument("--token", default="test-token")
    args = parser.parse_args(argv)
    fake = FakeTwilioApi(args.account, args.token, args.host, args.port)
    fake.run_as_process("fake Twilio API")


if __name__ == "__main__":
    main()
