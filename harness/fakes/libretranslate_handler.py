"""The fake LibreTranslate's HTTP side: request parsing, failure modes, API routes, control."""

from __future__ import annotations

import json
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from harness.fakes.base import QuietHandler
from harness.fakes.libretranslate_phrasebook import LANGUAGE_NAMES

if TYPE_CHECKING:
    from harness.fakes.libretranslate import FakeLibreTranslate


@dataclass(frozen=True)
class Recorded:
    """One request received (parameters included: test data only)."""

    method: str
    path: str
    params: dict[str, Any]


def handler_for(fake: FakeLibreTranslate) -> type[BaseHTTPRequestHandler]:
    """The request handler class serving ``fake``."""
    class Handler(QuietHandler):
        server_version = "FakeLibreTranslate/1.0"

        def _dispatch(self, method: str) -> None:
            try:
                path, params = self._read()
                if path.startswith("/_"):
                    self._control(method, path, params)
                    return
                fake.record(Recorded(method, path, params))
                if fake.mode == "forbidden":
                    self._send(403, {"error": "Forbidden (fake mode)"})
                    return
                if fake.mode == "fail":
                    self._send(500, {"error": "Internal error (fake mode)"})
                    return
                if fake.mode == "hang":
                    fake.hang()
                self._route(method, path, params)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout): nothing to answer

        def _read(self) -> tuple[str, dict[str, Any]]:
            parts = urlsplit(self.path)
            params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if body and kind == "application/json":
                loaded = json.loads(body.decode("utf-8"))
                if isinstance(loaded, dict):
                    params.update(loaded)
            elif body:
                params.update({k: v[-1] for k, v in parse_qs(body.decode("utf-8")).items()})
            return parts.path, params

        def _route(self, method: str, path: str, params: dict[str, Any]) -> None:
            if path == "/languages" and method == "GET":
                codes = sorted(LANGUAGE_NAMES)
                self._send(200, [
                    {"code": c, "name": LANGUAGE_NAMES[c], "targets": codes} for c in codes
                ])
                return
            if method != "POST" or path not in ("/translate", "/detect"):
                self._send(404, {"error": "Not Found"})
                return
            if fake.api_key is not None and params.get("api_key") != fake.api_key:
                self._send(403, {"error": "Invalid API key"})
                return
            q = params.get("q")
            if q is None or (path == "/translate" and not params.get("target")):
                self._send(400, {"error": "Invalid request: missing q or target parameter"})
                return
            if path == "/detect":
                code, confidence = fake.phrasebook.detect(str(q))
                self._send(200, [{"language": code, "confidence": confidence}])
                return
            source, target = params.get("source", "auto"), params["target"]
            unsupported = [c for c in (source, target) if c != "auto" and c not in LANGUAGE_NAMES]
            if unsupported:
                self._send(400, {"error": f"{unsupported[0]} is not supported"})
                return
            texts = q if isinstance(q, list) else [q]
            out = [fake.phrasebook.translate(str(t), source, target) for t in texts]
            answer: dict[str, Any] = {"translatedText": out if isinstance(q, list) else out[0]}
            if source == "auto":
                code, confidence = fake.phrasebook.detect(str(texts[0]))
                answer["detectedLanguage"] = {"language": code, "confidence": confidence}
            self._send(200, answer)

        def _control(self, method: str, path: str, params: dict[str, Any]) -> None:
            if path == "/_mode" and method == "POST":
                try:
                    fake.mode = str(params.get("mode"))
                except ValueError as error:
                    self._send(400, {"error": str(error)})
                    return
            elif path == "/_reset" and method == "POST":
                fake.reset()
            elif path != "/_stats" and path != "/_mode":
                self._send(404, {"error": "Not Found"})
                return
            self._send(200, {
                "mode": fake.mode,
                "requests": fake.count(),
                "translate": fake.count("/translate"),
            })

        def _send(self, status: int, payload: Any) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
