"""Pure helpers of the console: filters, LIKE escaping, cursors, CSV cells, links, passwords,
redirect targets, login throttling and log escaping."""

from __future__ import annotations

import base64
import io
import logging
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.console.context import local_target
from bot.console.cursors import Cursor, decode_cursor, encode_cursor
from bot.console.display import age, change_rows, entity_rows, link_url
from bot.console.export import COLUMNS, csv_lines, neutralise
from bot.console.queries import TipFilters, like_pattern
from bot.console.security import (
    check_password_policy,
    hash_password,
    new_api_token,
    token_digest,
    verify_password,
)
from bot.console.throttle import DeviceCookies, LoginThrottle
from bot.logging_safe import SafeLogFilter, escape
from bot.store.models import Tip
from harness.servers import ROOT


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


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_each_failure_doubles_the_wait_of_the_account_up_to_its_cap() -> None:
    clock = FakeClock()
    throttle = LoginThrottle("memory://", "5 per 5 minutes", "100 per 5 minutes", clock)
    waits = []
    for _ in range(8):
        assert throttle.retry_after("alice", "10.0.0.1") == 0  # an attempt may be made
        throttle.failed("alice", "10.0.0.1")
        waits.append(throttle.retry_after("Alice ", "10.0.0.9"))  # the account, from anywhere
        clock.now += waits[-1]
    assert waits == [2, 4, 8, 16, 32, 60, 60, 60]
    assert throttle.retry_after("bob", "10.0.0.1") == 0  # another account is not slowed


def test_a_known_browser_waits_on_its_own_count_not_the_account() -> None:
    clock = FakeClock()
    throttle = LoginThrottle("memory://", "5 per 5 minutes", "100 per 5 minutes", clock)
    for _ in range(4):
        throttle.failed("alice", "203.0.113.9")  # someone else guessing
    assert throttle.retry_after("alice", "10.0.0.1") == 16
    assert throttle.retry_after("alice", "10.0.0.1", device="dev-1") == 0
    throttle.failed("alice", "10.0.0.1", device="dev-1")  # the officer mistypes
    assert throttle.retry_after("alice", "10.0.0.1", device="dev-1") == 2
    assert throttle.retry_after("alice", "10.0.0.1", device="dev-2") == 0


def test_an_address_gets_its_free_failures_then_waits_too() -> None:
    clock = FakeClock()
    throttle = LoginThrottle("memory://", "5 per 5 minutes", "3 per 5 minutes", clock)
    for name in ("a1", "a2", "a3"):
        throttle.failed(name, "10.0.0.1")
    assert throttle.retry_after("zed", "10.0.0.1") == 0  # three free failures
    throttle.failed("a4", "10.0.0.1")
    assert throttle.retry_after("zed", "10.0.0.1") == 2
    assert throttle.retry_after("zed", "10.0.0.2") == 0
    clock.now += 2
    assert throttle.retry_after("zed", "10.0.0.1") == 0


def test_administrators_are_told_once_when_an_account_sees_many_failures() -> None:
    throttle = LoginThrottle("memory://", "3 per 5 minutes", "100 per 5 minutes", FakeClock())
    alerts = [throttle.should_alert("alice", throttle.failed("alice", "10.0.0.1"))
              for _ in range(6)]
    assert alerts == [False, False, True, False, False, False]


