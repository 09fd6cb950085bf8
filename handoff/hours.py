"""Business hours: when a person can be expected to answer.

Parsed from a setting such as ``Mon-Fri 09:00-17:00`` or
``Mon-Fri 09:00-17:00; Sat 10:00-14:00`` and interpreted in one IANA time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(
    r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+"
    r"(?P<open>\d{1,2}:\d{2})-(?P<close>\d{1,2}:\d{2})$"
)


class BusinessHoursError(ValueError):
    """The business-hours setting cannot be parsed."""


@dataclass(frozen=True)
class Window:
    days: frozenset[int]  # 0 = Monday
    opens: time
    closes: time


@dataclass(frozen=True)
class BusinessHours:
    windows: tuple[Window, ...]
    tz: ZoneInfo

    @classmethod
    def parse(cls, spec: str, tz_name: str) -> BusinessHours:
        try:
            tz = ZoneInfo(tz_name)
        except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            raise BusinessHoursError(f"unknown time zone {tz_name!r}") from None
        windows = tuple(_parse_window(part) for part in spec.split(";") if part.strip())
        if not windows:
            raise BusinessHoursError(f"no opening hours in {spec!r}")
        return cls(windows=windows, tz=tz)

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.tz)
        return any(
            local.weekday() in w.days and w.opens <= local.time() < w.closes for w in self.windows
        )

    def next_opening(self, at: datetime) -> datetime:
        """The first moment at or after `at` when someone is at work (in the local zone)."""
        local = at.astimezone(self.tz)
        if self.is_open(local):
            return local
        candidates = []
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            for w in self.windows:
                if day.weekday() in w.days:
                    start = datetime.combine(day, w.opens, tzinfo=self.tz)
                    if start > local:
                        candidates.append(start)
        return min(candidates)


def _parse_window(part: str) -> Window:
    match = _WINDOW.match(part.strip().lower())
    if not match:
        raise BusinessHoursError(
            f"cannot read business hours {part.strip()!r}; expected e.g. 'Mon-Fri 09:00-17:00'"
        )
    days: set[int] = set()
    for chunk in match["days"].split(","):
        first, _, last = chunk.partition("-")
        for name in (first, last or first):
            if name not in DAY_NAMES:
                raise BusinessHoursError(f"unknown day {name!r} in {part.strip()!r}")
        start, end = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        span = range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
        days.update(span)
    opens, closes = _parse_time(match["open"]), _parse_time(match["close"])
    if closes <= opens:
        raise BusinessHoursError(f"closing time must be after opening time in {part.strip()!r}")
    return Window(days=frozenset(days), opens=opens, closes=closes)


def _parse_time(text: str) -> time:
    hours, minutes = (int(x) for x in text.split(":"))
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise BusinessHoursError(f"invalid time {text!r}")
    return time(hours, minutes)
