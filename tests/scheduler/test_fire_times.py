"""Fire times around the DST changes and on holidays, with each non-business-day rule."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

import pytest

from scheduler.calendar import BusinessCalendar
from scheduler.config import CalendarSpec, ScheduleSpec
from scheduler.fire_times import fires_between, next_fire_times


def spec(**kw: Any) -> ScheduleSpec:
    return ScheduleSpec(name="t", bot="b", **kw)


def local(times: list[datetime], tz: str = "Europe/Paris") -> list[str]:
    s = spec(cron="0 0 * * *", timezone=tz)
    return [t.astimezone(s.tz).strftime("%Y-%m-%d %H:%M %Z") for t in times]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_0230_job_runs_once_at_0300_on_the_spring_forward_day() -> None:
    fires = next_fire_times(spec(cron="30 2 * * *"), utc("2026-03-27T12:00"), 4)
    assert [t.isoformat() for t in fires] == [
        "2026-03-28T01:30:00+00:00",
        "2026-03-29T01:00:00+00:00",
        "2026-03-30T00:30:00+00:00",
        "2026-03-31T00:30:00+00:00",
    ]
    assert local(fires) == [
        "2026-03-28 02:30 CET",
        "2026-03-29 03:00 CEST",
        "2026-03-30 02:30 CEST",
        "2026-03-31 02:30 CEST",
    ]


def test_a_0230_job_runs_once_not_twice_on_the_fall_back_day() -> None:
    fires = next_fire_times(spec(cron="30 2 * * *"), utc("2026-10-23T12:00"), 4)
    assert local(fires) == [
        "2026-10-24 02:30 CEST",
        "2026-10-25 02:30 CEST",
        "2026-10-26 02:30 CET",
        "2026-10-27 02:30 CET",
    ]
    assert [t.isoformat() for t in fires][1] == "2026-10-25T00:30:00+00:00"  # the first of the two 02:30s


@pytest.mark.parametrize("start", ["2026-03-28T20:00", "2026-10-24T20:00"])
def test_every_half_hour_through_a_change_no_wall_time_twice_and_no_day_lost(start: str) -> None:
    s = spec(cron="*/30 * * * *")
    fires = fires_between(s, utc(start), utc(start) + (utc("2026-01-03T00:00") - utc("2026-01-01T00:00")))
    walls = local(fires)
    assert len(walls) == len(set(walls)), "a wall-clock time fired twice"
    assert fires == sorted(set(fires))
    change_day = start[:8] + str(int(start[8:10]) + 1)
    on_change_day = [w for w in walls if w.startswith(change_day)]
    # 46 on the 23-hour day (02:00 and 02:30 fall in the gap and merge into 03:00),
    # 48 on the 25-hour day (each 02:xx once, not twice).
    assert len(on_change_day) == (46 if start.startswith("2026-03") else 48)
    assert {w[:10] for w in walls} >= {change_day, change_day[:8] + str(int(change_day[8:]) + 1)}


def test_interval_schedules_ignore_dst() -> None:
    fires = next_fire_times(spec(every_s=3600), utc("2026-10-24T23:00"), 4)
    assert [(b - a).total_seconds() for a, b in itertools.pairwise(fires)] == [3600.0] * 3


# 2026-11-11 (Armistice) is a Wednesday, 2026-12-25 (Christmas) a Friday.
@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("skip", ["2026-11-04 07:00 CET", "2026-11-18 07:00 CET"]),
        ("next_business_day", ["2026-11-04 07:00 CET", "2026-11-12 07:00 CET", "2026-11-18 07:00 CET"]),
        ("previous_business_day", ["2026-11-04 07:00 CET", "2026-11-10 07:00 CET", "2026-11-18 07:00 CET"]),
        ("run", ["2026-11-04 07:00 CET", "2026-11-11 07:00 CET", "2026-11-18 07:00 CET"]),
    ],
)
def test_a_weekly_job_on_armistice_day(rule: str, expected: list[str]) -> None:
    s = spec(cron="0 7 * * wed", run_on_non_business_day=rule)
    assert local(fires_between(s, utc("2026-11-01T00:00"), utc("2026-11-19T00:00"))) == expected


@pytest.mark.parametrize(
    ("rule", "closing", "expected"),
    [
        ("next_business_day", (), "2026-12-28 07:00 CET"),  # Friday 25th → Monday 28th
        ("previous_business_day", (), "2026-12-24 07:00 CET"),
        ("previous_business_day", (date(2026, 12, 24),), "2026-12-23 07:00 CET"),  # a company closing day too
    ],
)
def test_a_friday_job_on_christmas(rule: str, closing: tuple[date, ...], expected: str) -> None:
    s = spec(cron="0 7 * * fri", run_on_non_business_day=rule, calendar=CalendarSpec(closing_days=closing))
    fires = local(fires_between(s, utc("2026-12-20T00:00"), utc("2026-12-30T00:00")))
    assert fires == [expected]


def test_weekday_job_moved_to_next_business_day_merges_with_that_days_own_fire() -> None:
    s = spec(cron="0 7 * * mon-fri", run_on_non_business_day="next_business_day")
    assert local(fires_between(s, utc("2026-12-23T12:00"), utc("2026-12-29T12:00"))) == [
        "2026-12-24 07:00 CET",
        "2026-12-28 07:00 CET",
        "2026-12-29 07:00 CET",
    ]


def test_an_interval_job_skips_closed_days() -> None:
    s = spec(every_s=6 * 3600, run_on_non_business_day="skip")
    walls = local(fires_between(s, utc("2026-11-10T12:00"), utc("2026-11-12T13:00")))
    assert walls == [
        "2026-11-10 19:00 CET",
        "2026-11-12 01:00 CET",
        "2026-11-12 07:00 CET",
        "2026-11-12 13:00 CET",
    ]


def test_business_calendar_says_why_a_day_is_closed() -> None:
    cal = BusinessCalendar(closing_days=frozenset({date(2026, 8, 14)}))
    assert cal.why_closed(date(2026, 11, 11)) == "public holiday: Armistice Day"
    assert cal.why_closed(date(2026, 11, 14)) == "Saturday"
    assert cal.why_closed(date(2026, 8, 14)) == "company closing day"
    assert cal.is_business_day(date(2026, 11, 12))
