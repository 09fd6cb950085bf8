"""The alternating comparison's bookkeeping (tools/benchmarks/compare.py)."""

from __future__ import annotations

from tools.benchmarks import compare


def _result(p95: float) -> dict:
    return {"results": {"1": {"points": [
        {"regime": "open", "p50_ms": p95 / 2, "p95_ms": p95, "errors": 0,
         "cpu_ms_per_turn": {"rasa-1": 20.0, "actions-1": 5.0, "total": 30.0}},
        {"regime": "saturation", "p50_ms": 900.0, "p95_ms": 1500.0, "errors": 0},
    ]}}}


def test_sides_alternate_so_neither_always_runs_first() -> None:
    assert compare.order(3) == ["this", "other", "other", "this", "this", "other"]


def test_reads_the_open_load_point_and_rasa_cpu() -> None:
    run = compare.read_run("this", _result(80.0), stolen_percent=2.0)
    assert (run.p95_ms, run.p50_ms, run.rasa_cpu_ms, run.total_cpu_ms) == (80.0, 40.0, 20.0, 30.0)
    assert run.stolen_percent == 2.0


def test_summary_pairs_adjacent_runs_and_takes_medians() -> None:
    runs = [compare.read_run(side, _result(p95)) for side, p95 in
            zip(compare.order(3), [60.0, 50.0, 100.0, 130.0, 66.0, 60.0], strict=True)]
    result = compare.summary(runs)
    assert result["p95_ratios"] == [1.2, 1.3, 1.1]
    assert result["median_p95_ratio"] == 1.2
    assert result["this"]["p95_ms"] == 66.0
    assert result["other"]["p95_ms"] == 60.0
    assert result["errors"] == {"this": 0, "other": 0}
