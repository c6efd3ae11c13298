"""Related tips in the console: suggestions for a tip (vectors cached in ``tip_vectors``) and
the officer's link between two tips (audited on both)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Dict, List, Optional, Sequence

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.console.coordination import coordination_settings
from bot.console.models import Officer
from bot.console.queries import as_utc
from bot.console.related import TipFeatures, encode_texts, encoder_name, rank
from bot.console.scope import scoped
from bot.console.workflow import WorkflowError
from bot.store.models import Tip
from bot.store.sharing import TipLink, TipVector
from bot.store.tips import audit

log = logging.getLogger(__name__)
MAX_CANDIDATES = 200


def vectors_for(session: Session, tips: Sequence[Tip]) -> Dict[int, np.ndarray]:
    """Each tip's vector of its original text: stored ones, the others encoded and stored."""
    if not tips:
        return {}
    model = encoder_name()
    rows = session.execute(select(TipVector).where(
        TipVector.tip_id.in_([t.id for t in tips]), TipVector.model == model)).scalars()
    found = {row.tip_id: np.frombuffer(row.vector, dtype=np.float32) for row in rows}
    missing = [t for t in tips if t.id not in found]
    if not missing:
        return found
    encoded = encode_texts(list(dict.fromkeys(t.original_text for t in missing)))
    # stored by a session of its own: the page's transaction is never committed from here
    with Session(session.get_bind(), future=True) as writer:
        for tip in missing:
            found[tip.id] = encoded[tip.original_text]
            writer.merge(TipVector(tip_id=tip.id, model=model,
                                   vector=found[tip.id].astype(np.float32).tobytes()))
        try:
            writer.commit()
        except IntegrityError:  # another request stored them meanwhile: the same vectors
            writer.rollback()
    return found


def features(tip: Tip, vector: Optional[np.ndarray]) -> TipFeatures:
    return TipFeatures.build(tip.reference, as_utc(tip.created_at), tip.location_place,
                             tip.category, tip.entities or [], vector)


def suggestions(session: Session, officer: Officer, tip: Tip) -> List[tuple]:
    """``(tip, relation)`` of the tips the officer may see that are probably about the same
    thing, best first; tips already linked or marked duplicates are left out."""
    settings = coordination_settings()
    window = timedelta(hours=settings.related_window_hours)
    moment = as_utc(tip.created_at)
    linked = {t.id for t in linked_tips(session, tip)} | {tip.id, tip.duplicate_of_id}
    candidates = [t for t in session.execute(
        scoped(select(Tip), officer, shared=True)
        .where(Tip.created_at >= moment - window, Tip.created_at <= moment + window)
        .order_by(Tip.created_at.desc()).limit(MAX_CANDIDATES)
    ).scalars() if t.id not in linked and t.duplicate_of_id != tip.id]
    vectors: Dict[int, np.ndarray] = {}
    if settings.related_semantic:
        try:
            vectors = vectors_for(session, [tip, *candidates])
        except Exception:  # the encoder is optional here: the other signals still work
            log.exception("related tips: no sentence vectors")
    by_reference = {t.reference: t for t in candidates}
    ranked = rank(features(tip, vectors.get(tip.id)),
                  [features(t, vectors.get(t.id)) for t in candidates],
                  settings.related_window_hours, settings.related_threshold)
    return [(by_reference[f.key], relation) for f, relation in ranked]


def linked_tips(session: Session, tip: Tip) -> List[Tip]:
    rows = session.execute(select(TipLink).where(
        or_(TipLink.low_id == tip.id, TipLink.high_id == tip.id)).order_by(TipLink.id)).scalars()
    ids = [row.high_id if row.low_id == tip.id else row.low_id for row in rows]
    if not ids:
        return []
    tips = {t.id: t for t in session.execute(select(Tip).where(Tip.id.in_(ids))).scalars()}
    return [tips[i] for i in ids if i in tips]


def link(session: Session, tip: Tip, other: Tip, officer: Officer,
         score: Optional[float] = None) -> TipLink:
    """Record that both tips are about the same thing (audited on each)."""
    if other.id == tip.id:
        raise WorkflowError("a tip cannot be linked to itself")
    low, high = sorted((tip.id, other.id))
    exists = session.execute(select(TipLink.id).where(
        TipLink.low_id == low, TipLink.high_id == high)).first()
    if exists:
        raise WorkflowError(f"{tip.reference} and {other.reference} are already linked")
    row = TipLink(low_id=low, high_id=high, kind="related", score=score,
                  created_by=officer.username)
    session.add(row)
    session.flush()
    audit(session, tip, officer.username, "linked", None,
          {"other": other.reference, "score": score})
    audit(session, other, officer.username, "linked", None,
          {"other": tip.reference, "score": score})
    return row
