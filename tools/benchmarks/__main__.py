"""`python -m tools.benchmarks` (what `make bench-load` runs): the load benchmark.

For each system (bare `rasa init` bot, Shopdesk on 1 and on 2 Rasa instances) it measures
open load at each offered rate and saturation, and the memory of every process; prints a
table and the targets, and writes everything to var/bench/load-<time>.json (and
var/bench/load-latest.json). Loopback only; bounded: about (rates + 1) x duration per
system plus start-up.

Shopdesk's Rasa runs with the patches SHOPDESK_RASA_PATCHES selects (bot/rasa_patches.py;
all by default): `make bench-load SHOPDESK_RASA_PATCHES=none` (or a list of names) measures
what they are worth; the setting is printed and kept with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bot import paths
from bot.stack import StackError
from tools.benchmarks import cpu, load, rss
from tools.benchmarks.shoppers import bare_shoppers, shopdesk_shoppers
from tools.benchmarks.stacks import System, bare_rasa, shopdesk

OUT_DIR = paths.VAR / "bench"
WARM_UP_SECONDS = 4.0
SETTLE_SECONDS = 2.0


def _positive_floats(raw: str) -> list[float]:
    try:
        values = [float(v) for v in raw.split(",") if v.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {raw!r}") from exc
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"need positive numbers: {raw!r}")
    return values


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.benchmarks", description=__doc__)
    parser.add_argument("--systems", default="bare,1,2",
                        help="comma list of: bare, 1, 2 (Rasa instances)")
    parser.add_argument("--rates", type=_positive_floats, default=[5.0, 20.0, 40.0],
                        help="offered turns/s for the open-load points")
    parser.add_argument("--users", type=int, default=20, help="shoppers at saturation")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per point")
    parser.add_argument("--think", type=_positive_floats, default=[1.0, 4.0],
                        help="think time range in seconds: low,high")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--model", type=Path, default=None,
                        help="Shopdesk model to serve (default: trained for the current inputs)")
    args = parser.parse_args(argv)
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    for system in args.systems:
        if system not in ("bare", "1", "2"):
            parser.error(f"unknown system {system!r} (bare, 1, 2)")
    if len(args.think) != 2 or args.think[0] > args.think[1]:
        parser.error("--think takes low,high")
    return args


async def measure(
    system: System,
    new_shopper: Callable[[str], load.ShopperFactory],
    args: argparse.Namespace,
) -> list[dict[str, Any]]:
    think = load.ThinkTime(*args.think)
    services = {r.spec.name: r.process.pid for r in system.stack.running}
    rows = []
    async with load.client(connections=400) as http:
        channel = load.RestChannel(system.urls, client=http)
        # Warm-up (not recorded): first calls load lazily built parts in every process.
        await load.open_load(channel=channel, new_shopper=new_shopper("warm"), rate=5,
                             duration=WARM_UP_SECONDS, think=load.NO_THINK, seed=args.seed)
        for number, rate in enumerate(args.rates):
            await asyncio.sleep(SETTLE_SECONDS)
            before = cpu.snapshot(services), cpu.machine_times()
            point = await load.open_load(
                channel=channel, new_shopper=new_shopper(f"open{rate:g}"), rate=rate,
                duration=args.duration, think=think, seed=args.seed + number,
            )
            rows.append(_row(point, before, services))
            _print_point(system.name, rows[-1])
        await asyncio.sleep(SETTLE_SECONDS)
        before = cpu.snapshot(services), cpu.machine_times()
        point = await load.saturation(
            channel=channel, new_shopper=new_shopper("sat"), users=args.users,
            duration=args.duration, seed=args.seed,
        )
        rows.append(_row(point, before, services))
        _print_point(system.name, rows[-1])
    return rows


def _row(point: load.Point, before: tuple[dict[str, dict[int, float]], Any],
         services: dict[str, int]) -> dict[str, Any]:
    summary = point.summary()
    processes, machine = before
    return {**summary, "load_avg_1m": _load_average(),
            "cpu_stolen_percent": cpu.stolen_percent(machine, cpu.machine_times()),
            # CPU milliseconds per answered turn, by process (tools/benchmarks/cpu.py)
            "cpu_ms_per_turn": cpu.per_turn_ms(processes, cpu.snapshot(services),
                                               summary["turns_ok"])}


def _load_average() -> float:
    """The machine's 1-minute load average after a point: the benchmark shares the cores
    with whatever else runs, and this says how much else did."""
    return round(os.getloadavg()[0], 2)


def _print_point(system: str, row: dict[str, Any]) -> None:
    what = (f"open {row['offered_rate']:g}/s" if row["regime"] == "open"
            else f"saturation {row['users']} users")
    errors = row["errors"]
    kinds = f" {row['errors_by_kind']}" if errors else ""
    print(f"  {system:<16} {what:<22} achieved {row['achieved_rate']:>6.1f}/s  "
          f"p50 {_fmt(row['p50_ms'])}  p95 {_fmt(row['p95_ms'])}  p99 {_fmt(row['p99_ms'])}  "
          f"ok {row['turns_ok']:>5}  errors {errors}{kinds}  load {row['load_avg_1m']:.1f}"
          f"{_stolen(row.get('cpu_stolen_percent'))}", flush=True)
    spent = row.get("cpu_ms_per_turn") or {}
    if spent:
        parts = "  ".join(f"{name} {ms:.1f}" for name, ms in spent.items() if name != "total")
        print(f"  {'':<16} {'':<22} CPU ms/turn {spent['total']:.1f}: {parts}", flush=True)


def _stolen(percent: float | None) -> str:
    return "" if percent is None else f"  CPU stolen by the host {percent:.1f}%"


def _fmt(ms: float | None) -> str:
    return "    -   " if ms is None else f"{ms:>6.0f}ms"


def _systems(names: list[str], workdir: Path, model: Path | None) -> Iterator[
    tuple[str, Callable[[], AbstractContextManager[System]], Callable[[str], load.ShopperFactory]]
]:
    for name in names:
        if name == "bare":
            yield name, lambda: bare_rasa(workdir), bare_shoppers
        else:
            instances = int(name)
            yield (name, lambda n=instances: shopdesk(workdir, instances=n, model=model),
                   shopdesk_shoppers)


def targets(results: dict[str, Any], rates: list[float]) -> list[str]:
    """The issue's targets, checked against this run's figures (printed, not asserted)."""
    def point(system: str, regime: str, rate: float | None = None) -> dict[str, Any] | None:
        for row in results.get(system, {}).get("points", []):
            if row["regime"] == regime and (rate is None or row["offered_rate"] == rate):
                return row
        return None

    lines = []
    one20, bare20 = point("1", "open", 20.0), point("bare", "open", 20.0)
    if one20 and one20["p95_ms"] is not None:
        lines.append(_check("1 instance, 20 turns/s offered: p95 <= 100 ms",
                            one20["p95_ms"] <= 100, f"{one20['p95_ms']:.0f} ms"))
        if bare20 and bare20["p95_ms"]:
            ratio = one20["p95_ms"] / bare20["p95_ms"]
            lines.append(_check("... and <= 1.5x the bare bot's p95 at 20 turns/s",
                                ratio <= 1.5, f"{ratio:.2f}x ({bare20['p95_ms']:.0f} ms bare)"))
    sat = {name: point(name, "saturation") for name in ("bare", "1", "2")}
    if sat["1"]:
        rate = sat["1"]["achieved_rate"]
        lines.append(_check("saturation >= 50 turns/s per instance", rate >= 50,
                            f"{rate:.1f} turns/s"))
    if sat["1"] and sat["2"] and sat["1"]["achieved_rate"]:
        ratio = sat["2"]["achieved_rate"] / sat["1"]["achieved_rate"]
        lines.append(_check("2 instances >= 1.6x one", ratio >= 1.6, f"{ratio:.2f}x"))
    if sat["bare"]:
        lines.append(f"  (bare rasa init saturation: {sat['bare']['achieved_rate']:.1f} turns/s)")
    return lines


def _check(what: str, ok: bool, figure: str) -> str:
    return f"  [{'MET ' if ok else 'MISS'}] {what}: {figure}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    results: dict[str, Any] = {}
    patches = os.environ.get("SHOPDESK_RASA_PATCHES") or "all"
    print(f"load benchmark: systems {args.systems}, rates {args.rates} turns/s, "
          f"{args.users} users at saturation, {args.duration:g} s per point, seed {args.seed}, "
          f"Rasa patches: {patches}", flush=True)
    with tempfile.TemporaryDirectory(prefix="shopdesk-bench-") as tmp:
        workdir = Path(tmp)
        for name, start, shoppers in _systems(args.systems, workdir, args.model):
            t0 = time.monotonic()
            try:
                with start() as system:
                    print(f"{system.name}: started in {time.monotonic() - t0:.0f} s",
                          flush=True)
                    points = asyncio.run(measure(system, shoppers, args))
                    memory = rss.memory(
                        {r.spec.name: r.process.pid for r in system.stack.running})
            except StackError as exc:
                # One system that does not start must not lose the others' figures.
                print(f"{name}: did not start: {exc}", flush=True)
                results[name] = {"system": name, "error": str(exc), "points": [],
                                 "memory": []}
                continue
            results[name] = {
                "system": system.name,
                "points": points,
                "memory": [asdict(m) for m in memory],
            }
            for m in memory:
                print(f"  {system.name:<16} {m.service:<10} pid {m.pid:<7} {m.command:<16} "
                      f"RSS {m.rss_mb:>7.1f} MB  peak {m.peak_rss_mb:>7.1f} MB")
            total = sum(m.rss_mb for m in memory)
            print(f"  {system.name:<16} total RSS {total:.0f} MB", flush=True)
        # Keep every process's log (and HAProxy's) beside the figures.
        logs = args.out / f"logs-{started}"
        shutil.copytree(workdir, logs, ignore=shutil.ignore_patterns("*.db", "*.cfg"),
                        dirs_exist_ok=True)
    checks = targets(results, args.rates)
    print("targets:")
    print("\n".join(checks))
    report = {"started": started, "rasa_patches": patches,
              "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
              "results": results, "targets": checks}
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"load-{started}.json"
    path.write_text(json.dumps(report, indent=2))
    (args.out / "load-latest.json").write_text(json.dumps(report, indent=2))
    print(f"written: {path.relative_to(paths.ROOT) if path.is_relative_to(paths.ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
