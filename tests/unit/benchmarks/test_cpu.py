"""The benchmark's CPU accounting per turn (tools/benchmarks/cpu.py), over given snapshots."""

from __future__ import annotations

from collections import namedtuple

from tools.benchmarks import cpu


def test_per_turn_ms_counts_new_processes_from_zero_and_orders_the_largest_first() -> None:
    before = {"rasa": {1: 10.0}, "store": {2: 1.0}}
    after = {"rasa": {1: 10.5}, "store": {2: 1.1, 3: 0.3}}
    assert cpu.per_turn_ms(before, after, turns=10) == {"rasa": 50.0, "store": 40.0,
                                                        "total": 90.0}
    assert cpu.per_turn_ms(before, after, turns=0) == {}


def test_a_process_that_ended_is_not_counted_and_time_never_goes_negative() -> None:
    before = {"rasa": {1: 10.0, 2: 5.0}}
    after = {"rasa": {1: 9.0}}  # pid 1 reused by a younger process; pid 2 ended
    assert cpu.per_turn_ms(before, after, turns=1) == {"rasa": 0.0, "total": 0.0}


def test_stolen_percent_is_steal_over_all_cpu_time_between_two_readings() -> None:
    times = namedtuple("times", "user nice system idle iowait irq softirq steal guest guest_nice")
    before = times(100.0, 0.0, 20.0, 500.0, 1.0, 0.0, 1.0, 10.0, 0.0, 0.0)
    # 40 s of guest time is already in user: counted once
    after = times(170.0, 0.0, 30.0, 560.0, 1.0, 0.0, 1.0, 30.0, 40.0, 0.0)
    assert cpu.stolen_percent(before, after) == 12.5  # 20 of 70 + 10 + 60 + 20 = 160 s
    assert cpu.stolen_percent(before, before) is None


def test_no_steal_reported_is_none() -> None:
    times = namedtuple("times", "user system idle")
    assert cpu.stolen_percent(times(1.0, 1.0, 1.0), times(2.0, 2.0, 2.0)) is None
