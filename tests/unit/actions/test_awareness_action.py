"""action_answer_awareness on real rasa_sdk trackers: the topic's answer in the
conversation's language, the "what to look for" link on the web chat only, a list of what
it can answer when the question is not close to any topic."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.awareness import ActionAnswerAwareness
from bot.awareness.catalogue import get_awareness
from bot.channels.webchat.spec import SPEC as WEBCHAT
from tests.unit.actions.conftest import parse_data, tracker


def run(message: Dict[str, Any], *, channel: Optional[str] = None,
        slots: Optional[Dict[str, Any]] = None,
        active_loop: Optional[Dict[str, Any]] = None) -> tuple[List[str], list]:
    if channel is None and active_loop is None:
        state = tracker(message, slots)
    else:
        events = [{"event": "user", "text": message["text"], "parse_data": message,
                   "input_channel": channel}] if channel else []
        state = Tracker("conversation-1", slots or {}, message, events, False, None,
                        active_loop or {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswerAwareness().run(dispatcher, state, {}))
    return [m["text"] for m in dispatcher.messages], events


def test_a_question_is_answered_in_its_language_without_link_on_sms_and_rest() -> None:
    catalogue = get_awareness()
    texts, events = run(parse_data("¿dan alguna recompensa por avisar?", "ask_awareness",
                                   language="es"))
    assert texts == [catalogue.answer("rewards", "es")]
    assert events == [SlotSet("language", "es")]
    texts, _ = run(parse_data("ਕੀ ਪੁਲਿਸ ਮੈਨੂੰ ਫ਼ੋਨ ਕਰੇਗੀ?", "ask_awareness", language="pa"),
                   channel="tipline_twilio")
    assert texts == [catalogue.answer("will_i_be_contacted", "pa")]


def test_the_web_chat_answer_links_to_the_look_page_in_its_language() -> None:
    catalogue = get_awareness()
    texts, _ = run(parse_data("ما الفرق بين الاتجار بالبشر والتهريب؟", "ask_awareness",
                              language="ar"), channel=WEBCHAT.input_name)
    answer, link = texts[0].split("\n")
    assert answer == catalogue.answer("trafficking_vs_smuggling", "ar")
    assert link == catalogue.link("ar", "http://127.0.0.1:5005/webchat/look/ar")


def test_a_short_message_keeps_the_conversation_language() -> None:
    message = parse_data("reward?", "ask_awareness", language="en")
    message["language_reliable"] = False
    texts, events = run(message, slots={"language": "fr"})
    assert texts == [get_awareness().answer("rewards", "fr")]
    assert events == [SlotSet("language", "fr")]


def test_a_question_close_to_no_topic_gets_the_list_of_what_it_can_answer() -> None:
    texts, _ = run(parse_data("what's the weather like this weekend", "ask_awareness"))
    assert texts == [get_awareness().menu("en")]


def test_during_the_form_it_only_answers() -> None:
    texts, events = run(parse_data("is there a reward?", "ask_awareness"),
                        active_loop={"name": "tip_form"}, slots={"requested_slot": "tip_time"})
    assert texts == [get_awareness().answer("rewards", "en")]
    assert events == [SlotSet("language", "en")]
