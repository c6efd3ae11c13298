"""Pure helpers of the console: filters, LIKE escaping, cursors, CSV cells, links, passwords."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.console.display import age, change_rows, entity_rows, link_url
from bot.console.export import COLUMNS, csv_lines, neutralise
from bot.console.queries import (
    Cursor,
    TipFilters,
    decode_cursor,
    encode_cursor,
    like_pattern,
)
from bot.console.security import (
    LoginLimiter,
    check_password_policy,
    hash_password,
    new_api_token,
    token_digest,
    verify_password,
)
from bot.store.models import Tip


@pytest.mark.parametrize(("cell", "expected"), [
    ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
    ("+1+2", "'+1+2"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("  =1+1", "'  =1+1"),
    ("＝1+1", "'＝1+1"),
    ("plain text = fine", "plain text = fine"),
    ("", ""),
    (None, ""),
])
def test_csv_cells_never_start_like_a_formula(cell: object, expected: str) -> None:
    assert neutralise(cell) == expected


def test_csv_lines_quote_and_neutralise_hostile_text() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    tip = Tip(reference="AB2CD3", channel="sms", language="fr", category="contraband",
              urgency="normal", queue="CBSA", status="new", location_side="CA",
              original_text='=cmd|" /C calc"!A0\n"quoted", text', translated_text="@x",
              translation_status="done", created_at=now, updated_at=now)
    lines = list(csv_lines([tip]))
    assert lines[0] == ",".join(COLUMNS) + "\r\n"
    import csv
    import io
    row = next(csv.DictReader(io.StringIO("".join(lines))))
    assert row["original_text"] == '\'=cmd|" /C calc"!A0\n"quoted", text'
    assert row["translated_text"] == "'@x"
    assert row["created_at"] == "2024-05-01T12:00:00+00:00"


@pytest.mark.parametrize(("words", "pattern"), [
    ("100%", "%100\\%%"),
    ("a_b", "%a\\_b%"),
    ("back\\slash", "%back\\\\slash%"),
    ("'; DROP TABLE tips; --", "%'; DROP TABLE tips; --%"),
])
def test_like_pattern_takes_wildcards_literally(words: str, pattern: str) -> None:
    assert like_pattern(words) == pattern


def test_filters_accept_known_values_and_report_the_rest() -> None:
    f = TipFilters.from_args({"status": "triaged", "category": "contraband", "urgency": "high",
                              "language": "FR", "queue": "rcmp", "q": "  white   van ",
                              "date_from": "2024-05-01", "date_to": "2024-05-31"})
    assert (f.status, f.category, f.urgency, f.language, f.queue, f.q) == (
        "triaged", "contraband", "high", "fr", "RCMP", "white van")
    assert (f.date_from, f.date_to) == (date(2024, 5, 1), date(2024, 5, 31))
    assert f.errors == []
    assert f.query_args()["date_from"] == "2024-05-01"
    bad = TipFilters.from_args({"status": "deleted", "category": "x' OR 1=1", "urgency": "now",
                                "date_from": "yesterday", "queue": "RCMP; --"})
    assert len(bad.errors) == 5
    assert (bad.status, bad.category, bad.urgency, bad.queue) == ("open", "", "", "")


def test_cursor_round_trip_and_iso_since() -> None:
    moment = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
    for cursor in (Cursor(moment, 42), Cursor(moment, 42, moment + timedelta(seconds=3))):
        assert decode_cursor(encode_cursor(cursor)) == cursor
    assert decode_cursor("2024-05-01T12:30:15Z") == Cursor(moment.replace(microsecond=0))
    naive = datetime(2024, 5, 1, 12, 30)  # SQLite gives naive UTC values back
    assert decode_cursor(encode_cursor(Cursor(naive, 1))).moment.tzinfo is not None
    for bad in ("not a cursor", "", "!!!!", encode_cursor(Cursor(moment))[:-3]):
        with pytest.raises(ValueError):
            decode_cursor(bad)


@pytest.mark.parametrize(("url", "safe"), [
    ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", True),
    ("http://example.org/a.jpg", True),
    ("javascript:alert(1)", False),
    (" JavaScript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False),
    ("//evil.example/x", False),
    ("", False),
    (None, False),
])
def test_only_web_links_become_hrefs(url: str, safe: bool) -> None:
    assert (link_url(url) is not None) is safe


def test_display_helpers() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert age(now - timedelta(seconds=30), now) == "30 s"
    assert age(now - timedelta(minutes=5), now) == "5 min"
    assert age(now - timedelta(hours=3, minutes=7), now) == "3 h 07"
    assert age(now - timedelta(days=2), now) == "2 d"
    assert entity_rows([{"entity": "plate", "value": "<b>X</b>"}, "junk"]) == [
        ("plate", "<b>X</b>")]
    assert change_rows({"status": "new"}, {"status": "assigned", "assigned_to": "a"}) == [
        ("status", "new", "assigned"), ("assigned_to", "", "a")]


def test_passwords_are_argon2id_and_checked() -> None:
    with pytest.raises(ValueError):
        check_password_policy("short")
    stored = hash_password("a long enough password")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "a long enough password")
    assert not verify_password(stored, "a long enough passworD")
    assert not verify_password(None, "a long enough password")
    assert not verify_password("not-a-hash", "a long enough password")


def test_api_tokens_are_random_and_stored_hashed() -> None:
    first, second = new_api_token(), new_api_token()
    assert first != second and first.startswith("tlk_") and len(first) > 40
    assert token_digest(first) != first and len(token_digest(first)) == 64


def test_login_limiter_counts_failures_per_user_and_per_address() -> None:
    limiter = LoginLimiter("memory://", "3 per minute", "5 per minute")
    for _ in range(3):
        assert limiter.check("alice", "10.0.0.1").allowed
        limiter.failed("alice", "10.0.0.1")
    verdict = limiter.check("Alice ", "10.0.0.9")  # same user from elsewhere: still blocked
    assert not verdict.allowed and 1 <= verdict.retry_after <= 60
    assert limiter.check("bob", "10.0.0.1").allowed
    limiter.failed("bob", "10.0.0.1")
    limiter.failed("carol", "10.0.0.1")
    assert not limiter.check("dave", "10.0.0.1").allowed  # the address is over its limit
