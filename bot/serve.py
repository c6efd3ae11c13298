"""Entry points of the tip line's servers, with the process-wide safety nets installed.

``python -m bot.serve rasa run ...`` runs Rasa's CLI; ``python -m bot.serve actions ...``
runs the rasa_sdk action server. Both redact phone numbers from logs and escape control
characters in them (one record, one line: bot/logging_safe.py); the Rasa server also gets
the Python 3.11 compatibility patches (bot/compat.py), its HTTP API only ever opens with
a token (bot/rasa_api.py) and its SQL tracker store hides SQL parameters (event data:
tip texts) from its error messages; ``rasa run`` also gets bot/speed.py (one OpenMP thread,
NLU and tracker store off the event loop, CRF taggers trained once per model, action calls
on kept-alive connections). The action server answers a failed action with its
name and the error's type only, never the request (bot/actions_server.py).
"""

from __future__ import annotations

import sys

from bot import logging_safe
from bot.privacy import redact


def hide_tracker_store_parameters() -> None:
    """Rasa's SQL tracker store creates its engine with ``create_engine_kwargs(url)``
    (rasa.core.tracker_store): add ``hide_parameters=True`` to them, once."""
    from rasa.core import tracker_store

    original = tracker_store.create_engine_kwargs
    if getattr(original, "_tipline_hidden", False):
        return

    def create_engine_kwargs(url):  # type: ignore[no-untyped-def]
        return {**original(url), "hide_parameters": True}

    create_engine_kwargs._tipline_hidden = True  # type: ignore[attr-defined]
    tracker_store.create_engine_kwargs = create_engine_kwargs


def main(argv: list[str]) -> None:
    redact.install()
    logging_safe.install()  # one record, one line (it redacts too: the order is free)
    if argv[:1] == ["rasa"]:
        if argv[1:2] == ["run"]:
            from bot import speed

            speed.pin_threads()  # before numpy, scikit-learn or TensorFlow start (bot/speed.py)
        from bot import compat, rasa_api
        from bot.settings import get_settings

        rasa_args = rasa_api.guard(argv[1:], get_settings().rasa_api_token)  # no open API
        compat.apply()
        hide_tracker_store_parameters()
        if rasa_args[:1] == ["run"]:
            from bot import speed

            speed.install()  # NLU and tracker store off the event loop (bot/speed.py)
        from rasa.__main__ import main as rasa_main

        sys.argv = ["rasa", *rasa_args]
        rasa_main()
    elif argv[:1] == ["actions"]:
        from rasa_sdk.__main__ import main as sdk_main

        from bot import actions_server

        actions_server.install()
        sys.argv = ["rasa_sdk", *argv[1:]]
        sdk_main()
    else:
        raise SystemExit("usage: python -m bot.serve (rasa|actions) [args...]")


if __name__ == "__main__":
    main(sys.argv[1:])
