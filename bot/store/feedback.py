"""Anonymous feedback on tips and community survey answers: no contact, no conversation.

``tip_feedback`` holds at most one score per tip (unique ``tip_id``: never twice); the
KPI dashboard's satisfaction reads its ``tip_id`` and ``score`` (bot/console/kpi.py).
``survey_answers`` holds one row per answered question with only a random per-run token,
so completions can be counted and nobody can be traced.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.inbox.text import clean
from bot.privacy.redact import redact
from bot.store.models import Base, Tip, utcnow

MAX_COMMENT = 500


class TipFeedback(Base):
    """How easy reporting was (1 hard .. 5 easy), with an optional comment; anonymous."""

    __tablename__ = "tip_feedback"
    id = Column(Integer, primary_key=True)
    tip_id = Column(Integer, ForeignKey("tips.id"), nullable=False, unique=True)
    score = Column(Integer, nullable=False)
    comment = Column(Text)
    language = Column(String(8), nullable=False)
    channel = Column(String(16), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="ck_tip_feedback_score"),)


class SurveyAnswer(Base):
    """One answer to one question of a community survey; ``run_token`` is random per run."""

    __tablename__ = "survey_answers"
    id = Column(Integer, primary_key=True)
    survey_id = Column(String(64), nullable=False)
    question_id = Column(String(64), nullable=False)
    answer = Column(String(64), nullable=False)
    language = Column(String(8), nullable=False)
    channel = Column(String(16), nullable=False)
    run_token = Column(String(32), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    __table_args__ = (Index("ix_survey_answers_survey", "survey_id", "question_id"),)


def clean_comment(text: Optional[str]) -> Optional[str]:
    """A comment made storable: cleaned like every inbound text, numbers redacted, bounded."""
    text = redact(clean(text or "")).strip()[:MAX_COMMENT]
    return text or None


def has_feedback(session: Session, reference: str) -> bool:
    """Whether the tip ``reference`` was already rated (the DB guard of "never twice")."""
    found = session.execute(select(TipFeedback.id).join(Tip, Tip.id == TipFeedback.tip_id)
                            .where(Tip.reference == reference)).first()
    return found is not None


def record_feedback(session: Session, reference: str, score: int, comment: Optional[str],
                    language: str, channel: str) -> bool:
    """Store the score of tip ``reference``; False when unknown tip or already rated."""
    if not 1 <= score <= 5:
        raise ValueError(f"score {score} is not 1-5")
    tip_id = session.execute(select(Tip.id).where(Tip.reference == reference)).scalar()
    if tip_id is None:
        return False
    try:
        with session.begin_nested():
            session.add(TipFeedback(tip_id=tip_id, score=score, comment=clean_comment(comment),
                                    language=language[:8], channel=channel[:16]))
    except IntegrityError:
        return False
    return True


def record_answer(session: Session, survey_id: str, question_id: str, answer: str,
                  language: str, channel: str, run_token: str) -> None:
    """Store one survey answer (already validated against the question)."""
    session.add(SurveyAnswer(survey_id=survey_id, question_id=question_id, answer=answer[:64],
                             language=language[:8], channel=channel[:16],
                             run_token=run_token[:32]))


def answer_counts(session: Session, survey_id: str) -> Dict[Tuple[str, str], int]:
    """Counts per (question, answer) of one survey: the only view of the answers."""
    rows = session.execute(
        select(SurveyAnswer.question_id, SurveyAnswer.answer, func.count())
        .where(SurveyAnswer.survey_id == survey_id)
        .group_by(SurveyAnswer.question_id, SurveyAnswer.answer))
    return {(question, answer): count for question, answer, count in rows}


def completions(session: Session, survey_id: str, last_question: str) -> int:
    """How many runs answered the survey's last question."""
    return session.execute(
        select(func.count(func.distinct(SurveyAnswer.run_token)))
        .where(SurveyAnswer.survey_id == survey_id,
               SurveyAnswer.question_id == last_question)).scalar() or 0