def test_device_cookies_are_signed_and_remember_a_few_officers() -> None:
    devices = DeviceCookies("s" * 40)
    value = devices.issue(None, [], "alice")
    device, names = devices.read(value)
    assert device and names == ["alice"]
    again = devices.read(devices.issue(device, names, "bob"))
    assert again == (device, ["bob", "alice"])
    assert devices.read(value[:-2] + "xx") == (None, [])
    assert DeviceCookies("t" * 40).read(value) == (None, [])
    assert devices.read(None) == (None, [])
    for i in range(20):
        names = devices.read(devices.issue(device, names, f"officer{i}"))[1]
    assert len(names) == 8


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("since", [
    b64("2024-01-01T00:00:00+00:00|99999999999999999999999"),  # too big for any column
    b64("2024-01-01T00:00:00+00:00|-1"),
    b64("2024-01-01T00:00:00+00:00|\u0661\u0662"),  # non-ASCII digits
    b64("2024-01-01T00:00:00+00:00|1_000"),
    b64("2024-13-45T00:00:00+00:00|1"),
    b64("9999-12-31T23:59:59-05:00|1"),  # past the last UTC moment
    b64("2024-01-01T00:00:00+00:00|1|0001-01-01T00:00:00+14:00"),
    "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-05:00", "2024-01-01T25:00:00",
])
def test_crafted_cursors_are_refused(since: str) -> None:
    with pytest.raises(ValueError, match="since must be"):
        decode_cursor(since)


def test_cursors_before_the_epoch_start_at_the_epoch() -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert decode_cursor("0001-01-01T00:00:00Z") == Cursor(epoch)
    cursor = decode_cursor(b64("2024-01-01T00:00:00+00:00|7|0001-01-01T00:00:00+00:00"))
    assert cursor.tip_id == 7 and cursor.started == epoch


@pytest.mark.parametrize("target", [
    "/\t/evil.example/phish", "/%09/evil.example/phish", "//evil.example", "///evil.example",
    "/\\evil.example", "\\\\evil.example", "/%5Cevil.example", "/%2F%2Fevil.example",
    "/%2f/evil.example", "https://evil.example/", "javascript:alert(1)", "evil.example",
    "/\n/evil.example", "/\r\nSet-Cookie: x=1", "/%0d%0aSet-Cookie:x=1", "/ /evil.example",
    "/\u2028/evil.example", "/\x85/evil.example", "/\x0b/evil.example", "/a//b", "/\x00",
    "/" + "a" * 3000, "", None,
])
def test_only_local_paths_are_redirect_targets(target: str) -> None:
    assert local_target(target, "/") == "/"


@pytest.mark.parametrize("target", ["/tips/AB2CD3", "/?status=all&q=white+van", "/account",
                                    "/?q=http%3A%2F%2Fexample.org"])
def test_local_paths_are_kept(target: str) -> None:
    assert local_target(target, "/") == target


def test_log_filter_escapes_control_characters_in_message_and_arguments() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(SafeLogFilter())
    log = logging.getLogger("tests.logsafe")
    log.propagate, log.level = False, logging.INFO
    log.addHandler(handler)
    try:
        log.info("a\nINFO forged")
        log.warning("MessageSid %s", "SM1\r\nINFO bot forged\u2028\x1b[31m\t")
    finally:
        log.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines == ["INFO a\\nINFO forged",
                     "WARNING MessageSid SM1\\r\\nINFO bot forged\\u2028\\x1b[31m\\t"]
    assert escape("plain text, 100 %") == "plain text, 100 %"


