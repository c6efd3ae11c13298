"""Group commit: units of work queued while a transaction is written share the next one.

Many callers (webhooks) each have a small unit of work: a function of a ``Connection``.
Instead of one transaction and one commit (one fsync) each, a writer thread takes every
unit queued when it becomes free (up to ``max_batch``: no timer, no added latency when
idle) and runs them in one transaction, each inside its own SAVEPOINT. A unit that fails
is rolled back to its savepoint alone: retried once in a fresh savepoint when its error is
a ``retry_on`` one (a concurrent replay's IntegrityError), else failed alone; the others
go on. Every caller's future is resolved only after the COMMIT returned: an answer given
is durable. A batch that cannot reach the database is run again for up to
``wait_seconds()`` (``patiently``), then each of its units fails with that error; a batch
failing otherwise is run again unit by unit.

Writers share one queue: a free writer takes, in arrival order, the units whose ``key`` no
other writer is writing (a key's later units wait for its earlier ones): per-key order is
kept, and no writer idles while another has a backlog. On SQLite the transaction opens
with ``BEGIN IMMEDIATE`` (the pysqlite driver would let the first SAVEPOINT start, and its
RELEASE commit, the transaction; and a write lock taken up front spares the
read-then-write upgrade its ``SQLITE_BUSY``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Generic, List, Optional, Set, Tuple, Type, TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.store.db import get_engine, patiently, unreachable

log = logging.getLogger(__name__)
T = TypeVar("T")
Outcome = Tuple[Any, Optional[BaseException]]


@dataclass
class _Unit(Generic[T]):
    key: str
    work: Callable[[Connection], T]
    future: Future[T] = field(default_factory=Future)


class GroupCommit:
    """Writer threads (``writers``) running queued units, a batch per transaction."""

    def __init__(self, name: str, *, writers: int = 1, max_batch: int = 64,
                 wait_seconds: Callable[[], float] = lambda: 0.0,
                 engine: Callable[[], Engine] = get_engine,
                 retry_on: Tuple[Type[BaseException], ...] = (IntegrityError,)) -> None:
        if writers < 1 or max_batch < 1:
            raise ValueError("writers and max_batch must be at least 1")
        self.name, self.writers, self.max_batch = name, writers, max_batch
        self.wait_seconds, self.engine, self.retry_on = wait_seconds, engine, retry_on
        self._pending: Deque[_Unit[Any]] = deque()
        self._writing: Set[str] = set()  # the keys of the batches being written
        self._changed = threading.Condition()
        self._threads: List[threading.Thread] = []

    def queued(self) -> int:
        """How many units wait for a writer (not counting the batches being written)."""
        with self._changed:
            return len(self._pending)

    def submit(self, key: str, work: Callable[[Connection], T]) -> Future[T]:
        """Queue ``work`` behind the earlier work of ``key``; its result once committed."""
        unit: _Unit[T] = _Unit(key, work)
        unit.future.set_running_or_notify_cancel()  # a caller gone does not stop the work
        with self._changed:
            while len(self._threads) < self.writers:
                self._threads.append(threading.Thread(
                    target=self._writer, name=f"{self.name}-{len(self._threads)}", daemon=True))
                self._threads[-1].start()
            self._pending.append(unit)
            self._changed.notify()
        return unit.future

    async def run(self, key: str, work: Callable[[Connection], T]) -> T:
        """``submit`` for a coroutine: waits (without blocking the loop) for the commit."""
        return await asyncio.wrap_future(self.submit(key, work))

    def _take(self) -> List[_Unit[Any]]:
        """The next batch: waits for work, then takes what is queued (no timer), its share
        of it with several writers (round trips to a server overlap across connections)."""
        with self._changed:
            while True:
                batch: List[_Unit[Any]] = []
                kept: Deque[_Unit[Any]] = deque()
                held = set(self._writing)  # a key being written, or skipped: later units wait
                share = min(self.max_batch, -(-len(self._pending) // self.writers))
                for unit in self._pending:
                    if len(batch) < share and unit.key not in held:
                        batch.append(unit)
                    else:
                        held.add(unit.key)
                        kept.append(unit)
                if batch:
                    self._pending = kept
                    self._writing.update(unit.key for unit in batch)
                    return batch
                self._changed.wait()

    def _writer(self) -> None:
        while True:
            batch = self._take()
            try:
                self._write(batch)
            except BaseException as error:  # noqa: BLE001 (never leave a caller waiting)
                log.exception("%s: batch of %d failed", self.name, len(batch))
                for unit in batch:
                    if not unit.future.done():
                        unit.future.set_exception(error)
            finally:
                with self._changed:
                    self._writing.difference_update(unit.key for unit in batch)
                    self._changed.notify_all()

    def _write(self, batch: List[_Unit[Any]]) -> None:
        try:
            outcomes = patiently(lambda: self._transaction(batch), self.wait_seconds())
        except Exception as error:  # noqa: BLE001 (each caller gets its error)
            if len(batch) == 1 or (isinstance(error, DBAPIError) and unreachable(error)):
                for unit in batch:
                    unit.future.set_exception(error)
                return
            log.warning("%s: batch of %d failed (%s); each unit alone",
                        self.name, len(batch), type(error).__name__)
            for unit in batch:
                self._write([unit])
            return
        for unit, (result, error) in zip(batch, outcomes, strict=True):
            if error is None:
                unit.future.set_result(result)
            else:
                unit.future.set_exception(error)

    def _transaction(self, batch: List[_Unit[Any]]) -> List[Outcome]:
        with self.engine().begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            return [self._step(conn, unit) for unit in batch]

    def _step(self, conn: Connection, unit: _Unit[Any]) -> Outcome:
        for attempt in (1, 2):
            try:
                with conn.begin_nested():
                    return unit.work(conn), None
            except Exception as error:  # noqa: BLE001 (rolled back to its savepoint)
                if isinstance(error, DBAPIError) and unreachable(error):
                    raise  # the whole batch waits for the database
                if attempt == 2 or not isinstance(error, self.retry_on):
                    return None, error
        raise AssertionError("unreachable")
