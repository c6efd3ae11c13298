"""Entry points of the tip line's servers, with the process-wide safety nets installed.

``python -m bot.serve rasa run ...`` runs Rasa's CLI; ``python -m bot.serve actions ...``
runs the rasa_sdk action server. Both redact phone numbers from logs and escape control
characters in them (one record, one line: bot/logging_safe.py); the Rasa server also gets
the Python 3.11 compatibility patches (bot/compat.py), and its HTTP API only ever opens with
a token (bot/rasa_api.py).
"""

from __future__ import annotations

import sys

from bot import logging_safe
from bot.privacy import redact


def main(argv: list[str]) -> None:
    redact.install()
    logging_safe.install()  # one record, one line (it redacts too: the order is free)
    if argv[:1] == ["rasa"]:
        from bot import compat, rasa_api
        from bot.settings import get_settings

        rasa_args = rasa_api.guard(argv[1:], get_settings().rasa_api_token)  # no open API
        compat.apply()
        from rasa.__main__ import main as rasa_main

        sys.argv = ["rasa", *rasa_args]
        rasa_main()
    elif argv[:1] == ["actions"]:
        from rasa_sdk.__main__ import main as sdk_main

        sys.argv = ["rasa_sdk", *argv[1:]]
        sdk_main()
    else:
        raise SystemExit("usage: python -m bot.serve (rasa|actions) [args...]")


if __name__ == "__main__":
    main(sys.argv[1:])
