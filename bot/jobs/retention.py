"""Data retention: the transcripts and attachments of tips closed N days ago are purged.

As GlobaLeaks expires submissions, the tip line forgets what a closed case no longer
needs: ``TIPLINE_RETENTION_DAYS`` (default 90; 0 turns the purge off) after a tip was
closed, ``purge`` deletes

- its conversation (``tip_messages``: the tipster's, the bot's and the officers' messages)
  and its officer replies queued for web chat (``webchat_outbox``);
- its attachments (``attachments`` rows, i.e. the media URLs, and the downloaded files);
- the text, media and metadata (a shared location) of the raw channel messages of its
  conversation received until it was closed (``inbound_messages`` rows in status
  ``processed`` are kept, emptied: they remember which channel messages were taken);
- the events of its conversation in Rasa's SQL tracker store up to that moment (tracker.py).

Every other channel message whose turn is over (``processed`` or ``refused``) and that was
received more than N days ago, whatever became of its conversation (no tip, a tip still
open, a message after the closure), loses its text, media and metadata too
(``empty_inbound``): the row, its ids, timestamps and status stay (replays are still
recognised, counts still add up).

The tip row (reference, category, queue, status, original text and its translation), its
routing decisions, its delivery records and the audit log are kept, and every purge
appends one audit entry to the tip (``retention_purge``, with what was deleted). "Closed N
days ago" is read as status ``closed`` and no change to the tip for N days
(``updated_at``): any later activity postpones the purge. A purged tip has nothing left to
purge, so running the purge again is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy import Text, and_, cast, delete, exists, func, null, or_, select, update
from sqlalchemy.orm import Session

from bot.jobs import tracker
from bot.settings import get_settings
from bot.store.models import Attachment, InboundMessage, Tip, TipMessage

log = logging.getLogger(__name__)
ACTOR = "retention"
BATCH = 500
DONE = ("processed", "refused")  # inbox states whose turn is over (bot/inbox/store.py)


@dataclass
class Purged:
    """What the purge removed (or, dry run, would remove) for one tip."""

    reference: str
    messages: int = 0
    attachments: int = 0
    files: int = 0
    webchat_outbox: int = 0
    inbound_emptied: int = 0
    tracker_events: int = 0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def due_tips(session: Session, cutoff: datetime, after_id: int = 0,
             limit: int = BATCH) -> List[int]:
    """Ids of closed tips unchanged since ``cutoff`` that still have something to purge."""
    has_content = or_(exists().where(TipMessage.tip_id == Tip.id),
                      exists().where(Attachment.tip_id == Tip.id))
    return list(session.execute(
        select(Tip.id).where(Tip.status == "closed", Tip.updated_at < cutoff, Tip.id > after_id,
                             has_content)
        .order_by(Tip.id).limit(limit)
    ).scalars())


def purge(days: Optional[int] = None, dry_run: bool = False,
          now: Optional[datetime] = None) -> List[Purged]:
    """Purge (or, ``dry_run``, only list) every tip past the retention period."""
    from bot.store.db import session_scope

    days = get_settings().jobs.retention_days if days is None else days
    if days <= 0:
        return []
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    report: List[Purged] = []
    last = 0
    while True:
        with session_scope() as session:
            ids = due_tips(session, cutoff, after_id=last)
        report += [r for r in (_purge_tip(i, cutoff, days, dry_run) for i in ids) if r]
        if len(ids) < BATCH:
            break
        last = ids[-1]
    if report and not dry_run:
        log.info("retention: purged %d tips closed before %s", len(report), cutoff.date())
    emptied = empty_inbound(cutoff, dry_run)
    if emptied:
        log.info("retention: %s %d inbound messages received before %s",
                 "would empty" if dry_run else "emptied", emptied, cutoff.date())
    return report


def _holds_content() -> Any:
    """An inbox row with text, media or metadata left (JSON compared as its text: ``[]``
    and ``null`` are empty, on SQLite and PostgreSQL alike)."""
    row = InboundMessage
    return or_(row.text != "", cast(row.media, Text) != "[]",
               and_(row.meta.isnot(None), cast(row.meta, Text) != "null"))


def empty_inbound(cutoff: datetime, dry_run: bool = False) -> int:
    """Empty (or, dry run, count) the text, media and metadata of the inbox rows done
    before ``cutoff``, in batches; how many."""
    from bot.store.db import session_scope

    due = and_(InboundMessage.status.in_(DONE), InboundMessage.received_at < cutoff,
               _holds_content())
    if dry_run:
        with session_scope() as session:
            return _count(session, InboundMessage.id, due)
    emptied = 0
    while True:
        with session_scope() as session:
            ids = list(session.execute(select(InboundMessage.id).where(due)
                                       .order_by(InboundMessage.id).limit(BATCH)).scalars())
            if ids:
                session.execute(update(InboundMessage).where(InboundMessage.id.in_(ids))
                                .values(text="", media=[], meta=null()))
        emptied += len(ids)
        if len(ids) < BATCH:
            return emptied


def _count(session: Session, column: Any, *where: Any) -> int:
    return int(session.execute(select(func.count(column)).where(*where)).scalar_one())


def _purge_tip(tip_id: int, cutoff: datetime, days: int, dry_run: bool) -> Optional[Purged]:
    """One tip, in its own transaction (after its tracker events and files)."""
    from bot.channels.twilio.media import local_path
    from bot.channels.webchat.store import WebchatOutbox
    from bot.store.db import session_scope
    from bot.store.tips import audit

    settings = get_settings()
    with session_scope() as session:
        tip = session.get(Tip, tip_id)
        if tip is None or tip.status != "closed" or _aware(tip.updated_at) >= cutoff:
            return None  # re-opened or changed since it was selected
        closed_at = _aware(tip.updated_at)
        found = Purged(tip.reference)
        found.tracker_events = tracker.purge_events(settings.jobs.tracker_db_url,
                                                    tip.conversation_id, closed_at, dry_run)
        found.messages = _count(session, TipMessage.id, TipMessage.tip_id == tip.id)
        found.webchat_outbox = _count(session, WebchatOutbox.id, WebchatOutbox.tip_id == tip.id)
        attachments = list(session.execute(
            select(Attachment.url).where(Attachment.tip_id == tip.id)).scalars())
        files = [p for p in (local_path(url, settings.twilio.media_dir) for url in attachments)
                 if p.is_file()]
        found.attachments, found.files = len(attachments), len(files)
        inbound = [row for row in session.execute(
            select(InboundMessage).where(InboundMessage.contact_hash == tip.conversation_id,
                                         InboundMessage.status == "processed",
                                         InboundMessage.received_at <= closed_at)
        ).scalars() if row.text or row.media or row.meta]
        found.inbound_emptied = len(inbound)
        if dry_run:
            return found
        for path in files:  # before the rows: a failed commit leaves no file behind
            path.unlink(missing_ok=True)
        for row in inbound:
            row.text, row.media, row.meta = "", [], None
        session.execute(delete(WebchatOutbox).where(WebchatOutbox.tip_id == tip.id))
        session.execute(delete(Attachment).where(Attachment.tip_id == tip.id))
        session.execute(delete(TipMessage).where(TipMessage.tip_id == tip.id))
        counts: Dict[str, int] = {k: v for k, v in asdict(found).items() if k != "reference"}
        audit(session, tip, ACTOR, "retention_purge", None, {**counts, "retention_days": days})
    return found
