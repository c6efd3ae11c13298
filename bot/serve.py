"""Entry points of the tip line's servers, with the process-wide safety nets installed.

``python -m bot.serve rasa run ...`` runs Rasa's CLI; ``python -m bot.serve actions ...``
runs the rasa_sdk action server. Both redact phone numbers from logs; the Rasa server also
gets the Python 3.11 compatibility patches (bot/compat.py).
"""

from __future__ import annotations

import sys

from bot.privacy import redact


def main(argv: list[str]) -> None:
    redact.install()
    if argv[:1] == ["rasa"]:
        from bot import compat

        compat.apply()
        from rasa.__main__ import main as rasa_main

        sys.argv = ["rasa", *argv[1:]]
        rasa_main()
    elif argv[:1] == ["actions"]:
        from rasa_sdk.__main__ import main as sdk_main

        sys.argv = ["rasa_sdk", *argv[1:]]
        sdk_main()
    else:
        raise SystemExit("usage: python -m bot.serve (rasa|actions) [args...]")


if __name__ == "__main__":
    main(sys.argv[1:])
