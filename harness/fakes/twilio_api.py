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

Wire format (like api.twilio.com): ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``,
form-encoded (To, From or MessagingServiceSid, Body, MediaUrl...), HTTP basic auth with the
account sid and auth token → 201 and the message resource as JSON (sid ``SM...``, status
``queued``, num_segments...). Errors are Twilio's JSON errors: 401 code 20003 (bad
credentials), 400 code 21604 (no To), 21603 (no From), 21602 (no Body), 21617 (body over
1600 characters), 21610 (unsubscribed recipient), 429 code 20429, 500 code 20500.
``GET .../Messages/{sid}.json`` fetches a sent message; ``GET .../Messages/{sid}/Media/{sid}``
returns a few bytes of "JPEG" (for the media download).
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import parse_qs, urlsplit

from bot.channels.twilio.segments import segment_count
from harness.fakes.base import FakeServer, QuietHandler

MODES = ("ok", "fail", "throttle", "hang", "unsubscribed")
MAX_BODY = 1600
MEDIA_BYTES = b"\xff\xd8\xff\xe0fake-jpeg-bytes\xff\xd9"  # what GET .../Media/ME... returns


@dataclass(frozen=True)
class SentMessage:
    """A message the fake accepted (test data only)."""

    sid: str
    to: str
    from_: Optional[str]
    messaging_service_sid: Optional[str]
    body: str
    media_urls: List[str]
    num_segments: int
    created: float = field(default_factory=time.time)


def _error(status: int, code: int, message: str) -> Dict[str, Any]:
    return {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}


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
        super().__init__(_handler_for(self), host, port, hang_seconds)

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

    def _take_mode(self) -> str:
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
        date = formatdate(message.created, usegmt=True)
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message.sid}.json"
        return {
            "account_sid": self.account_sid, "api_version": "2010-04-01", "body": message.body,
            "date_created": date, "date_sent": None, "date_updated": date,
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": message.from_, "messaging_service_sid": message.messaging_service_sid,
            "num_media": str(len(message.media_urls)), "num_segments": str(message.num_segments),
            "price": None, "price_unit": "USD", "sid": message.sid, "status": "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": message.to, "uri": uri,
        }


def _handler_for(fake: FakeTwilioApi) -> type[BaseHTTPRequestHandler]:
    prefix = "/2010-04-01/Accounts/"

    class Handler(QuietHandler):
        server_version = "FakeTwilio/1.0"
        protocol_version = "HTTP/1.1"

        def _dispatch(self, method: str) -> None:
            try:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                form = {k: v for k, v in parse_qs(raw, keep_blank_values=True).items()}
                if parts.path.startswith("/_"):
                    self._control(method, parts.path, raw)
                    return
                if not parts.path.startswith(prefix):
                    self._send(404, _error(404, 20404, "The requested resource was not found"))
                    return
                rest = parts.path[len(prefix):].split("/")
                if not self._authorised(rest[0]):
                    self._send(401, _error(401, 20003, "Authenticate"))
                    return
                if method == "POST" and rest[1:] == ["Messages.json"]:
                    self._create(form)
                elif method == "GET" and len(rest) == 5 and rest[3] == "Media":
                    self._send_bytes(200, MEDIA_BYTES, "image/jpeg")
                elif method == "GET" and len(rest) == 3 and rest[1] == "Messages":
                    found = fake.find(rest[2].removesuffix(".json"))
                    if found is None:
                        self._send(404, _error(404, 20404, "The requested resource was not found"))
                    else:
                        self._send(200, fake.resource(found))
                else:
                    self._send(404, _error(404, 20404, "The requested resource was not found"))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout)

        def _authorised(self, account: str) -> bool:
            header = self.headers.get("Authorization") or ""
            if not header.startswith("Basic "):
                return False
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except ValueError:
                return False
            return (account == fake.account_sid and user == fake.account_sid
                    and secrets.compare_digest(password, fake.auth_token))

        def _create(self, form: Dict[str, List[str]]) -> None:
            mode = fake._take_mode()
            if mode == "hang":
                fake.hang()
                self._send(500, _error(500, 20500, "Internal Server Error (after hanging)"))
                return
            if mode == "fail":
                self._send(500, _error(500, 20500, "Internal Server Error"))
                return
            if mode == "throttle":
                self._send(429, _error(429, 20429, "Too Many Requests"))
                return

            def one(name: str) -> Optional[str]:
                values = form.get(name)
                return values[-1] if values else None

            to, body = one("To"), one("Body")
            from_, service = one("From"), one("MessagingServiceSid")
            media = form.get("MediaUrl", [])
            if not to:
                self._send(400, _error(400, 21604, "A 'To' phone number is required."))
            elif not from_ and not service:
                self._send(400, _error(400, 21603, "A 'From' phone number is required."))
            elif not body and not media:
                self._send(400, _error(400, 21602, "Message body is required."))
            elif body and len(body) > MAX_BODY:
                self._send(400, _error(400, 21617, "The concatenated message body exceeds "
                                                   "the 1600 character limit."))
            elif mode == "unsubscribed":
                self._send(400, _error(400, 21610, "Attempt to send to unsubscribed recipient"))
            else:
                message = SentMessage("SM" + secrets.token_hex(16), to, from_, service,
                                      body or "", list(media), segment_count(body or ""))
                fake.record(message)
                self._send(201, fake.resource(message))

        def _control(self, method: str, path: str, raw: str) -> None:
            if path == "/_mode" and method == "POST":
                params = json.loads(raw or "{}")
                try:
                    fake.set_mode(str(params.get("mode")), params.get("times"))
                except ValueError as error:
                    self._send(400, {"error": str(error)})
                    return
            elif path == "/_reset" and method == "POST":
                fake.reset()
            elif path == "/_messages" and method == "GET":
                self._send(200, [fake.resource(m) for m in fake.messages()])
                return
            elif path != "/_mode":
                self._send(404, {"error": "Not Found"})
                return
            self._send(200, {"mode": fake.mode, "requests": fake.requests,
                             "messages": len(fake.messages())})

        def _send_bytes(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _send(self, status: int, payload: Any) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


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
