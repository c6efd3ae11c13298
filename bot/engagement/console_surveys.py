"""Surveys set in the console: a definition checked (shape and unique id), and the published
ones read from the tips database behind a short cache."""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Collection, List, Optional, Tuple

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.engagement.surveys import Survey, parse_text
from bot.store.surveys import MAX_DEFINITION, id_taken, published_surveys

log = logging.getLogger(__name__)
CACHE_SECONDS = 30.0  # a published or closed survey reaches the conversations within this
WHERE = "definition"


def check(session: Session, text: str, known: List[str], file_ids: Collection[str],
          row: Optional[int] = None) -> Tuple[Optional[Survey], List[str]]:
    """The survey ``text`` defines and its problems: its shape (``parse_survey``, the same
    checks as a data/ file) and an id that no data/ survey, no other console survey (``row``
    is this one's) and no stored answer already has."""
    if len(text) > MAX_DEFINITION:
        return None, [f"{WHERE}: longer than {MAX_DEFINITION} characters"]
    survey, problems = parse_text(text, WHERE, known)
    if survey is not None and survey.id in file_ids:
        problems.append(f"{WHERE}: the id {survey.id} is a data/surveys survey's")
    elif survey is not None and id_taken(session, survey.id, row):
        problems.append(f"{WHERE}: the id {survey.id} is another console survey's or has "
                        "answers stored under it")
    return (None if problems else survey), problems


def published(session: Session, known: List[str], file_ids: Collection[str]) -> List[Survey]:
    """The published console surveys by publish time; one no longer valid (a language taken
    out of the tip line, its id now a data/ file's) is left out with a log line."""
    found: List[Survey] = []
    for row in published_surveys(session):
        survey, problems = parse_text(row.definition, f"console survey {row.id}", known)
        if survey is not None and survey.id in file_ids:
            survey, problems = None, [f"its id {survey.id} is a data/surveys survey's"]
        if survey is None:
            log.warning("console survey %s not used: %s", row.id, "; ".join(problems))
            continue
        found.append(survey)
    return found


class PublishedCache:
    """The published console surveys, read at most once every ``seconds``. An unreachable
    database gives none (the data/ surveys run alone) until the next read."""

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._until = 0.0
        self._surveys: List[Survey] = []

    def get(self, load: Callable[[], List[Survey]]) -> List[Survey]:
        with self._lock:
            if time.monotonic() < self._until:
                return self._surveys
            try:
                self._surveys = load()
            except SQLAlchemyError as error:
                log.warning("console surveys not read (data/ surveys only for %.0f s): %s",
                            self.seconds, type(error).__name__)
                self._surveys = []
            self._until = time.monotonic() + self.seconds
            return self._surveys

    def clear(self) -> None:
        with self._lock:
            self._until = 0.0
