"""Tables of the officers' console (migration 0004), on the tips store's declarative base."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from bot.store.models import Base, utcnow

ROLES = ("officer", "admin")


class Officer(Base):
    """A duty officer (or administrator) of one agency; the agency is a queue code."""

    __tablename__ = "officers"
    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(128), nullable=False)
    agency = Column(String(32))  # NULL only for an administrator of the whole tip line
    role = Column(String(16), nullable=False, default="officer")
    password_hash = Column(Text, nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    # Bumped on password change or deactivation: every older session cookie stops working.
    session_version = Column(Integer, nullable=False, default=1)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)
    last_login_at = Column(DateTime(timezone=True))

    tokens = relationship("ApiToken", back_populates="officer", order_by="ApiToken.id")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class TipNote(Base):
    """An internal note of the officers on a tip (never sent to the tipster)."""

    __tablename__ = "tip_notes"
    id = Column(Integer, primary_key=True)
    tip_id = Column(Integer, ForeignKey("tips.id"), nullable=False, index=True)
    author = Column(String(64), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ApiToken(Base):
    """A bearer token for scripts, acting as its officer; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id = Column(Integer, primary_key=True)
    officer_id = Column(Integer, ForeignKey("officers.id"), nullable=False, index=True)
    name = Column(String(64), nullable=False)
    token_hash = Column(String(64), nullable=False, unique=True)
    prefix = Column(String(16), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    last_used_at = Column(DateTime(timezone=True))
    revoked_at = Column(DateTime(timezone=True))

    officer = relationship("Officer", back_populates="tokens")
