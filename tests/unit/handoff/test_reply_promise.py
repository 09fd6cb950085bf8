"""When the shopper is told a person will answer: business time, said plainly."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handoff.hours import BusinessHours, add_business_time, reply_promise, when

BERLIN = ZoneInfo("Europe/Berlin")
HOURS = BusinessHours.parse("Mon-Fri 09:00-17:00", "Europe/Berlin")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)  # 23rd: a Monday


@pytest.mark.parametrize(
    ("now", "said"),
    [
        # Open, and four working hours end before closing: "within 4 hours".
        (at(23, 10), "within 4 hours"),
        (at(23, 13), "within 4 hours"),
        # Open, but closing comes first: the answer is due the next working day.
        (at(23, 14), "by tomorrow at 10:00"),
        # 13 minutes before closing on a Friday, the next opening 64 hours away.
        (at(27, 16, 47), "by Monday at 12:47"),
        # Closed: when the team is back, said from the shopper's day.
        (at(23, 7, 30), "today at 09:00"),
        (at(23, 18), "tomorrow at 09:00"),
        (at(28, 11), "on Monday at 09:00"),
    ],
)
def test_reply_promise(now: datetime, said: str) -> None:
    promise = reply_promise(HOURS, now, within_hours=4)
    assert promise.open_now == (promise.opens is None)
    if promise.within_hours is not None:
        assert f"within {promise.within_hours} hours" == said
    elif promise.due is not None:
        assert when(promise.due, now, deadline=True) == said
    else:
        assert promise.opens is not None and when(promise.opens, now) == said


def test_the_moment_in_the_shoppers_language() -> None:
    friday = at(27, 16, 47)
    monday = at(30, 12, 47)
    assert [when(monday, friday, language=lang) for lang in ("de", "fr", "es")] == [
        "am Montag um 12:47 Uhr", "lundi à 12:47", "el lunes a las 12:47"
    ]
    assert [when(at(28, 9), friday, language=lang, deadline=True)
            for lang in ("en", "de", "fr", "es")] == [
        "by tomorrow at 09:00", "bis morgen um 09:00 Uhr", "demain à 09:00 au plus tard",
        "mañana a las 09:00 como muy tarde",
    ]
    assert when(at(27, 17), friday, language="xx") == "today at 17:00"


def test_business_time_skips_nights_weekends_and_lunch() -> None:
    split = BusinessHours.parse("Mon-Fri 09:00-12:00; Mon-Fri 13:00-17:00", "Europe/Berlin")
    assert add_business_time(split, at(23, 11), timedelta(hours=2)) == at(23, 14)
    assert add_business_time(HOURS, at(27, 16), timedelta(hours=2)) == at(30, 10)
    assert add_business_time(HOURS, at(28, 12), timedelta(hours=1)) == at(30, 10)
