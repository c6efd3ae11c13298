"""The ``tipline`` commands that handle secrets and accounts: fresh secrets, key rotation,
console accounts (bot/cli.py registers them)."""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy import select


def cmd_secrets(args: argparse.Namespace) -> int:
    """Print fresh secrets as environment assignments (store them outside the repo)."""
    import secrets

    from bot.privacy.keys import new_key

    print(f"TIPLINE_HASH_KEY={secrets.token_hex(32)}")
    print(f"TIPLINE_ENCRYPTION_KEYS={new_key()}")
    print(f"TIPLINE_CONSOLE_SECRET={secrets.token_hex(32)}")
    print(f"TIPLINE_RASA_API_TOKEN={secrets.token_hex(32)}")
    return 0


def cmd_rotate_keys(args: argparse.Namespace) -> int:
    """Re-encrypt every stored address with the first key of TIPLINE_ENCRYPTION_KEYS."""
    from bot.privacy.keys import AddressCipher
    from bot.store.db import session_scope
    from bot.store.models import Contact

    cipher = AddressCipher()
    count = 0
    with session_scope() as session:
        for contact in session.execute(
            select(Contact).where(Contact.address_encrypted.is_not(None))
        ).scalars():
            contact.address_encrypted = cipher.rotate(contact.address_encrypted)
            count += 1
    print(json.dumps({"re_encrypted": count}))
    return 0


def _read_password() -> str:
    """A new password from a prompt (twice) or the first line of stdin; never from argv."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password again: "):
            raise ValueError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_create_officer(args: argparse.Namespace) -> int:
    """Create a console account (password read from stdin or a prompt, never from argv)."""
    from bot.console.officers import create_officer
    from bot.store.db import session_scope

    role = "admin" if args.command == "create-admin" else "officer"
    password = _read_password()
    with session_scope() as session:
        officer = create_officer(session, args.username, password, role=role,
                                 agency=args.agency, display_name=args.name or "",
                                 actor="tipline-cli")
        print(json.dumps({"created": officer.username, "role": role, "agency": officer.agency}))
    return 0
