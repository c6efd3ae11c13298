"""Answers to conversation intents: greetings, questions about the tip line."""

from __future__ import annotations

from actions.base import LocalizedReply


class ActionGreet(LocalizedReply):
    action_name, message_key = "action_greet", "greet"


class ActionGoodbye(LocalizedReply):
    action_name, message_key = "action_goodbye", "goodbye"


class ActionThank(LocalizedReply):
    action_name, message_key = "action_thank", "thank"


class ActionExplainAnonymity(LocalizedReply):
    action_name, message_key = "action_explain_anonymity", "anonymity"


class ActionExplainIbet(LocalizedReply):
    action_name, message_key = "action_explain_ibet", "ibet"


class ActionExplainHow(LocalizedReply):
    action_name, message_key = "action_explain_how", "how_it_works"


class ActionOutOfScope(LocalizedReply):
    action_name, message_key = "action_out_of_scope", "out_of_scope"


class ActionAnythingElse(LocalizedReply):
    action_name, message_key = "action_anything_else", "anything_else"


class ActionAskTipLocation(LocalizedReply):
    action_name, message_key = "action_ask_tip_location", "ask_location"


class ActionAskTipTime(LocalizedReply):
    action_name, message_key = "action_ask_tip_time", "ask_time"
