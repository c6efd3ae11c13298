"""Community surveys set in the console: the YAML definition, its state and who changed it.

A row holds the survey exactly as typed (the shape of ``data/surveys/<id>.yml``, checked
by bot/engagement/surveys.py ``parse_survey``), the survey's id (unique among console
surveys), its state (``draft`` -> ``published`` -> ``closed``) and the officers who
created and last changed it. Only a draft's definition can change: the questions of a
published survey stay those its answers were given to.
"""

from __future__ import annotations

from typing import List, Optional

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    select,
    update,
)
from sqlalchemy.orm import Session

from bot.store.feedback import SurveyAnswer
from bot.store.models import Base, utcnow

STATES = ("draft", "published", "closed")
NEXT = {"published": "draft", "closed": "published"}  # a state and the one it comes from
MAX_DEFINITION = 64 * 1024


class ConsoleSurvey(Base):
    """One survey set by an administrator in the console."""

    __tablename__ = "console_surveys"
    id = Column(Integer, primary_key=True)
    survey_id = Column(String(64), nullable=False, unique=True)
    title = Column(String(200), nullable=False)
    definition = Column(Text, nullable=False)
    state = Column(String(16), nullable=False, default="draft")
    created_by = Column(Integer, ForeignKey("officers.id"), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_by = Column(Integer, ForeignKey("officers.id"), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    published_at = Column(DateTime(timezone=True))
    closed_at = Column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("state IN ('draft', 'published', 'closed')",
                        name="ck_console_surveys_state"),
    )


def all_surveys(session: Session) -> List[ConsoleSurvey]:
    """Every console survey, the newest first."""
    return list(session.execute(select(ConsoleSurvey).order_by(ConsoleSurvey.id.desc()))
                .scalars())


def published_surveys(session: Session) -> List[ConsoleSurvey]:
    """The published ones, by publish time (the order the active survey is looked for in)."""
    return list(session.execute(
        select(ConsoleSurvey).where(ConsoleSurvey.state == "published")
        .order_by(ConsoleSurvey.published_at, ConsoleSurvey.id)).scalars())


def id_taken(session: Session, survey_id: str, row: Optional[int] = None) -> bool:
    """Whether another console survey has ``survey_id``, or answers are stored under it
    (a survey removed from data/ keeps its answers: a new one must not add to them)."""
    other = select(ConsoleSurvey.id).where(ConsoleSurvey.survey_id == survey_id)
    if row is not None:
        other = other.where(ConsoleSurvey.id != row)
    answered = select(SurveyAnswer.id).where(SurveyAnswer.survey_id == survey_id).limit(1)
    return (session.execute(other.limit(1)).first() is not None
            or session.execute(answered).first() is not None)


def create_draft(session: Session, survey_id: str, title: str, definition: str,
                 officer_id: int) -> ConsoleSurvey:
    """A new draft (the caller checked the definition and the id)."""
    row = ConsoleSurvey(survey_id=survey_id, title=title[:200], definition=definition,
                        state="draft", created_by=officer_id, updated_by=officer_id)
    session.add(row)
    session.flush()
    return row


def change_draft(session: Session, row: ConsoleSurvey, survey_id: str, title: str,
                 definition: str, officer_id: int) -> bool:
    """A draft's new definition; False (nothing changed) once it is no longer a draft."""
    done = session.execute(
        update(ConsoleSurvey)
        .where(ConsoleSurvey.id == row.id, ConsoleSurvey.state == "draft")
        .values(survey_id=survey_id, title=title[:200], definition=definition,
                updated_by=officer_id, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    session.refresh(row)
    return done.rowcount == 1


def change_state(session: Session, row: ConsoleSurvey, state: str, officer_id: int) -> bool:
    """Publish a draft or close a published survey; False when it is not in the state
    ``state`` comes from (another administrator was quicker, or a wrong step)."""
    if state not in NEXT:
        raise ValueError(f"no step to {state}")
    now = utcnow()
    moment = {"published_at": now} if state == "published" else {"closed_at": now}
    done = session.execute(
        update(ConsoleSurvey)
        .where(ConsoleSurvey.id == row.id, ConsoleSurvey.state == NEXT[state])
        .values(state=state, updated_by=officer_id, updated_at=now, **moment)
        .execution_options(synchronize_session=False))
    session.refresh(row)
    return done.rowcount == 1
