"""Compatibility patches for running Rasa 3.6 (Sanic 21.12) on Python 3.11.

Sanic 21.12's websocket ``recv``/``recv_burst`` pass bare coroutines to ``asyncio.wait``,
which Python 3.11 refuses; wrapping them in tasks restores the websocket transport
(see shared notes: rasa-on-python311.md).
"""

from __future__ import annotations

import asyncio
import functools

_applied = False


def _tasks_only_wait(original):  # type: ignore[no-untyped-def]
    @functools.wraps(original)
    async def wait(fs, *args, **kwargs):  # type: ignore[no-untyped-def]
        fs = [asyncio.ensure_future(f) if asyncio.iscoroutine(f) else f for f in fs]
        return await original(fs, *args, **kwargs)

    return wait


def apply() -> None:
    """Patch Sanic's websocket module so it only hands tasks to ``asyncio.wait``."""
    global _applied
    if _applied:
        return
    from sanic.server.websockets import impl

    class _AsyncioProxy:
        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(asyncio, name)

    proxy = _AsyncioProxy()
    proxy.wait = _tasks_only_wait(asyncio.wait)  # type: ignore[attr-defined]
    impl.asyncio = proxy  # type: ignore[attr-defined]
    _applied = True
