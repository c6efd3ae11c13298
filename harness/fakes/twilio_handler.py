"""The fake Twilio API's HTTP side: routes, basic auth, Messages create/fetch, media, control.

Wire format (like api.twilio.com): ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``,
form-encoded (To, From or MessagingServiceSid, Body, MediaUrl, StatusCallback...; the
StatusCallback asked for is kept on the record), HTTP basic auth with the
account sid and auth token → 201 and the message resource as JSON (sid ``SM...``, status
``queued``, num_segments...). Errors are Twilio's JSON errors: 401 code 20003 (bad
credentials), 400 code 21604 (no To), 21603 (no From), 21602 (no Body), 21617 (body over
1600 characters), 21610 (unsubscribed recipient), 429 code 20429, 500 code 20500.
``GET .../Messages/{sid}.json`` fetches a sent message; ``GET .../Messages/{sid}/Media/{sid}``
returns a few bytes of "JPEG" (for the media download).
"""

from __future__ import annotations

import base64
import json
import secrets
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, Dict, List, Optional
from urllib.parse import parse_qs, urlsplit

from bot.channels.twilio.segments import segment_count
from harness.fakes.base import QuietHandler
from harness.fakes.twilio_wire import MAX_BODY, MEDIA_BYTES, SentMessage, twilio_error

if TYPE_CHECKING:
    from harness.fakes.twilio_api import FakeTwilioApi


def handler_for(fake: FakeTwilioApi) -> type[BaseHTTPRequestHandler]:
    """The request handler class serving ``fake``."""
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
                    self._not_found()
                    return
                rest = parts.path[len(prefix):].split("/")
                if not self._authorised(rest[0]):
                    self._send(401, twilio_error(401, 20003, "Authenticate"))
                    return
                if method == "POST" and rest[1:] == ["Messages.json"]:
                    self._create(form)
                elif method == "GET" and len(rest) == 5 and rest[3] == "Media":
                    self._send_bytes(200, MEDIA_BYTES, "image/jpeg")
                elif method == "GET" and len(rest) == 3 and rest[1] == "Messages":
                    found = fake.find(rest[2].removesuffix(".json"))
                    if found is None:
                        self._not_found()
                    else:
                        self._send(200, fake.resource(found))
                else:
                    self._not_found()
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
            mode = fake.take_mode()
            if mode == "hang":
                fake.hang()
                self._send(500, twilio_error(500, 20500, "Internal Server Error (after hanging)"))
                return
            if mode == "fail":
                self._send(500, twilio_error(500, 20500, "Internal Server Error"))
                return
            if mode == "throttle":
                self._send(429, twilio_error(429, 20429, "Too Many Requests"))
                return

            def one(name: str) -> Optional[str]:
                values = form.get(name)
                return values[-1] if values else None

            to, body = one("To"), one("Body")
            from_, service = one("From"), one("MessagingServiceSid")
            media = form.get("MediaUrl", [])
            if not to:
                self._send(400, twilio_error(400, 21604, "A 'To' phone number is required."))
            elif not from_ and not service:
                self._send(400, twilio_error(400, 21603, "A 'From' phone number is required."))
            elif not body and not media:
                self._send(400, twilio_error(400, 21602, "Message body is required."))
            elif body and len(body) > MAX_BODY:
                self._send(400, twilio_error(400, 21617, "The concatenated message body exceeds "
                                                   "the 1600 character limit."))
            elif mode == "unsubscribed":
                self._send(400, twilio_error(400, 21610,
                                             "Attempt to send to unsubscribed recipient"))
            else:
                message = SentMessage("SM" + secrets.token_hex(16), to, from_, service,
                                      body or "", list(media), segment_count(body or ""),
                                      status_callback=one("StatusCallback"))
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

        def _not_found(self) -> None:
            self._send(404, twilio_error(404, 20404, "The requested resource was not found"))

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
