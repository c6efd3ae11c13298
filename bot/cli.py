"""The ``tipline`` command for operators and scripts."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Callable, Dict, List, Optional

from bot.cli_keys import cmd_create_officer, cmd_rotate_keys, cmd_secrets
from bot.settings import get_settings


def cmd_tips(args: argparse.Namespace) -> int:
    """Print tips as JSON lines (one object per line, the API fields of docs/contract.md)."""
    from bot.store.db import session_scope
    from bot.store.tips import iter_tips, tip_to_api

    with session_scope() as session:
        for tip in iter_tips(session, queues=args.queue, status=args.status, search=args.search):
            if args.json:
                print(json.dumps(tip_to_api(tip), ensure_ascii=False), flush=False)
            else:
                print(f"{tip.reference}\t{tip.created_at:%Y-%m-%d %H:%M}\t{tip.queue}\t"
                      f"{tip.category}\t{tip.urgency}\t{tip.status}\t{tip.language}")
    sys.stdout.flush()
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Create or migrate the tips database schema."""
    from bot.store.migrate import upgrade

    upgrade(revision=args.revision)
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    """Validate routing rules, gazetteer, languages and both catalogues; non-zero on a problem."""
    from bot.awareness.catalogue import validate_awareness
    from bot.catalogs import validate_catalogs
    from bot.engagement.surveys import load_surveys
    from bot.language.config import load_language_config
    from bot.routing.gazetteer import Gazetteer
    from bot.routing.rules import RoutingTable

    settings = get_settings()
    RoutingTable.load(settings.routing_rules)
    gazetteer = Gazetteer.load(settings.gazetteer)
    community = load_language_config(settings.languages).community
    problems = [problem for directory in (settings.messages_dir, settings.officer_replies_dir,
                                          settings.voice_prompts_dir)
                for problem in validate_catalogs(directory, community)]
    problems += validate_awareness(settings.awareness.directory, community)
    problems += load_surveys(settings.engagement.surveys_dir, community)[1]  # data/surveys
    for problem in problems:
        print(problem)
    if problems:
        print(f"configuration has {len(problems)} problem(s)")
        return 1
    print(f"configuration ok: {len(gazetteer.places)} places, {len(community)} languages, "
          f"rules {settings.routing_rules}")
    return 0


def cmd_retry_translations(args: argparse.Namespace) -> int:
    """Fill in the English text of tips whose translation failed at intake."""
    from bot.jobs.translations import retry_failed_translations

    print(json.dumps(retry_failed_translations(args.limit)))
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Data retention: purge transcripts and attachments of tips closed N days ago."""
    from dataclasses import asdict

    from bot.jobs.retention import purge

    days = get_settings().jobs.retention_days if args.days is None else args.days
    report = purge(days=days, dry_run=args.dry_run)
    print(json.dumps({"dry_run": args.dry_run, "retention_days": days,
                      "tips": [asdict(item) for item in report]}))
    return 0


def cmd_escalate(args: argparse.Namespace) -> int:
    """Escalate urgent tips left unclaimed now, and send their paging webhooks once."""
    from bot.console.escalation import escalate_due
    from bot.console.paging import PagingError, deliver
    from bot.store.db import session_scope

    with session_scope() as session:
        created, results = escalate_due(session), {}
        for escalation_id in created:
            try:
                results[escalation_id] = deliver(session, escalation_id)
            except PagingError as exc:
                results[escalation_id] = str(exc)
    print(json.dumps({"escalated": created, "webhooks": results}))
    return 0


def cmd_kpi_rollup(args: argparse.Namespace) -> int:
    """Refresh the KPI dashboard's daily roll-up now (as its job does), or rebuild it."""
    from bot.console.kpi_rollup import run

    print(json.dumps(run(rebuild_all=args.rebuild, days=args.days)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tipline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    commands: Dict[str, Callable[[argparse.Namespace], int]] = {}

    tips = sub.add_parser("tips", help=cmd_tips.__doc__)
    tips.add_argument("--json", action="store_true", help="JSON lines (default: a table)")
    tips.add_argument("--queue", action="append", help="only this queue (repeatable)")
    tips.add_argument("--status", help="only this status")
    tips.add_argument("--search", help="text in the original or English text")
    commands["tips"] = cmd_tips

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help=cmd_db_upgrade.__doc__)
    up.add_argument("revision", nargs="?", default="head")
    commands["db"] = cmd_db_upgrade

    retry = sub.add_parser("retry-translations", help=cmd_retry_translations.__doc__)
    retry.add_argument("--limit", type=int, default=200)
    commands["retry-translations"] = cmd_retry_translations

    purge = sub.add_parser("purge", help=cmd_purge.__doc__)
    purge.add_argument("--dry-run", action="store_true", help="list what would be purged")
    purge.add_argument("--days", type=int, help="retention period (default: "
                       "TIPLINE_RETENTION_DAYS, 90)")
    commands["purge"] = cmd_purge

    rollup = sub.add_parser("kpi-rollup", help=cmd_kpi_rollup.__doc__)
    rollup.add_argument("--rebuild", action="store_true", help="recompute every day")
    rollup.add_argument("--days", type=int, help="recent days to recompute (default: "
                        "TIPLINE_JOBS_KPI_ROLLUP_DAYS, 35; 0: only the days whose tips "
                        "changed)")
    commands["kpi-rollup"] = cmd_kpi_rollup

    for name, role in (("create-officer", "officer"), ("create-admin", "admin")):
        account = sub.add_parser(name, help=f"create a console {role} account "
                                 "(password from stdin or a prompt)")
        account.add_argument("username")
        account.add_argument("--agency", required=role == "officer",
                             help="the agency's queue code, e.g. RCMP"
                             + ("" if role == "officer" else " (optional for an admin)"))
        account.add_argument("--name", help="display name")
        commands[name] = cmd_create_officer

    for name, func in (("check-config", cmd_check_config), ("secrets", cmd_secrets),
                       ("escalate", cmd_escalate),
                       ("rotate-keys", cmd_rotate_keys)):
        sub.add_parser(name, help=func.__doc__)
        commands[name] = func
    parser.set_defaults(_commands=commands)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args._commands[args.command](args)
    except (ValueError, RuntimeError) as exc:
        print(f"tipline {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
