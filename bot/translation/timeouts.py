"""A per-thread default timeout for ``requests``, which deep-translator calls without one.

`install()` wraps ``requests.Session.request`` once: a call made inside `bounded(seconds)`
on the same thread and without its own timeout gets ``timeout=seconds``. Other threads and
callers are untouched. It also keeps urllib3's debug line (which holds the full URL, so the
tip text) out of the logs for calls made inside `bounded`.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

_local = threading.local()
_install_lock = threading.Lock()
_installed = False
# Session.request(method, url, params, data, headers, cookies, files, auth, timeout, ...):
# `timeout` is args[6] when passed positionally after url.
_TIMEOUT_POSITION = 6


def current_timeout() -> float | None:
    """The bound set by `bounded` on this thread, if any."""
    return getattr(_local, "timeout", None)


@contextmanager
def bounded(seconds: float) -> Iterator[None]:
    """Within this block, requests made by this thread time out after `seconds`."""
    install()
    previous = current_timeout()
    _local.timeout = max(seconds, 0.001)
    try:
        yield
    finally:
        _local.timeout = previous


class _QuietInsideBound(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return current_timeout() is None


def install() -> None:
    """Wrap ``requests.Session.request`` (idempotent)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        original = requests.Session.request

        @functools.wraps(original)
        def request(self: requests.Session, method: str, url: str, *args: Any, **kwargs: Any):
            limit = current_timeout()
            if (
                limit is not None
                and len(args) <= _TIMEOUT_POSITION
                and kwargs.get("timeout") is None
            ):
                kwargs["timeout"] = limit
            return original(self, method, url, *args, **kwargs)

        requests.Session.request = request  # type: ignore[method-assign]
        logging.getLogger("urllib3.connectionpool").addFilter(_QuietInsideBound())
        _installed = True
