"""Officer accounts: creation and changes shared by the ``tipline`` command and the admin pages."""

from __future__ import annotations

import re
from typing import Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.console.models import ROLES, Officer
from bot.console.security import hash_password
from bot.routing.router import get_router
from bot.store.tips import audit

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def agency_codes() -> Tuple[str, ...]:
    """The queue codes of the routing table: every agency an officer can belong to."""
    return tuple(get_router().table.queues)


def agency_names() -> dict:
    return {code: spec.name for code, spec in get_router().table.queues.items()}


def normalise_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not USERNAME.match(name):
        raise ValueError("a user name has 2 to 64 characters: lower-case letters, digits, "
                         "'.', '_' or '-', starting with a letter or digit")
    return name


def check_agency(role: str, agency: Optional[str]) -> Optional[str]:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    agency = (agency or "").strip().upper() or None
    if agency is None and role != "admin":
        raise ValueError("an officer belongs to an agency (a queue code)")
    if agency is not None and agency not in agency_codes():
        raise ValueError(f"unknown agency {agency!r}; queues are {', '.join(agency_codes())}")
    return agency


def create_officer(session: Session, username: str, password: str, *, role: str = "officer",
                   agency: Optional[str] = None, display_name: str = "",
                   actor: str = "tipline") -> Officer:
    """Add an officer account; ValueError names what is wrong."""
    name = normalise_username(username)
    agency = check_agency(role, agency)
    if session.execute(select(Officer.id).where(Officer.username == name)).first():
        raise ValueError(f"an officer named {name!r} already exists")
    officer = Officer(username=name, display_name=(display_name or name).strip()[:128],
                      agency=agency, role=role, password_hash=hash_password(password),
                      active=True, session_version=1)
    session.add(officer)
    session.flush()
    audit(session, None, actor, "officer_created", None,
          {"username": name, "role": role, "agency": agency})
    return officer


def find_officer(session: Session, username: str) -> Optional[Officer]:
    return session.execute(
        select(Officer).where(Officer.username == (username or "").strip().lower())
    ).scalar_one_or_none()