def test_installed_logging_keeps_one_record_on_one_line() -> None:
    script = (
        "import logging\n"
        "from bot import logging_safe\n"
        "logging.basicConfig(format='%(levelname)s %(name)s %(message)s')\n"
        "logging_safe.install()\n"
        "log = logging.getLogger('bot.channels.twilio.gateway')\n"
        "log.warning('a\\nINFO forged')\n"
        "log.warning('refused (MessageSid %s)', 'SM1\\r\\nINFO x')\n"
        "try:\n    raise ValueError('boom\\nINFO forged')\n"
        "except ValueError:\n    log.exception('failed')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={"PYTHONPATH": str(ROOT)})
    lines = done.stderr.splitlines()
    assert lines[:2] == ["WARNING bot.channels.twilio.gateway a\\nINFO forged",
                         "WARNING bot.channels.twilio.gateway refused (MessageSid SM1\\r\\nINFO x)"]
    starts = [line for line in lines if not line.startswith(" ")]
    assert starts == lines[:2] + ["ERROR bot.channels.twilio.gateway failed"]  # traceback indented


# --- tip summary, standard replies ------------------------------------------------------

def summary_tip(**fields: object) -> Tip:
    values = dict(reference="AB2CD3", channel="sms", language="pa", category="drug_smuggling",
                  urgency="high", queue="RCMP", status="new", location_side="CA",
                  location_place="Lacolle", location_text="near lacolle", original_text="x",
                  incident_time="last night", entities=[
                      {"entity": "vehicle", "value": "white  van"},
                      {"entity": "vehicle", "value": "White van"},  # said twice
                      {"entity": "plate", "value": "ABC 123"},
                      {"entity": "vessel", "value": "zodiac"},
                      {"entity": "people_count", "value": "3 men"},
                      {"entity": "weapon", "value": "ignored"}, "not a dict",
                      {"entity": "plate"}])
    values.update(fields)
    return Tip(**values)


def test_summary_names_what_the_tip_line_understood_in_english() -> None:
    from bot.console.summary import summarise

    summary = summarise(summary_tip())
    assert dict((k, v) for k, _, v in summary.rows()) == {
        "category": "Drug smuggling",
        "urgency": "URGENT: someone in danger now or a crossing under way",
        "where": "Lacolle, Canada side (CA)", "when": "last night",
        "vehicles": "white van", "plates": "ABC 123", "vessels": "zodiac", "people": "3 men"}
    data = summary.as_dict()
    assert (data["category"], data["side"], data["place"]) == ("drug_smuggling", "CA", "Lacolle")
    assert data["vehicles"] == ["white van"] and data["people"] == ["3 men"]
    assert "Plates: ABC 123." in data["text"]


def test_summary_of_a_tip_the_nlu_could_not_place() -> None:
    from bot.console.summary import summarise

    summary = summarise(summary_tip(
        category="unknown", urgency="normal", location_side="unknown", location_place=None,
        location_text=None, incident_time=None,
        entities=[{"entity": "location", "value": "the old dock"},
                  {"entity": "time", "value": "at 4am"}]))
    rows = {k: v for k, _, v in summary.rows()}
    assert rows["category"] == "unknown — needs a human"
    assert rows["urgency"].startswith("normal")
    assert rows["where"] == "the old dock, side unknown" and rows["when"] == "at 4am"
    assert rows["vehicles"] == rows["plates"] == rows["people"] == "none mentioned"
    bare = summarise(summary_tip(location_side=None, location_place=None, location_text=None,
                                 incident_time=None, entities=None, category=None))
    assert bare.where == "no place given, side unknown" and bare.time is None
    assert bare.category_label == "unknown — needs a human"
    from bot.console.display import category_label
    from bot.console.queries import FILTER_CATEGORIES
    assert category_label("unknown") == "unknown — needs a human"
    assert "unknown" in FILTER_CATEGORIES
    assert TipFilters.from_args({"category": "unknown"}).category == "unknown"


def test_standard_replies_are_written_natively_in_every_language(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    from bot import outbound
    from bot.console.replyinfo import STANDARD_LABELS, standard_choices
    from bot.messages import get_officer_replies

    def no_machine_translation():  # type: ignore[no-untyped-def]
        raise AssertionError("a standard reply must never be machine translated")

    monkeypatch.setattr(outbound, "get_service", no_machine_translation)
    replies = get_officer_replies()
    keys = replies.keys()
    assert list(STANDARD_LABELS) == keys  # every reply has its short label
    for path in sorted((ROOT / "data" / "officer_replies").glob("*.yml")):
        language = path.stem
        native = yaml.safe_load(path.read_text(encoding="utf-8"))
        prefix = yaml.safe_load((ROOT / "data" / "messages" / path.name).read_text(
            encoding="utf-8"))["officer_prefix"].format(reference="AB2CD3")
        tip = summary_tip(language=language)
        for key in keys:
            message = outbound.standard_message(tip, key)
            assert message.text == prefix + native[key].format(reference="AB2CD3"), (language,
                                                                                      key)
            assert message.language == language and message.standard == key
            assert message.translation == ("not_needed" if language == "en" else "catalogue")
            assert message.text_en == replies.render(key, "en", reference="AB2CD3")
    unknown = outbound.standard_message(summary_tip(language="und"), "thanks")
    assert (unknown.language, unknown.translation) == ("en", "not_needed")
    other = outbound.standard_message(summary_tip(language="sw"), "thanks")
    assert (other.language, other.translation) == ("en", "no_catalogue")
    with pytest.raises(KeyError):
        outbound.standard_message(summary_tip(), "not_a_reply")
    choices = standard_choices(summary_tip())
    assert [c.label for c in choices][:2] == ["Thanks", "Ask for the vehicle"]
    assert "AB2CD3" in choices[0].text_en


def test_free_text_says_when_it_cannot_be_translated(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import outbound
    from bot.translation import TranslationService

    off = TranslationService(provider="none")
    monkeypatch.setattr(outbound, "get_service", lambda: off)
    assert "no translation provider" in outbound.translation_unavailable(summary_tip())
    assert outbound.translation_unavailable(summary_tip(language="en")) is None
    assert outbound.translation_unavailable(summary_tip(language="und")) is None
    message = outbound.free_text_message(summary_tip(), "Are you safe?")
    assert (message.translation, message.language) == ("failed", "en")
    assert message.text == "Message from an officer about tip AB2CD3: Are you safe?"
    assert outbound.localise_officer_text(summary_tip(), "Hi") == (
        "Message from an officer about tip AB2CD3: Hi", "failed")
    failing = TranslationService(provider="libre", url="http://127.0.0.1:9/")
    failing.breaker.failure()  # the provider failed a moment ago
    monkeypatch.setattr(outbound, "get_service", lambda: failing)
    assert "failed a moment ago" in outbound.translation_unavailable(summary_tip())

    def misconfigured():  # type: ignore[no-untyped-def]
        raise ValueError("translation provider 'libre' needs TIPLINE_TRANSLATION_URL")

    monkeypatch.setattr(outbound, "get_service", misconfigured)  # the page must still work
    assert "not configured correctly" in outbound.translation_unavailable(summary_tip())
    assert outbound.free_text_message(summary_tip(), "Hi").translation == "failed"


def test_reply_notes_say_how_each_officer_message_went_out() -> None:
    from bot.console.replyinfo import reply_notes
    from bot.store.models import AuditEntry, TipMessage

    tip = summary_tip(language="pa")
    english = "Message from an officer about tip AB2CD3: Are you safe?"
    messages = [TipMessage(id=1, direction="in", author="tipster", text="x"),
                TipMessage(id=2, direction="out", author="officer", text="ਪੰਜਾਬੀ",
                           translated_text="Thanks", language="pa"),
                TipMessage(id=3, direction="out", author="officer", text=english,
                           translated_text="Are you safe?", language="en"),
                TipMessage(id=4, direction="out", author="officer", text="ਅਨੁਵਾਦ",
                           translated_text="Old reply", language="pa")]  # no entry names it
    entries = [AuditEntry(action="officer_reply", after={
                   "message_id": 2, "translation": "catalogue", "delivery": "sent",
                   "standard_reply": "thanks"}),
               AuditEntry(action="officer_reply", after={
                   "message_id": 3, "translation": "failed", "delivery": "queued"})]
    notes = reply_notes(tip, messages, entries)
    assert set(notes) == {2, 3, 4}
    assert notes[2].note == ("standard reply, written in Punjabi (no machine translation)"
                             " · delivery: sent")
    assert notes[2].english_heading == "Standard reply “Thanks” in English"
    assert notes[3].untranslated and notes[3].note.startswith("NOT translated")
    assert notes[4].note == "machine translated into Punjabi" and not notes[4].untranslated
