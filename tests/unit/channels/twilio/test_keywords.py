"""Carrier keywords: recognised alone, in any case, with punctuation; never inside a sentence."""

from __future__ import annotations

import pytest

from bot.channels.twilio.keywords import HELP, OPT_IN, OPT_OUT, match


@pytest.mark.parametrize("body", ["STOP", "stop", " Stop. ", "UNSUBSCRIBE", "cancel", "End",
                                  "QUIT!", "stopall", "Arrêt", "ARRET"])
def test_opt_out(body: str) -> None:
    found = match(body)
    assert found is not None and found.kind == OPT_OUT


@pytest.mark.parametrize("body", ["START", "start", "Unstop"])
def test_opt_in(body: str) -> None:
    found = match(body)
    assert found is not None and found.kind == OPT_IN


@pytest.mark.parametrize(("body", "language"), [("HELP", "en"), ("info", None), ("Aide", "fr"),
                                                ("ayuda", "es"), ("help?", "en")])
def test_help(body: str, language: str | None) -> None:
    found = match(body)
    assert found is not None and found.kind == HELP and found.language == language


@pytest.mark.parametrize("body", ["please stop them", "stop the van at the border", "", None,
                                  "helpful", "information about a truck", "yes"])
def test_ordinary_messages(body: str | None) -> None:
    assert match(body) is None


def test_yes_opts_in_only_when_opted_out() -> None:
    assert match("YES", opted_out=False) is None
    found = match("yes", opted_out=True)
    assert found is not None and found.kind == OPT_IN
