"""Officers' replies from the tip page: standard replies and free English text (audited)."""

# A standard reply (data/officer_replies/) goes out as written in the tipster's language,
# never machine translated. Free text is machine translated; when it cannot be, nothing is
# sent until the officer confirms that the tipster may receive English.

from __future__ import annotations

import logging
from typing import Tuple, Union

from flask import abort, flash, g, redirect, request, url_for

from bot.console.context import db, login_required
from bot.console.display import language_name
from bot.console.replyinfo import MAX_REPLY, standard_label
from bot.console.scope import get_tip
from bot.console.tipview import bp, render_tip
from bot.messages import get_officer_replies
from bot.outbound import (
    Delivery,
    OfficerMessage,
    deliver_officer_message,
    free_text_message,
    standard_message,
    translation_unavailable,
)
from bot.store.models import Tip

log = logging.getLogger(__name__)
Outcome = Union[str, Tuple[str, str]]


def _outcome(tip: Tip, delivery: Delivery, what: str, language: str) -> Outcome:
    """The officer's flash message for a delivery of ``what`` ("Reply") in ``language``."""
    name = language_name(language)
    if delivery.status == "sent":
        return f"{what} sent to the tipster (in {name})."
    if delivery.status == "queued":
        return f"{what} queued for the tipster (in {name})."
    if delivery.status == "blocked_opted_out":
        return ("The tipster has opted out (STOP): the reply is recorded but was not sent.",
                "warning")
    why = delivery.detail or delivery.status
    if delivery.status == "no_channel" and delivery.detail in ("", tip.channel):
        why = f"no {tip.channel} sender is set up for this console"
    return f"The reply is recorded but was not delivered ({why}).", "warning"


def _send(tip: Tip, message: OfficerMessage, what: str):  # type: ignore[no-untyped-def]
    """Deliver, commit, tell the officer and go back to the tip."""
    session = db()
    try:
        delivery = deliver_officer_message(session, tip, message, g.officer.username)
    except Exception:  # a failure must not lose the officer's page
        session.rollback()
        log.exception("officer reply on tip %s failed", tip.reference)
        flash("The reply could not be sent; try again.", "error")
        return redirect(url_for("tips.show", reference=tip.reference))
    session.commit()
    outcome = _outcome(tip, delivery, what, message.language)
    text, level = outcome if isinstance(outcome, tuple) else (outcome, "info")
    if message.translation == "failed":
        text, level = text + " It was NOT translated: the tipster received English.", "warning"
    flash(text, level)
    return redirect(url_for("tips.show", reference=tip.reference))


@bp.route("/<reference>/reply", methods=["POST"])
@login_required
def reply(reference: str):  # type: ignore[no-untyped-def]
    """Free English text, machine translated; English only once the officer agreed."""
    text = (request.form.get("text") or "").strip()
    english_ok = request.form.get("send_english") == "1"
    tip = get_tip(db(), g.officer, reference, for_update=True)
    if tip is None:
        abort(404)
    problem = ("the reply is empty" if not text else
               f"a reply is limited to {MAX_REPLY} characters" if len(text) > MAX_REPLY
               else None)
    if problem:
        db().rollback()
        flash(f"Not done: {problem}.", "error")
        return redirect(url_for("tips.show", reference=tip.reference))
    message = free_text_message(tip, text)
    if message.translation == "failed" and not english_ok:
        db().rollback()  # nothing sent, nothing recorded: the officer decides
        why = translation_unavailable(tip) or "the translation provider did not answer"
        return render_tip(tip, 409, draft=text, free_text_blocked=why, reply_refused=True)
    return _send(tip, message, "Reply")


@bp.route("/<reference>/standard-reply", methods=["POST"])
@login_required
def standard_reply(reference: str):  # type: ignore[no-untyped-def]
    """A standard reply, as written in the tipster's language's catalogue."""
    key = (request.form.get("key") or "").strip()
    tip = get_tip(db(), g.officer, reference, for_update=True)
    if tip is None:
        abort(404)
    known = get_officer_replies().keys()
    if key not in known:
        db().rollback()
        flash("Not done: choose one of the standard replies.", "error")
        return redirect(url_for("tips.show", reference=tip.reference))
    try:
        message = standard_message(tip, key)
    except (KeyError, ValueError, IndexError) as exc:  # a catalogue a deployment broke
        db().rollback()
        log.error("standard reply %s cannot be rendered: %s", key, type(exc).__name__)
        flash("Not done: this standard reply cannot be rendered.", "error")
        return redirect(url_for("tips.show", reference=tip.reference))
    return _send(tip, message, f"Standard reply “{standard_label(key)}”")

