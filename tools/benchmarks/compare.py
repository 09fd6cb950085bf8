"""`python -m tools.benchmarks.compare --other DIR`: this checkout's load benchmark against
another checkout's (an earlier version in a git worktree), run alternately.

On a shared 2-core virtual machine one run's p95 moves by half or more between runs
minutes apart (the host's load, `CPU stolen` in the benchmark's output), so one run of each
says little about which version is faster. This runs the two benchmarks in turns, A B B A
A B ..., one Shopdesk instance at one offered rate each, and prints each run's figures,
each side's median and the median of the pairs' ratios: a slow spell of the machine then
lands on both sides. A run during which the host took more than `--max-stolen` percent of
the CPU time (steal time, measured here around each run) is run again.

The other checkout runs its own benchmark with its own model and environment
(`--other-python`, `--other-module`: versions before the benchmark moved to
`tools/benchmarks` have it as `bot.benchmarks`). Writes var/bench/compare-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot import paths
from tools.benchmarks import cpu

OUT_DIR = paths.VAR / "bench"
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Run:
    side: str  # "this" or "other"
    p50_ms: float | None
    p95_ms: float | None
    errors: int
    rasa_cpu_ms: float | None
    total_cpu_ms: float | None
    # of the machine's CPU time over the whole run (start-up included), measured here, so
    # that versions whose benchmark does not report it are compared on the same figure
    stolen_percent: float | None


def read_run(side: str, result: dict[str, Any], stolen_percent: float | None = None) -> Run:
    """The open-load point of a benchmark's JSON output (one instance, one rate)."""
    point = next(p for p in result["results"]["1"]["points"] if p["regime"] == "open")
    spent = point.get("cpu_ms_per_turn") or {}
    rasa = [ms for name, ms in spent.items() if name.startswith("rasa")]
    return Run(
        side=side,
        p50_ms=point["p50_ms"],
        p95_ms=point["p95_ms"],
        errors=point["errors"],
        rasa_cpu_ms=sum(rasa) if rasa else None,
        total_cpu_ms=spent.get("total"),
        stolen_percent=stolen_percent,
    )


def order(pairs: int) -> list[str]:
    """A B, B A, A B, ...: neither side always runs first (after a warm or a cold spell)."""
    sides: list[str] = []
    for n in range(pairs):
        sides += ["this", "other"] if n % 2 == 0 else ["other", "this"]
    return sides


def summary(runs: list[Run]) -> dict[str, Any]:
    """Each side's medians and the median of the per-pair p95 ratios (this / other)."""

    def median(side: str, field: str) -> float | None:
        values = [getattr(r, field) for r in runs if r.side == side]
        values = [v for v in values if v is not None]
        return round(statistics.median(values), 1) if values else None

    this = [r for r in runs if r.side == "this"]
    other = [r for r in runs if r.side == "other"]
    ratios = [
        round(a.p95_ms / b.p95_ms, 2)
        for a, b in zip(this, other, strict=False)
        if a.p95_ms and b.p95_ms
    ]
    out: dict[str, Any] = {
        side: {field: median(side, field)
               for field in ("p50_ms", "p95_ms", "rasa_cpu_ms", "total_cpu_ms", "stolen_percent")}
        for side in ("this", "other")
    }
    out["errors"] = {side: sum(r.errors for r in runs if r.side == side)
                     for side in ("this", "other")}
    out["p95_ratios"] = ratios
    out["median_p95_ratio"] = round(statistics.median(ratios), 2) if ratios else None
    return out


def _benchmark(cwd: Path, python: str, module: str, args: argparse.Namespace,
               out: Path) -> dict[str, Any]:
    command = [python, "-m", module, "--systems", "1", "--rates", f"{args.rate:g}",
               "--duration", f"{args.duration:g}", "--out", str(out)]
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    found = sorted(p for p in out.glob("load-*.json") if p.name != "load-latest.json")
    if not found:
        raise SystemExit(f"{cwd}: the benchmark wrote no load-*.json in {out}")
    return json.loads(found[-1].read_text())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.benchmarks.compare",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--other", type=Path, required=True,
                        help="the other checkout (trained or not: its benchmark trains)")
    parser.add_argument("--other-python", default=".venv/app/bin/python",
                        help="its app Python, relative to --other (default: %(default)s)")
    parser.add_argument("--other-module", default="tools.benchmarks",
                        help="its benchmark module (bot.benchmarks before it moved)")
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--rate", type=float, default=20.0, help="offered turns/s")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per run")
    parser.add_argument("--max-stolen", type=float, default=3.0,
                        help="percent of CPU time the host may take during a run before the "
                             f"run is repeated (up to {MAX_ATTEMPTS} times; default %(default)s)")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    if args.pairs < 1 or args.rate <= 0 or args.duration <= 0:
        parser.error("--pairs, --rate and --duration must be positive")
    if not (args.other / args.other_python).exists():
        parser.error(f"no {args.other_python} in {args.other}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    here = Path(paths.ROOT)
    runs: list[Run] = []
    discarded: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="shopdesk-compare-") as tmp:
        for n, side in enumerate(order(args.pairs)):
            cwd, python, module = (
                (here, sys.executable, "tools.benchmarks") if side == "this"
                else (args.other.resolve(), args.other_python, args.other_module)
            )
            for attempt in range(1, MAX_ATTEMPTS + 1):
                before = cpu.machine_times()
                result = _benchmark(cwd, python, module, args,
                                    Path(tmp) / f"{n}-{side}-{attempt}")
                r = read_run(side, result, cpu.stolen_percent(before, cpu.machine_times()))
                stolen = r.stolen_percent is not None and r.stolen_percent > args.max_stolen
                print(f"{n + 1:>2} {side:<5} p50 {r.p50_ms} ms  p95 {r.p95_ms} ms  "
                      f"errors {r.errors}  Rasa CPU {r.rasa_cpu_ms} ms/turn  "
                      f"all {r.total_cpu_ms} ms/turn  stolen {r.stolen_percent}%"
                      + ("  (over --max-stolen: run again)"
                         if stolen and attempt < MAX_ATTEMPTS else ""), flush=True)
                if not stolen:
                    break
                discarded.append(r)
            runs.append(r)
    result = summary(runs)
    for side in ("this", "other"):
        print(f"median {side:<5} {result[side]}")
    print(f"p95 this/other per pair: {result['p95_ratios']}  "
          f"median {result['median_p95_ratio']}")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"compare-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"other": str(args.other), "rate": args.rate,
                                "duration": args.duration, "max_stolen": args.max_stolen,
                                "runs": [asdict(r) for r in runs],
                                "discarded": [asdict(r) for r in discarded],
                                "summary": result}, indent=2))
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
