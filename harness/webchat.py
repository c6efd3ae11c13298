"""The web chat's side of the tests: channel credentials, a community site, a browser.

``COMMUNITY_SITE`` is an origin in the channel's allowed list: a small HTTP server on
``localhost`` serves a page that pastes the embed tag, as a town's site would.
``OTHER_SITE`` is the same server reached as ``127.0.0.1``: another origin, not listed.
"""

from __future__ import annotations

import html
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List

from bot.channels.webchat.spec import SPEC
from harness.servers import ROOT, free_port

SITE_PORT = free_port()
COMMUNITY_SITE = f"http://localhost:{SITE_PORT}"
OTHER_SITE = f"http://127.0.0.1:{SITE_PORT}"
CHANNEL = SPEC.input_class
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


def webchat_credentials() -> Dict[str, Any]:
    """credentials.yml entry of the web chat channel for a test stack."""
    return {CHANNEL: {"session_persistence": True, "allowed_origins": [COMMUNITY_SITE],
                      "poll_seconds": 2}}


class CommunitySite:
    """A community site on ``localhost:SITE_PORT`` whose page embeds the tip line's chat."""

    def __init__(self, tipline_url: str) -> None:
        self.tipline_url = tipline_url
        self.server: ThreadingHTTPServer | None = None

    def page(self) -> bytes:
        src = html.escape(f"{self.tipline_url}/webchat/embed.js")
        return (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Town of Lacolle: community news</title></head><body>"
            "<main><h1>Town news</h1><p>Community notices.</p></main>"
            f"<script src='{src}' data-title='Town tip line' data-color='#7a1f2b' async>"
            "</script></body></html>"
        ).encode()

    def start(self) -> CommunitySite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                body = site.page() if self.path.split("?")[0] in ("/", "/index.html") else b""
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", SITE_PORT), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def axe_source() -> str:
    if not AXE.is_file():
        raise FileNotFoundError(f"{AXE} missing: run scripts/install-web.sh")
    return AXE.read_text(encoding="utf-8")


def artifacts_dir() -> Path:
    from harness.servers import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def texts_of(elements: List[Any]) -> List[str]:
    return [e.inner_text() for e in elements]


