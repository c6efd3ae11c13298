"""Rasa's HTTP API is never open without a token: the arguments of ``rasa run`` are checked.

Rasa serves its HTTP API (``/conversations/<id>/tracker``, ``/model``, ``/model/parse``,
...) on the same port as the channels' webhooks, and without ``--auth-token`` anyone who
reaches that port can read every conversation, append events or make the server download
a model. The tip line's servers therefore run without ``--enable-api`` (make run, docker);
where the API is wanted (tests, benchmarks, maintenance on a private network) ``bot.serve``
adds ``--auth-token`` from ``TIPLINE_RASA_API_TOKEN`` (in memory: the token never appears
in the process list) and refuses to start when there is none. Clients send the token as the
``token`` query parameter, the only form Rasa 3.6 accepts for a static token.
"""

from __future__ import annotations

from typing import List, Sequence

ENABLE_API = "--enable-api"
AUTH_FLAGS = ("--auth-token", "-t", "--jwt-secret")


class OpenApiRefused(SystemExit):
    """Stops the start of a Rasa server whose API would be open (message on stderr)."""


def _has_flag(argv: Sequence[str], flags: Sequence[str]) -> bool:
    return any(arg in flags or arg.split("=", 1)[0] in flags for arg in argv)


def guard(argv: Sequence[str], token: str) -> List[str]:
    """The arguments of ``rasa ...`` to run: the token added when the API is enabled.

    ``argv`` starts after ``rasa`` (``["run", "--enable-api", ...]``). Anything but
    ``rasa run --enable-api`` is returned unchanged.
    """
    args = list(argv)
    if args[:1] != ["run"] or ENABLE_API not in args or _has_flag(args, AUTH_FLAGS):
        return args
    if not token:
        raise OpenApiRefused(
            "bot.serve: refusing to start Rasa with --enable-api and no token; set "
            "TIPLINE_RASA_API_TOKEN (or drop --enable-api: the channels do not need it)")
    return [*args, "--auth-token", token]
