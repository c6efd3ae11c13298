"""``python -m bot.jobs [huey_consumer options]``: the consumer of the tip line's jobs.

The same as ``huey_consumer bot.jobs.tasks.huey`` with the tip line's defaults
(``TIPLINE_JOBS_WORKERS`` worker threads, stale task locks flushed at start, SIGTERM lets
running tasks finish for up to 8 s) and its log safety nets (phone numbers redacted, one
record per line).
"""

from __future__ import annotations

import logging
import sys
from typing import List, Optional

from huey.consumer_options import ConsumerConfig, OptionParserHandler

from bot import logging_safe
from bot.privacy import redact
from bot.settings import get_settings


def main(argv: Optional[List[str]] = None) -> None:
    redact.install()
    logging_safe.install()
    parser = OptionParserHandler().get_option_parser()
    parser.prog = "python -m bot.jobs"
    options, _ = parser.parse_args(sys.argv[1:] if argv is None else argv)
    values = {k: v for k, v in vars(options).items() if v is not None}
    values.setdefault("workers", get_settings().jobs.workers)
    values["flush_locks"] = True  # one consumer per deployment: a lock left by a kill is stale
    # SIGTERM (docker stop, bot.supervise) lets a running task finish, for a few seconds
    values.setdefault("graceful_signal", "TERM")
    values.setdefault("shutdown_timeout", 8.0)
    config = ConsumerConfig(**values)
    config.validate()
    logging.basicConfig(level=logging.DEBUG if config.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    huey_logger = logging.getLogger("huey")
    config.setup_logger(huey_logger)
    huey_logger.propagate = False  # huey's own handler, not twice through the root's

    from bot.jobs.tasks import huey

    huey.create_consumer(**config.values).run()


if __name__ == "__main__":
    main()
