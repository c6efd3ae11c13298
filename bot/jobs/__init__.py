"""Background jobs on huey: retries (translations, officer SMS), inbox recovery, retention.

``queue.py`` builds the huey instance from ``TIPLINE_JOBS_URL`` (SQLite in ``var/jobs.db``
by default, Redis in production); ``tasks.py`` declares the tasks and periodic tasks; the
consumer is ``python -m bot.jobs`` (or ``huey_consumer bot.jobs.tasks.huey``). The work
itself lives in plain functions (``translations``, ``sms``, ``retention``, ``tracker``),
callable without a queue (``tipline retry-translations``, ``tipline purge``).
"""
