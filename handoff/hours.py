"""Business hours: when a person can be expected to answer.

Parsed from a setting such as ``Mon-Fri 09:00-17:00`` or
``Mon-Fri 09:00-17:00; Sat 10:00-14:00`` and interpreted in one IANA time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

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


def closing_time(hours: BusinessHours, at: datetime) -> datetime:
    """When the opening window that contains `at` closes (`at` must be in one)."""
    local = at.astimezone(hours.tz)
    ends = [
        datetime.combine(local.date(), w.closes, tzinfo=hours.tz)
        for w in hours.windows
        if local.weekday() in w.days and w.opens <= local.time() < w.closes
    ]
    return max(ends)


def add_business_time(hours: BusinessHours, start: datetime, duration: timedelta) -> datetime:
    """`start` plus `duration` counted only while someone is at work."""
    remaining = duration
    moment = hours.next_opening(start)
    while True:
        closes = closing_time(hours, moment)
        if moment + remaining <= closes:
            return moment + remaining
        remaining -= closes - moment
        moment = hours.next_opening(closes)


@dataclass(frozen=True)
class ReplyPromise:
    """What the shopper is told about when a person will answer."""

    open_now: bool
    within_hours: int | None  # "usually within N hours": the answer is due before closing
    due: datetime | None  # open now, but the answer is due after closing: by then
    opens: datetime | None  # closed now: when the team is back


def reply_promise(hours: BusinessHours, now: datetime, *, within_hours: int) -> ReplyPromise:
    """Within N hours of business time: said as "within N hours" when that ends before
    closing today, else as the moment it ends; when closed, when the team is back."""
    local = now.astimezone(hours.tz)
    if not hours.is_open(local):
        return ReplyPromise(open_now=False, within_hours=None, due=None,
                            opens=hours.next_opening(local))
    due = add_business_time(hours, local, timedelta(hours=within_hours))
    if due - local == timedelta(hours=within_hours) and due.date() == local.date():
        return ReplyPromise(open_now=True, within_hours=within_hours, due=None, opens=None)
    return ReplyPromise(open_now=True, within_hours=None, due=due, opens=None)


# A moment said in the shopper's language, relative to their day: "today at 09:00",
# "tomorrow at 09:00", "on Monday at 09:00"; `deadline` says it as a limit ("by ...").
# Weekday names are CLDR's (babel), in each language's case.
_PHRASES: dict[str, dict[str, Any]] = {
    "en": {"days": ("today", "tomorrow", "on {weekday}"), "at": "{day} at {time}",
           "by": "by {day} at {time}", "by_days": ("today", "tomorrow", "{weekday}")},
    "de": {"days": ("heute", "morgen", "am {weekday}"), "at": "{day} um {time} Uhr",
           "by": "bis {day} um {time} Uhr", "by_days": ("heute", "morgen", "{weekday}")},
    "fr": {"days": ("aujourd'hui", "demain", "{weekday}"), "at": "{day} à {time}",
           "by": "{day} à {time} au plus tard", "by_days": ("aujourd'hui", "demain", "{weekday}")},
    "es": {"days": ("hoy", "mañana", "el {weekday}"), "at": "{day} a las {time}",
           "by": "{day} a las {time} como muy tarde", "by_days": ("hoy", "mañana", "el {weekday}")},
}
_LOCALES = {"en": "en_GB", "de": "de_DE", "fr": "fr_FR", "es": "es_ES"}


def when(moment: datetime, now: datetime, *, language: str = "en", deadline: bool = False) -> str:
    """`moment` in words, as seen from `now` (both in the business time zone)."""
    if language not in _PHRASES:
        language = "en"
    phrases = _PHRASES[language]
    days = (moment.date() - now.date()).days
    names = phrases["by_days" if deadline else "days"]
    weekday = format_date(moment, "EEEE", locale=_LOCALES[language])
    day = (names[0] if days == 0 else names[1] if days == 1 else names[2]).format(weekday=weekday)
    template = phrases["by" if deadline else "at"]
    return str(template).format(day=day, time=f"{moment:%H:%M}")
