"""When a schedule fires: the next fire times, in UTC, with the calendar rule and DST applied.

Cron expressions are wall-clock times in the schedule's time zone. On the spring-forward day a time
inside the gap (02:30 in Europe/Paris) fires once, at the first wall-clock minute that exists (03:00).
On the fall-back day a time that occurs twice fires once, at its first occurrence (02:30 CEST).
Fires landing on the same instant (a moved holiday fire and the next day's own fire) are one fire.
Pure: ``after`` is passed in, nothing reads the clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.calendar import MAX_SHIFT_DAYS, adjust
from scheduler.config import ScheduleSpec
from scheduler.cron import parse_cron

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SEARCH_DAYS = 366 * 8  # a cron such as "0 0 29 2 *" matches once in four years


def resolve_local(naive: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``naive`` in ``tz``: first occurrence if doubled, gap end if skipped."""
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # Inside the spring-forward gap: walk to the first wall-clock minute that exists.
    probe = naive.replace(second=0, microsecond=0)
    for _ in range(24 * 60):
        probe += timedelta(minutes=1)
        instant = probe.replace(tzinfo=tz).astimezone(UTC)
        if instant.astimezone(tz).replace(tzinfo=None) == probe:
            return instant
    raise ValueError(f"{naive} cannot be placed in {tz}")  # no real zone has a day-long gap


def next_fire_times(spec: ScheduleSpec, after: datetime, count: int = 1) -> list[datetime]:
    """The first ``count`` fire times strictly after ``after`` (aware), as aware UTC datetimes."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    if count <= 0:
        return []
    if spec.every_s is not None:
        return _interval_fires(spec, after, count)
    return _cron_fires(spec, after, count)


def next_fire_time(spec: ScheduleSpec, after: datetime) -> datetime | None:
    found = next_fire_times(spec, after, 1)
    return found[0] if found else None


def fires_between(spec: ScheduleSpec, start: datetime, end: datetime, limit: int = 10_000) -> list[datetime]:
    """Fire times in ``(start, end]``, at most ``limit`` of them."""
    found: list[datetime] = []
    cursor = start
    while len(found) < limit:
        batch = next_fire_times(spec, cursor, min(64, limit - len(found)))
        for instant in batch:
            if instant > end:
                return found
            found.append(instant)
        if not batch:
            return found
        cursor = batch[-1]
    return found


def _interval_fires(spec: ScheduleSpec, after: datetime, count: int) -> list[datetime]:
    assert spec.every_s is not None
    anchor, step, tz = spec.start_at or EPOCH, timedelta(seconds=spec.every_s), spec.tz
    cal, skip = spec.business_calendar, spec.run_on_non_business_day == "skip"
    k = max(0, (after - anchor) // step + 1)
    found: list[datetime] = []
    for _ in range(100_000):
        instant = anchor + k * step
        if instant <= after:
            k += 1
            continue
        day = instant.astimezone(tz).date()
        if skip and not cal.is_business_day(day):
            # Jump to the first fire of the next local day rather than test every fire of a closed day.
            next_midnight = resolve_local(datetime.combine(day + timedelta(days=1), time()), tz)
            k = max(k + 1, -((anchor - next_midnight) // step))
            continue
        found.append(instant.astimezone(UTC))
        if len(found) == count:
            break
        k += 1
    return found


def _cron_fires(spec: ScheduleSpec, after: datetime, count: int) -> list[datetime]:
    assert spec.cron is not None
    cron, tz, cal, rule = parse_cron(spec.cron), spec.tz, spec.business_calendar, spec.run_on_non_business_day
    # A moved fire comes from a planned day up to MAX_SHIFT_DAYS away: a fire moved forward from before
    # ``after`` may still be ahead, and one moved backwards may come from beyond the k-th fire found.
    shift = timedelta(days=MAX_SHIFT_DAYS)
    back = shift if rule == "next_business_day" else timedelta(0)
    reach = shift if rule == "previous_business_day" else timedelta(0)
    day: date = after.astimezone(tz).date() - timedelta(days=1) - back
    last_day = day + timedelta(days=_SEARCH_DAYS)
    found: set[datetime] = set()
    while day <= last_day:
        if cron.matches_date(day):
            target = adjust(day, rule, cal)
            if target is not None:
                for hour, minute in cron.times():
                    instant = resolve_local(datetime.combine(target, time(hour, minute)), tz)
                    if instant > after:
                        found.add(instant)
        if len(found) >= count:
            kth = sorted(found)[count - 1]
            if day > kth.astimezone(tz).date() + reach:
                break
        day += timedelta(days=1)
    return sorted(found)[:count]
