"""A paging system's webhook endpoint on 127.0.0.1 that records what the tip line POSTs."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List


@dataclass
class Received:
    path: str
    headers: Dict[str, str]
    body: bytes


class FakePager:
    """Answers ``statuses`` in turn (then 200) and keeps every request it received."""

    def __init__(self, statuses: List[int] | None = None) -> None:
        self.received: List[Received] = []
        self.statuses = list(statuses or [])
        pager = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                pager.received.append(Received(self.path, dict(self.headers.items()),
                                               self.rfile.read(length)))
                status = pager.statuses.pop(0) if pager.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/page"

    def __enter__(self) -> FakePager:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
