"""A LibreTranslate-compatible HTTP server for tests.

In a test::

    with FakeLibreTranslate() as fake:          # a thread on a free port
        url = fake.url                          # "http://127.0.0.1:PORT/"
        fake.set_mode("hang")                   # ok | fail | hang | forbidden
        assert fake.count("/translate") == 1

As a process: ``python -m harness.fakes.libretranslate --port 5055 [--mode ok]``; switch the
mode with ``POST /_mode {"mode": "fail"}``, read counts with ``GET /_stats``, clear them
with ``POST /_reset``.

API (like LibreTranslate): ``POST /translate`` (q, source, target, format, api_key in the
query string, a form or a JSON body; q may be a list) → ``{"translatedText": ...}``;
``POST /detect`` → ``[{"language": "de", "confidence": 90.0}]``; ``GET /languages``.
Translations come from ``phrasebook.yml`` (exact sentence, any two languages of an entry);
unknown text comes back as ``"[de→en] <text>"``. Modes: fail → HTTP 500, hang → answer
after `hang_seconds` (60 s), forbidden → HTTP 403.
"""

from __future__ import annotations

import argparse
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from harness.fakes.base import FakeServer, QuietHandler

PHRASEBOOK = Path(__file__).with_name("phrasebook.yml")
MODES = ("ok", "fail", "hang", "forbidden")
LANGUAGE_NAMES = {
    "en": "English", "fr": "French", "es": "Spanish", "pt": "Portuguese", "de": "German",
    "it": "Italian", "nl": "Dutch", "ar": "Arabic", "zh": "Chinese", "ru": "Russian",
    "uk": "Ukrainian", "pa": "Punjabi", "hi": "Hindi", "ur": "Urdu", "tl": "Tagalog",
    "vi": "Vietnamese", "ko": "Korean", "ja": "Japanese", "pl": "Polish", "so": "Somali",
    "fa": "Persian",
}


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


class Phrasebook:
    """Sentences known in several languages."""

    def __init__(self, entries: list[dict[str, str]]) -> None:
        self._index: dict[tuple[str, str], dict[str, str]] = {}
        for entry in entries:
            languages = {k: v for k, v in entry.items() if len(k) == 2 and isinstance(v, str)}
            for code, text in languages.items():
                self._index[(code, _key(text))] = languages

    @classmethod
    def load(cls, path: Path | str = PHRASEBOOK) -> Phrasebook:
        """Read a phrasebook YAML file (a list of {code: sentence} mappings)."""
        return cls(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or [])

    def detect(self, text: str) -> tuple[str, float]:
        """The language of a known sentence (90.0), else English (10.0)."""
        for code in LANGUAGE_NAMES:
            if (code, _key(text)) in self._index:
                return code, 90.0
        return "en", 10.0

    def translate(self, text: str, source: str, target: str) -> str:
        """The phrasebook's sentence, or a deterministic marker."""
        if source == "auto":
            source = self.detect(text)[0]
        if source == target:
            return text
        entry = self._index.get((source, _key(text)))
        if entry and target in entry:
            return entry[target]
        return f"[{source}→{target}] {text}"


@dataclass(frozen=True)
class Recorded:
    """One request received (parameters included: test data only)."""

    method: str
    path: str
    params: dict[str, Any]


class FakeLibreTranslate(FakeServer):
    """The server, run on a daemon thread by `start()` (or as a context manager)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        mode: str = "ok",
        phrasebook: Path | str = PHRASEBOOK,
        api_key: str | None = None,
        hang_seconds: float = 60.0,
    ) -> None:
        self.phrasebook = Phrasebook.load(phrasebook)
        self.api_key = api_key
        self.mode = mode
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        super().__init__(_handler_for(self), host, port, hang_seconds)

    @property
    def mode(self) -> str:
        """The failure mode: ok, fail (500), hang (answer after hang_seconds), forbidden."""
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self._mode = mode

    def set_mode(self, mode: str) -> None:
        """Switch the failure mode (same as assigning `mode`)."""
        self.mode = mode

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """Base URL with the trailing slash deep-translator expects."""
        return f"http://{self._server.server_address[0]}:{self.port}/"

    def count(self, path: str | None = None) -> int:
        """Requests received (for one path, e.g. ``/translate``)."""
        with self._lock:
            return sum(1 for r in self.requests if path is None or r.path == path)

    def reset(self) -> None:
        """Forget recorded requests and go back to mode ok."""
        with self._lock:
            self.requests.clear()
        self.mode = "ok"

    def record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)


def _handler_for(fake: FakeLibreTranslate) -> type[BaseHTTPRequestHandler]:
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


def main(argv: list[str] | None = None) -> None:
    """Run the fake as a process until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--mode", choices=MODES, default="ok")
    parser.add_argument("--phrasebook", default=str(PHRASEBOOK))
    parser.add_argument("--api-key", default=None)
    parser.add_argument("--hang-seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    fake = FakeLibreTranslate(
        args.host, args.port, args.mode, args.phrasebook, args.api_key, args.hang_seconds
    )
    fake.run_as_process("fake LibreTranslate")


if __name__ == "__main__":
    main()
