"""The kit's business calendar as the reminders use it: next business day and office-hours windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from rpa.calendar import BusinessCalendar
from scheduler.calendar import BusinessCalendar as SchedulerCalendar

PARIS = ZoneInfo("Europe/Paris")
NINE, SIX = time(9, 0), time(18, 0)


def test_the_scheduler_uses_the_kits_calendar() -> None:
    assert SchedulerCalendar is BusinessCalendar


def test_next_business_day_skips_weekends_holidays_and_closing_days() -> None:
    cal = BusinessCalendar(closing_days=frozenset({date(2026, 5, 15)}))
    assert cal.next_business_day(date(2026, 4, 30)) == date(2026, 5, 4)  # 1 May, then the weekend
    assert cal.next_business_day(date(2026, 5, 13)) == date(2026, 5, 18)  # Ascension, a closing day
    assert cal.next_business_day(date(2026, 5, 4)) == date(2026, 5, 5)  # strictly after
    assert cal.business_day_on_or_after(date(2026, 5, 4)) == date(2026, 5, 4)
    assert cal.business_day_on_or_after(date(2026, 5, 2)) == date(2026, 5, 4)
    assert cal.is_business_day(date(2026, 5, 4)) and not cal.is_business_day(date(2026, 5, 1))


def test_add_business_days_counts_only_business_days() -> None:
    cal = BusinessCalendar()
    assert cal.add_business_days(date(2026, 12, 23), 0) == date(2026, 12, 23)
    assert cal.add_business_days(date(2026, 12, 23), 2) == date(2026, 12, 28)  # over Christmas and a weekend
    with pytest.raises(ValueError, match="0 or more"):
        cal.add_business_days(date(2026, 12, 23), -1)


def test_a_calendar_closed_for_a_year_has_no_next_business_day() -> None:
    closed = frozenset(date.fromordinal(date(2026, 1, 1).toordinal() + n) for n in range(400))
    with pytest.raises(ValueError, match="no business day"):
        BusinessCalendar(closing_days=closed).next_business_day(date(2025, 12, 31))


@pytest.mark.parametrize(
    ("moment", "start", "end"),
    [
        ("2026-03-16T11:00", "2026-03-16T08:00", "2026-03-16T17:00"),  # open now: the current window
        ("2026-03-16T17:00", "2026-03-17T08:00", "2026-03-17T17:00"),  # 18:00 in Paris: closed
        ("2026-03-16T07:59", "2026-03-16T08:00", "2026-03-16T17:00"),  # 08:59 in Paris
        ("2026-03-28T10:00", "2026-03-30T07:00", "2026-03-30T16:00"),  # weekend over the DST change
    ],
)
def test_the_office_window_in_utc(moment: str, start: str, end: str) -> None:
    def utc(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)

    assert BusinessCalendar().office_window(utc(moment), PARIS, NINE, SIX) == (utc(start), utc(end))


def test_the_office_window_needs_an_aware_moment_and_sensible_hours() -> None:
    with pytest.raises(ValueError, match="aware"):
        BusinessCalendar().office_window(datetime(2026, 3, 16, 12), PARIS, NINE, SIX)
    with pytest.raises(ValueError, match="open before"):
        BusinessCalendar().office_window(datetime(2026, 3, 16, 12, tzinfo=UTC), PARIS, SIX, NINE)
