"""Tips store on SQLite: migrations, references, append-only audit, API fields."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.routing.gazetteer import Location
from bot.routing.router import RoutingResult
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from bot.store.references import find_references, new_reference
from bot.store.tips import NewTip, create_tip, find_for_conversation, iter_tips, tip_to_api


@pytest.fixture()
def engine(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'tips.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _tip(session: Session, conversation: str = "c1", text_: str = "drugs at Lacolle"):
    routing = RoutingResult("RCMP", "drug_smuggling/CA",
                            Location("Lacolle", "CA", "Lacolle", 45.0, -73.4), "normal", False)
    new = NewTip(conversation, "rest", "en", 0.99, text_, text_, "not_needed",
                 "drug_smuggling", 0.9)
    return create_tip(session, new, routing)


def test_references_are_readable_and_found_in_text() -> None:
    codes = {new_reference() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == 6 and not set(code) & set("IO01")
        assert find_references(f"status of {code.lower()} please") == [code]
    assert find_references("BORDER patrol at 2AM") == []


def test_a_tip_is_stored_with_message_routing_and_audit(engine) -> None:
    with Session(engine) as session:
        tip = _tip(session)
        session.commit()
        assert [m.text for m in tip.messages] == ["drugs at Lacolle"]
        assert [(r.queue, r.rule) for r in tip.routing] == [("RCMP", "drug_smuggling/CA")]
        api = tip_to_api(tip)
        assert api["location"] == {"text": "Lacolle", "side": "CA", "place": "Lacolle"}
        assert api["queue"] == "RCMP" and api["status"] == "new"


def test_audit_log_refuses_update_and_delete(engine) -> None:
    with Session(engine) as session:
        _tip(session)
        session.commit()
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(IntegrityError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))


def test_a_tip_is_found_only_from_its_own_conversation(engine) -> None:
    with Session(engine) as session:
        tip = _tip(session, "alice")
        session.commit()
        assert find_for_conversation(session, tip.reference.lower(), "alice") is not None
        assert find_for_conversation(session, tip.reference, "mallory") is None


def test_search_is_parameterised(engine) -> None:
    with Session(engine) as session:
        _tip(session, text_="plain tip")
        _tip(session, text_="O'Brien said '; DROP TABLE tips; --")
        session.commit()
        found = list(iter_tips(session, search="'; DROP TABLE tips; --"))
        assert [t.original_text for t in found] == ["O'Brien said '; DROP TABLE tips; --"]
        assert len(list(iter_tips(session))) == 2
