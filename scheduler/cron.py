"""Five-field cron expressions (minute hour day-of-month month day-of-week), parsed into sets.

Pure: no clock, no time zone. Day matching follows the classic cron rule: when both day fields are
restricted, a day matches if EITHER matches (``0 7 1 * mon`` fires on the 1st and on every Monday).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
# Cron numbers Sunday 0 (and 7), Monday 1 ... Saturday 6.
_DAYS = {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}


class CronError(ValueError):
    """The expression is not a valid five-field cron expression; the message says which field."""


@dataclass(frozen=True, slots=True)
class CronExpr:
    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # Python numbering: Monday 0 ... Sunday 6
    any_day: bool
    any_weekday: bool

    def matches_date(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        dom, dow = day.day in self.days, day.weekday() in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow

    def times(self) -> list[tuple[int, int]]:
        """The (hour, minute) pairs of a matching day, in order."""
        return [(h, m) for h in sorted(self.hours) for m in sorted(self.minutes)]


def parse_cron(text: str) -> CronExpr:
    """Parse ``text``; raise CronError naming the faulty field and what is allowed there."""
    fields = text.split()
    if len(fields) != 5:
        raise CronError(f"expected 5 fields (minute hour day month weekday), got {len(fields)} in {text!r}")
    minute, hour, dom, month, dow = fields
    weekdays_cron = _field(dow, "weekday", 0, 7, _DAYS)
    return CronExpr(
        text=" ".join(fields),
        minutes=_field(minute, "minute", 0, 59),
        hours=_field(hour, "hour", 0, 23),
        days=_field(dom, "day of month", 1, 31),
        months=_field(month, "month", 1, 12, _MONTHS),
        weekdays=frozenset((d - 1) % 7 for d in weekdays_cron),
        any_day=dom == "*",
        any_weekday=dow == "*",
    )


def _field(text: str, name: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = _number(step_text, name, None) if step_text else 1
        if step < 1:
            raise CronError(f"{name}: step must be at least 1 in {part!r}")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            start, end = _number(a, name, names), _number(b, name, names)
        else:
            start = _number(base, name, names)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high) or start > end:
            raise CronError(f"{name}: {part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _number(text: str, name: str, names: dict[str, int] | None) -> int:
    key = text.strip().lower()
    if names and key in names:
        return names[key]
    if not key.isdigit():
        raise CronError(f"{name}: {text!r} is not a number{' or a name' if names else ''}")
    return int(key)
