"""What every fake provider server shares: a threaded HTTP server with a start/stop life."""

from __future__ import annotations

import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional, TypeVar

Self = TypeVar("Self", bound="FakeServer")


class FakeServer:
    """An HTTP server on 127.0.0.1 in a daemon thread; ``hang`` waits until stop."""

    thread_name = "fake-server"

    def __init__(self, handler: type[BaseHTTPRequestHandler], host: str, port: int,
                 hang_seconds: float) -> None:
        self.hang_seconds = hang_seconds
        self._release = threading.Event()
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread: Optional[threading.Thread] = None

    def hang(self) -> None:
        """Wait ``hang_seconds``, or less if the server stops."""
        self._release.wait(self.hang_seconds)

    def start(self: Self) -> Self:
        self._release.clear()
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def run_as_process(self, name: str) -> None:
        """Serve in the foreground until SIGTERM or Ctrl-C (``python -m harness.fakes.X``)."""
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=self.stop).start())
        print(f"{name} listening on {self.url}", flush=True)  # type: ignore[attr-defined]
        try:
            self.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._release.set()
            self._server.server_close()

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self: Self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class QuietHandler(BaseHTTPRequestHandler):
    """A handler that logs nothing (request lines carry tip text or numbers) and sends
    GET and POST to ``_dispatch(method)``."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        raise NotImplementedError
