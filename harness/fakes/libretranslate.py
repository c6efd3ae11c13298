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

``harness.fakes.libretranslate_handler`` answers the requests;
``harness.fakes.libretranslate_phrasebook`` knows the sentences.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from harness.fakes.base import FakeServer
from harness.fakes.libretranslate_handler import Recorded, handler_for
from harness.fakes.libretranslate_phrasebook import LANGUAGE_NAMES, PHRASEBOOK, Phrasebook

__all__ = ["LANGUAGE_NAMES", "MODES", "PHRASEBOOK", "FakeLibreTranslate", "Phrasebook",
           "Recorded", "main"]

MODES = ("ok", "fail", "hang", "forbidden")


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
        super().__init__(handler_for(self), host, port, hang_seconds)

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
