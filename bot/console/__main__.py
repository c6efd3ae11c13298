"""Serve the duty officers' console.

    python -m bot.console [--server waitress|werkzeug] [--port 8000] [--bind 127.0.0.1]

waitress (a production WSGI server) is used when it is installed. Werkzeug's threaded
server is used only when asked for explicitly (``--server werkzeug`` or
``TIPLINE_CONSOLE_SERVER=werkzeug``): the run script does so for the embedded default.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
from urllib.parse import urlsplit

from bot import logging_safe
from bot.settings import get_settings

log = logging.getLogger("bot.console")
QUIET_PATHS = ("/healthz", "/queue/changes")


def main(argv: list[str] | None = None) -> int:
    settings = get_settings().console
    parser = argparse.ArgumentParser(prog="python -m bot.console", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", choices=("waitress", "werkzeug"),
                        default=os.environ.get("TIPLINE_CONSOLE_SERVER", "waitress"))
    parser.add_argument("--bind", default=settings.bind)
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging_safe.install()  # one record, one line: no forged log lines from request data

    if args.server == "waitress" and importlib.util.find_spec("waitress") is None:
        print("bot.console: waitress is not installed. Install it (production), or start the "
              "console with --server werkzeug (TIPLINE_CONSOLE_SERVER=werkzeug) on a trusted "
              "network.", file=sys.stderr)
        return 2
    from bot.console.app import create_app

    try:
        app = create_app(settings)
    except (RuntimeError, ValueError) as exc:  # missing secret or schema, bad rules file
        print(f"bot.console: {exc}", file=sys.stderr)
        return 2
    log.info("console on http://%s:%d (%s)", args.bind, args.port, args.server)
    if args.server == "waitress":
        from waitress import serve  # type: ignore[import-not-found]

        serve(app, host=args.bind, port=args.port, threads=args.threads, ident="tipline")
        return 0
    from werkzeug.serving import WSGIRequestHandler, run_simple

    class QuietHandler(WSGIRequestHandler):
        """Request lines without client address or query string."""

        def log_request(self, code: object = "-", size: object = "-") -> None:
            # method and path only: search words in the query string stay out of the logs
            path = urlsplit(self.path).path
            if path in QUIET_PATHS and str(code).startswith("2"):
                return  # the queue pages poll every few seconds
            log.info("%s %s %s", self.command, path, code)

    run_simple(args.bind, args.port, app, threaded=True, use_reloader=False,
               use_debugger=False, request_handler=QuietHandler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
