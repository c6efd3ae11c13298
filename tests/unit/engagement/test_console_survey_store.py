"""Console surveys in the store, on SQLite and PostgreSQL: checked like data/ files, ids never
shared, a published survey's questions frozen, the published ones listed by publish time,
and an unreachable database leaving the data/ surveys alone."""

from __future__ import annotations

from typing import Iterator

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.console.models import Officer
from bot.engagement.console_surveys import PublishedCache, check, published
from bot.engagement.surveys import TEMPLATE, parse_text
from bot.store.db import make_engine
from bot.store.feedback import record_answer
from bot.store.migrate import upgrade
from bot.store.surveys import change_draft, change_state, create_draft
from harness.console import make_officer, scratch_database

LANGS = ["en", "fr", "es", "ar"]
FILE_IDS = {"community-safety-2026"}
ONE = "keywords: {en: S}\nquestions: [{id: q, kind: scale, text: {en: Q}}]"


def definition(survey_id: str, title: str = "Ferry survey", **extra: object) -> str:
    raw = {"id": survey_id, "title": title, "languages": ["en", "fr"],
           "keywords": {"en": "FERRY", "fr": "TRAVERSIER"},
           "questions": [{"id": "used", "kind": "yesno",
                          "text": {"en": "Did you take the ferry?",
                                   "fr": "Avez-vous pris le traversier ?"}}],
           **extra}
    return yaml.safe_dump(raw, allow_unicode=True)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with scratch_database(request.param, tmp_path_factory.mktemp("surveys")) as url:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            make_officer(session, "survey-boss", None, role="admin")
            session.commit()
        yield engine
        engine.dispose()


def boss(session: Session) -> int:
    return session.execute(select(Officer.id).where(Officer.username == "survey-boss")).scalar_one()


def test_the_console_template_is_a_valid_survey() -> None:
    survey, problems = parse_text(TEMPLATE.read_text(encoding="utf-8"), "template", LANGS)
    assert problems == [] and survey is not None
    assert [q.kind for q in survey.questions] == ["scale", "yesno", "choice"]


@pytest.mark.parametrize("text, problem", [
    ("id: [unclosed", "not valid YAML"),
    ("- just\n- a list", "expected a mapping"),
    ("id: x\nlanguages: en\nkeywords: [SURVEY]\nquestions: text",
     "languages must list at least en"),
    ("id: x\nlanguages: [en]\n" + ONE.replace("en: S", "en: '3'"), "keyword en must be a word"),
    ("id: x\nactive_from: soon\nlanguages: [en]\n" + ONE, "active_from must be a date"),
    ("id: 'a b/c'\nlanguages: [en]\n" + ONE, "the id must be letters"),
    ("id: x\nlanguages: [en]\nkeywords: {en: S}\nquestions: [7, {id: q, kind: choice, "
     "text: {en: Q}, choices: [x, {id: a}]}]", "question 1: kind must be one of"),
])
def test_a_hostile_or_wrong_definition_gives_problems_not_an_error(text: str, problem: str) -> None:
    survey, problems = parse_text(text, "definition", LANGS)
    assert survey is None and any(problem in p for p in problems), problems


def test_ids_are_never_shared_and_a_published_survey_is_frozen(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        officer = boss(session)
        survey, problems = check(session, definition("ferry-2026"), LANGS, FILE_IDS)
        assert problems == [] and survey is not None
        row = create_draft(session, survey.id, survey.title, definition("ferry-2026"), officer)
        session.commit()
        for taken in ("community-safety-2026", "ferry-2026"):
            assert check(session, definition(taken), LANGS, FILE_IDS)[0] is None
        # its own id is fine when the draft itself is checked again
        assert check(session, definition("ferry-2026"), LANGS, FILE_IDS, row.id)[1] == []
        record_answer(session, "old-removed-survey", "q", "yes", "en", "sms", "t" * 32)
        session.commit()
        assert "answers stored" in " ".join(
            check(session, definition("old-removed-survey"), LANGS, FILE_IDS)[1])

        assert change_draft(session, row, "ferry-2026", "Ferry v2",
                            definition("ferry-2026", "Ferry v2"), officer)
        assert change_state(session, row, "published", officer) and row.published_at
        assert not change_draft(session, row, "ferry-2026", "x", definition("ferry-2026", "x"),
                                officer)
        assert not change_state(session, row, "published", officer)  # only a draft is published
        session.commit()
        assert (row.title, row.state) == ("Ferry v2", "published")
        assert change_state(session, row, "closed", officer) and row.state == "closed"
        assert not change_state(session, row, "published", officer)  # closed for good
        session.commit()


def test_published_surveys_come_by_publish_time_and_bad_ones_are_left_out(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as session:
        officer = boss(session)
        rows = {}
        for name in ("bridge-b", "bridge-a", "bridge-draft"):
            rows[name] = create_draft(session, name, name, definition(name), officer)
        for name in ("bridge-b", "bridge-a"):
            assert change_state(session, rows[name], "published", officer)
        session.commit()
        ids = [s.id for s in published(session, LANGS, FILE_IDS)]
        assert ids[-2:] == ["bridge-b", "bridge-a"] and "bridge-draft" not in ids
        # French taken out of the tip line: the survey needing it is no longer used
        assert not {"bridge-a", "bridge-b"} & {s.id for s in published(session, ["en"], FILE_IDS)}
        assert "bridge-a" not in {s.id for s in published(session, LANGS, {"bridge-a"})}


def test_the_cache_reads_at_most_once_per_period_and_survives_a_dead_database(
        engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    reads: list = []

    def load() -> list:
        reads.append(1)
        with Session(engine) as session:
            return published(session, LANGS, FILE_IDS)

    cache = PublishedCache(seconds=60)
    first = cache.get(load)
    assert cache.get(load) is first and len(reads) == 1
    dead = make_engine("postgresql://postgres@127.0.0.1:1/none")

    def unreachable() -> list:
        with Session(dead) as session:
            return published(session, LANGS, FILE_IDS)

    cache.clear()
    assert cache.get(unreachable) == []
    assert "console surveys not read" in caplog.text
    assert cache.get(load) == []  # the failure is cached too: no wait on every turn
    cache.clear()  # the database back: the published surveys again
    assert [s.id for s in cache.get(load)] == [s.id for s in first] and len(reads) == 2
    dead.dispose()
