"""The feedback question is never said on a voice call: a caller cannot type a score."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from rasa_sdk.executor import ActionExecutor
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bot.channels.voice.spec import SPEC as VOICE
from bot.messages import get_catalog
from bot.store.models import Tip
from tests.unit.actions.conftest import parse_data

TIP = "A van unloads boxes of cigarettes at the old pier near Lacolle every night"


def run(message: Dict[str, Any], channel: Optional[str]) -> List[str]:
    executor = ActionExecutor()
    executor.register_package("actions")
    user = {"event": "user", "text": message["text"], "parse_data": message,
            "input_channel": channel}
    tracker = {"sender_id": f"call-{channel}", "slots": {}, "latest_message": message,
               "events": [user], "paused": False, "followup_action": None,
               "active_loop": {}, "latest_action_name": "action_listen"}
    result = asyncio.run(executor.run({"next_action": "action_fallback", "tracker": tracker,
                                       "domain": {}}))
    return [r["text"] for r in result["responses"]]


def stored(url: str) -> List[str]:
    with Session(create_engine(url, future=True)) as session:
        return list(session.execute(select(Tip.original_text)).scalars())


def test_a_tip_by_voice_is_confirmed_without_the_feedback_question(tips_store: str) -> None:
    ask = get_catalog().render("feedback_ask", "en")
    said = run(parse_data(TIP, "nlu_fallback"), VOICE.input_name)
    assert said and ask not in said, said
    assert stored(tips_store) == [TIP]
    typed = run(parse_data("again: " + TIP, "nlu_fallback"), "rest")
    assert typed[-1] == ask  # the same tip by a channel one can answer on gets it
