"""Per-sender rate limit (limits library, moving window)."""

from __future__ import annotations

from bot.channels.twilio.ratelimit import SenderRateLimit


def test_arrivals_over_the_limit_and_one_notice_per_window() -> None:
    limit = SenderRateLimit("3/minute")
    assert [limit.arrival("a") for _ in range(5)] == [True, True, True, False, False]
    assert limit.arrival("b")  # per sender
    assert limit.should_notify("a") is True
    assert limit.should_notify("a") is False


def test_processing_budget_and_wait() -> None:
    limit = SenderRateLimit("2/second")
    assert limit.process("a") and limit.process("a")
    assert not limit.process("a")
    assert 0 < limit.wait_seconds("a") <= 1.5


def test_several_limits_and_disabled() -> None:
    limit = SenderRateLimit("5/minute;2/second")
    assert [limit.arrival("a") for _ in range(3)] == [True, True, False]
    assert not SenderRateLimit("").enabled
