"""Durations as a mergeable histogram, so percentiles add up across days.

A day's reply times are kept in the daily summary table as bucket counts, not as every
value; any period's p50/p95 come from the days' buckets added together. Buckets grow
geometrically (each 2% wider than the one before), so a percentile read from them is within
1% of the exact value (the scheme of DDSketch, Masson et al., VLDB 2019).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

GAMMA = 1.02
RELATIVE_ACCURACY = (GAMMA - 1) / (GAMMA + 1)  # just under 1%
SMALLEST = 0.001  # seconds; anything shorter (or negative) counts as 1 ms
_LOG_GAMMA = math.log(GAMMA)


def bucket(seconds: float) -> int:
    return math.ceil(math.log(max(seconds, SMALLEST)) / _LOG_GAMMA)


def bucket_value(index: int) -> float:
    """The value that represents a bucket: within RELATIVE_ACCURACY of all it holds."""
    return 2 * GAMMA**index / (GAMMA + 1)


class Durations:
    """Counts per bucket. Add values, merge others, read percentiles."""

    __slots__ = ("counts",)

    def __init__(self, counts: Mapping[int, int] | None = None) -> None:
        self.counts: Counter[int] = Counter(counts or {})

    def add(self, seconds: float) -> None:
        self.counts[bucket(seconds)] += 1

    def add_all(self, values: Iterable[float]) -> None:
        for value in values:
            self.counts[bucket(value)] += 1

    def merge(self, other: Durations) -> None:
        self.counts.update(other.counts)

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    def percentile(self, q: float) -> float | None:
        """The nearest-rank q-quantile (0 < q <= 1), to within 1%; None when empty."""
        total = self.count
        if total == 0:
            return None
        rank = max(1, math.ceil(q * total))
        seen = 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if seen >= rank:
                return round(bucket_value(index), 3)
        raise AssertionError("unreachable: rank <= total")

    def to_json(self) -> dict[str, int]:
        return {str(k): v for k, v in sorted(self.counts.items())}

    @classmethod
    def from_json(cls, data: Mapping[str, int] | None) -> Durations:
        return cls({int(k): int(v) for k, v in (data or {}).items()})
