"""Translation through real deep-translator calls to the fake LibreTranslate server."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.translation import TranslationResult, TranslationService
from bot.translation.breaker import CircuitBreaker
from bot.translation.cache import LRUCache
from bot.translation.splitting import join_translations, split_text
from bot.translation.timeouts import bounded, current_timeout
from harness.fakes.libretranslate import FakeLibreTranslate

ROOT = Path(__file__).resolve().parents[2]
GERMAN = "Ich habe gesehen, wie Männer Drogen über die Grenze bei Lacolle gebracht haben"
ENGLISH = "I saw men bringing drugs across the border at Lacolle"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLibreTranslate]:
    with FakeLibreTranslate(hang_seconds=30) as fake:
        yield fake


@pytest.fixture()
def fake(server: FakeLibreTranslate) -> Iterator[FakeLibreTranslate]:
    server.reset()
    yield server
    server.reset()


def libre(fake: FakeLibreTranslate, **options: float) -> TranslationService:
    settings = {"timeout": 2.0, "breaker_cooldown": 30.0, **options}
    return TranslationService("libre", fake.url, "key", **settings)  # type: ignore[arg-type]


def test_phrasebook_translation(fake: FakeLibreTranslate) -> None:
    result = libre(fake).translate(GERMAN, "de", "en")
    assert result == TranslationResult(ENGLISH, "done", "libre")
    assert fake.count("/translate") == 1
    sent = fake.requests[0]
    assert sent.method == "POST" and sent.params["source"] == "de"
    assert sent.params["q"] == GERMAN and sent.params["api_key"] == "key"


@pytest.mark.parametrize(
    ("text", "source", "target", "expected"),
    [
        ("我看到有人在边境附近的河边交易毒品", "zh", "en",
         "I saw people dealing drugs by the river near the border"),
        ("Thank you. Your tip has been received.", "en", "de",
         "Danke. Ihr Hinweis ist eingegangen."),
        ("J'ai vu des gens traverser la frontière à pied près de Lacolle", "fr", "en",
         "I saw people crossing the border on foot near Lacolle"),
        ("Hoi, ik zag een boot", "nl", "en", "[nl→en] Hoi, ik zag een boot"),
        ("Ти бачив човен?", "uk", "en", "[uk→en] Ти бачив човен?"),
    ],
)
def test_languages_beyond_deep_translators_libre_list(
    fake: FakeLibreTranslate, text: str, source: str, target: str, expected: str
) -> None:
    assert libre(fake).translate(text, source, target).text == expected


@pytest.mark.parametrize(
    ("text", "source", "target"),
    [("hello", "en", "en"), ("hello", "en-US", "EN"), ("", "de", "en"), ("   ", "de", "en"),
     (None, "de", "en")],
)
def test_nothing_to_translate(
    fake: FakeLibreTranslate, text: str | None, source: str, target: str
) -> None:
    assert libre(fake).translate(text, source, target) == TranslationResult(
        text, "not_needed", "libre"
    )
    assert fake.count() == 0


def test_cache_hit_makes_no_request(fake: FakeLibreTranslate) -> None:
    service = libre(fake)
    first = service.translate(GERMAN, "de", "en")
    second = service.translate(GERMAN, "de", "en")
    assert first == second and second.status == "done"
    assert fake.count("/translate") == 1
    service.translate(GERMAN, "de", "fr")  # another target is another entry
    assert fake.count("/translate") == 2


def test_failures_are_not_cached(fake: FakeLibreTranslate) -> None:
    service = libre(fake, breaker_cooldown=0)
    fake.set_mode("fail")
    assert service.translate(GERMAN, "de", "en").status == "failed"
    fake.set_mode("ok")
    assert service.translate(GERMAN, "de", "en").text == ENGLISH
    assert fake.count("/translate") == 2


def test_hanging_provider_times_out(fake: FakeLibreTranslate) -> None:
    fake.set_mode("hang")
    service = libre(fake, timeout=1.0)
    started = time.monotonic()
    result = service.translate(GERMAN, "de", "en")
    elapsed = time.monotonic() - started
    assert result == TranslationResult(None, "failed", "libre")
    assert 0.9 <= elapsed < 2.0


def test_breaker_makes_the_next_call_immediate_then_retries(fake: FakeLibreTranslate) -> None:
    fake.set_mode("hang")
    service = libre(fake, timeout=0.5, breaker_cooldown=1.0)
    assert service.translate(GERMAN, "de", "en").status == "failed"
    assert service.breaker.is_open
    started = time.monotonic()
    for _ in range(5):
        assert service.translate("Noch ein Hinweis", "de", "en").status == "failed"
    assert time.monotonic() - started < 0.1
    assert fake.count("/translate") == 1
    fake.set_mode("ok")
    time.sleep(1.1)
    assert service.translate(GERMAN, "de", "en").status == "done"
    assert not service.breaker.is_open


@pytest.mark.parametrize("mode", ["forbidden", "fail"])
def test_http_errors_fail(fake: FakeLibreTranslate, mode: str) -> None:
    fake.set_mode(mode)
    assert libre(fake).translate(GERMAN, "de", "en") == TranslationResult(None, "failed", "libre")
    assert fake.count("/translate") == 1


def test_wrong_api_key_fails() -> None:
    with FakeLibreTranslate(api_key="secret") as locked:
        assert libre(locked).translate(GERMAN, "de", "en").status == "failed"
        good = TranslationService("libre", locked.url, "secret")
        assert good.translate(GERMAN, "de", "en").text == ENGLISH


def test_unreachable_provider_fails_fast() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    service = TranslationService("libre", f"http://127.0.0.1:{port}", "k", timeout=2.0)
    started = time.monotonic()
    assert service.translate(GERMAN, "de", "en").status == "failed"
    assert time.monotonic() - started < 1.0


def test_long_text_is_split_and_joined(fake: FakeLibreTranslate) -> None:
    sentences = [f"Satz Nummer {i} handelt von einem Boot am Fluss." for i in range(120)]
    text = " ".join(sentences)
    assert len(text) > 5000
    result = libre(fake).translate(text, "de", "en")
    assert result.status == "done"
    sent = [r.params["q"] for r in fake.requests]
    assert len(sent) >= 3
    assert all(len(q) <= 2000 and q.endswith(".") for q in sent)  # whole sentences
    assert " ".join(sent) == text
    assert result.text == " ".join(f"[de→en] {q}" for q in sent)


def test_long_text_without_spaces_respects_the_url_budget(fake: FakeLibreTranslate) -> None:
    text = "我看到有人在边境附近的河边交易毒品" * 60  # 1020 characters, 9 bytes each encoded
    result = libre(fake).translate(text, "zh", "en")
    assert result.status == "done"
    sent = [r.params["q"] for r in fake.requests]
    assert len(sent) >= 4 and "".join(sent) == text


def test_long_text_over_the_deadline_fails(fake: FakeLibreTranslate) -> None:
    fake.set_mode("hang")
    service = libre(fake, timeout=1.0)
    started = time.monotonic()
    # about ten chunks: a timeout per chunk would take 10 s or more, one deadline about 1 s
    # (4 s leaves room for a loaded machine)
    assert service.translate("Satz. " * 3000, "de", "en").status == "failed"
    assert time.monotonic() - started < 4.0


def test_none_provider(fake: FakeLibreTranslate) -> None:
    service = TranslationService("none")
    assert service.translate(GERMAN, "de", "en") == TranslationResult(None, "failed", "none")
    assert service.translate("hello", "en", "en").status == "not_needed"
    assert not service.breaker.is_open


def test_undetermined_source_fails_without_a_request(fake: FakeLibreTranslate) -> None:
    service = libre(fake)
    assert service.translate("ok", "und", "en").status == "failed"
    assert fake.count() == 0 and not service.breaker.is_open


def test_language_the_server_lacks_fails_without_opening_the_breaker(
    fake: FakeLibreTranslate,
) -> None:
    service = libre(fake)
    assert service.translate("ᐃᓄᒃᑎᑐᑦ", "iu", "en") == TranslationResult(None, "failed", "libre")
    assert fake.count("/translate") == 1 and not service.breaker.is_open
    assert service.translate(GERMAN, "de", "en").status == "done"


def test_google_and_mymemory_refuse_unknown_languages_without_network() -> None:
    for name in ("google", "mymemory"):
        result = TranslationService(name).translate("bonjour", "xx", "en")
        assert result == TranslationResult(None, "failed", name)


def test_bad_configuration_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="unknown translation provider"):
        TranslationService("deepl")
    with pytest.raises(ValueError, match="TIPLINE_TRANSLATION_URL"):
        TranslationService("libre")


def test_from_settings(fake: FakeLibreTranslate) -> None:
    from bot.settings import TranslationSettings

    settings = TranslationSettings("libre", fake.url.rstrip("/"), "k", 1.5, 7.0)
    service = TranslationService.from_settings(settings)
    assert (service.timeout, service.breaker.cooldown) == (1.5, 7.0)
    assert service.translate(GERMAN, "de", "en").text == ENGLISH


def test_logs_never_hold_the_text(
    fake: FakeLibreTranslate, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Geheimer Hinweis über Waffen im Keller von Herrn Schmidt"
    caplog.set_level(logging.DEBUG)
    service = libre(fake, timeout=0.5, breaker_cooldown=0.0)
    service.translate(secret, "de", "en")
    service.translate(secret, "de", "en")  # cached
    for mode in ("fail", "forbidden", "hang"):
        fake.set_mode(mode)
        service.translate(secret + mode, "de", "en")
    records = [r.getMessage() for r in caplog.records]
    assert any("status" in m or "translation" in m for m in records)
    for word in ("Geheimer", "Schmidt", "Geheimer%20", "Geheimer+"):
        assert not any(word in m for m in records), records


def test_concurrent_callers_share_cache_and_breaker(fake: FakeLibreTranslate) -> None:
    service = libre(fake)
    results: list[TranslationResult] = []
    threads = [
        threading.Thread(target=lambda: results.append(service.translate(GERMAN, "de", "en")))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {r.text for r in results} == {ENGLISH}
    assert 1 <= fake.count("/translate") <= 8


# --- building blocks ---------------------------------------------------------------------


def test_split_prefers_sentences_then_words_then_characters() -> None:
    text = "One short sentence. Another one here!\nA third line? " + "word " * 30 + "x" * 70
    pieces = split_text(text, 40, 200)
    assert "".join(pieces) == text
    assert pieces[0] == "One short sentence. Another one here!\n"  # two whole sentences
    assert all(len(p.strip()) <= 40 for p in pieces)
    assert all(p.endswith(" ") for p in pieces[1:-2])  # words kept whole
    assert pieces[-2:] == ["x" * 40, "x" * 30]  # a word longer than the limit is cut
    joined = join_translations(pieces, [p.strip() for p in pieces])
    assert joined.startswith("One short sentence. Another one here!\nA third line? word")


def test_split_keeps_newlines_between_pieces() -> None:
    pieces = split_text("Erste Zeile\nZweite Zeile", 15, 100)
    assert join_translations(pieces, ["First line", "Second line"]) == "First line\nSecond line"


def test_timeout_is_only_set_on_the_bounded_thread() -> None:
    seen: list[float | None] = []
    with bounded(1.5):
        assert current_timeout() == 1.5
        other = threading.Thread(target=lambda: seen.append(current_timeout()))
        other.start()
        other.join()
    assert seen == [None] and current_timeout() is None


def test_bounded_requests_time_out(fake: FakeLibreTranslate) -> None:
    fake.set_mode("hang")
    started = time.monotonic()
    with bounded(0.5), pytest.raises(requests.exceptions.Timeout):
        requests.post(fake.url + "translate", params={"q": "x", "source": "de", "target": "en"})
    assert time.monotonic() - started < 1.5


def test_breaker_lets_one_trial_through_after_cooldown() -> None:
    now = [0.0]
    breaker = CircuitBreaker(10.0, clock=lambda: now[0])
    assert breaker.allow()
    breaker.failure()
    assert not breaker.allow()
    now[0] = 10.0
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # others wait while it runs
    breaker.success()
    assert breaker.allow() and not breaker.is_open


def test_lru_cache_evicts_the_least_recently_used() -> None:
    cache: LRUCache[str] = LRUCache(2)
    cache.put("a", "1")
    cache.put("b", "2")
    assert cache.get("a") == "1"
    cache.put("c", "3")
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == ("1", None, "3", 2)


# --- the fake server itself ------------------------------------------------------------------


def test_fake_accepts_query_form_and_json(fake: FakeLibreTranslate) -> None:
    url = fake.url + "translate"
    by_form = requests.post(url, data={"q": GERMAN, "source": "de", "target": "en"}, timeout=5)
    by_json = requests.post(url, json={"q": [GERMAN, "Hallo"], "source": "de", "target": "es"},
                            timeout=5)
    assert by_form.json() == {"translatedText": ENGLISH}
    assert by_json.json()["translatedText"][1] == "[de→es] Hallo"
    detected = requests.post(fake.url + "detect", data={"q": GERMAN}, timeout=5).json()
    assert detected == [{"language": "de", "confidence": 90.0}]
    languages = requests.get(fake.url + "languages", timeout=5).json()
    assert {"code": "de", "name": "German"}.items() <= languages[0].items() or languages
    requests.post(fake.url + "_mode", json={"mode": "fail"}, timeout=5)
    assert fake.mode == "fail"
    assert requests.post(url, data={"q": "x", "target": "en"}, timeout=5).status_code == 500


def test_fake_runs_as_a_process() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.fakes.libretranslate", "--port", str(port)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        assert "listening" in (process.stdout.readline() if process.stdout else "")
        base = f"http://127.0.0.1:{port}/"
        service = TranslationService("libre", base, "k")
        assert service.translate(GERMAN, "de", "en").text == ENGLISH
        requests.post(base + "_mode", json={"mode": "forbidden"}, timeout=5)
        assert service.translate("Neuer Text", "de", "en").status == "failed"
        stats = json.loads(requests.get(base + "_stats", timeout=5).text)
        assert stats == {"mode": "forbidden", "requests": 2, "translate": 2}
    finally:
        process.terminate()
        process.wait(timeout=10)
