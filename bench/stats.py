"""Small statistics helpers for the benchmarks."""

from __future__ import annotations

import statistics
from typing import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[rank]


def summary_ms(values: Sequence[float]) -> str:
    """p50/p95/p99/mean of durations given in seconds, printed in milliseconds."""
    return (f"p50 {percentile(values, 50) * 1000:7.1f} ms  p95 {percentile(values, 95) * 1000:7.1f}"
            f" ms  p99 {percentile(values, 99) * 1000:7.1f} ms  mean "
            f"{statistics.fmean(values) * 1000:7.1f} ms")
