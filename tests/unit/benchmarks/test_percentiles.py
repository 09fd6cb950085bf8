"""The benchmark's statistics: percentiles and the summary of a load point."""

from __future__ import annotations

import pytest

from tools.benchmarks.load import Point, TurnResult, percentile, reply_text


def test_percentile_interpolates_between_closest_ranks() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 100.0


def test_percentile_of_one_value_and_of_none() -> None:
    assert percentile([0.25], 99) == 0.25
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summary_counts_errors_apart_from_latencies() -> None:
    point = Point(regime="open", offered_rate=10.0, users=None, duration=2.0, elapsed=2.0)
    point.results = [TurnResult("c", i, latency=0.010 * (i + 1), finished_at=0.1 * i)
                     for i in range(10)]
    point.results.append(TurnResult("c", 0, latency=5.0, finished_at=1.9, error="http 500"))
    point.sent = 11
    summary = point.summary()
    assert summary["turns_ok"] == 10
    assert summary["errors"] == 1
    assert summary["errors_by_kind"] == {"http 500": 1}
    # the failed turn's 5 s is not a latency: p99 stays within the successful ones
    assert summary["p50_ms"] == pytest.approx(55.0)
    assert summary["max_ms"] == pytest.approx(100.0)
    assert summary["achieved_rate"] == pytest.approx(5.0)
    assert summary["conversations_started"] == 2


def test_summary_names_the_turns_that_make_the_tail() -> None:
    point = Point(regime="open", offered_rate=10.0, users=None, duration=2.0, elapsed=2.0)
    fast = [TurnResult("status", 0, latency=0.020, finished_at=0.0) for _ in range(10)]
    slow = [TurnResult("status", 2, latency=0.100 + 0.010 * i, finished_at=0.0)
            for i in range(5)]
    failed = [TurnResult("return", 1, latency=9.0, finished_at=0.0, error="timeout")]
    point.results = fast + slow + failed
    turns = point.summary()["slowest_turns"]
    assert list(turns) == ["status #2", "status #0"]  # a failed turn has no latency
    assert turns["status #2"] == {"count": 5, "p50_ms": 120.0, "p95_ms": 138.0}
    assert turns["status #0"]["p95_ms"] == pytest.approx(20.0)


def test_reply_text_includes_button_payloads() -> None:
    replies = [{"text": "Hi!", "buttons": [{"title": "Where", "payload": "/order_status"}]},
               {"image": "x.png"}]
    assert "/order_status" in reply_text(replies)
    assert "Hi!" in reply_text(replies)
