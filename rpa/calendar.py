"""The business calendar: which days are business days, and when office hours next open.

A business day is not a Saturday or Sunday, not a public holiday of the country (France by default,
from the ``holidays`` package) and not one of the company's own closing days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# A day is moved at most this far by ``shift``; a longer closure gives None rather than search forever.
MAX_SHIFT_DAYS = 31
# ``next_business_day`` looks this far ahead: only a calendar closed for a whole year has no answer.
_MAX_SEARCH_DAYS = 366


@lru_cache(maxsize=64)
def _public_holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    return dict(holidays.country_holidays(country, subdiv=subdivision, years=year).items())


def check_country(country: str, subdivision: str | None) -> None:
    """Raise ValueError (or NotImplementedError) when the holidays package knows no such country or region."""
    holidays.country_holidays(country, subdiv=subdivision, years=2026)


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Weekends, the public holidays of ``country`` (and ``subdivision``) and the company's closing days."""

    country: str = "FR"
    subdivision: str | None = None
    closing_days: frozenset[date] = frozenset()

    def why_closed(self, day: date) -> str | None:
        """None on a business day, else the reason (``Saturday``, ``public holiday: Armistice Day``...)."""
        if day.weekday() >= 5:
            return day.strftime("%A")
        name = _public_holidays(self.country, self.subdivision, day.year).get(day)
        if name:
            return f"public holiday: {name}"
        if day in self.closing_days:
            return "company closing day"
        return None

    def is_business_day(self, day: date) -> bool:
        return self.why_closed(day) is None

    def shift(self, day: date, direction: int) -> date | None:
        """The nearest business day strictly after (+1) or before (-1) ``day``, within MAX_SHIFT_DAYS."""
        for n in range(1, MAX_SHIFT_DAYS + 1):
            candidate = day + timedelta(days=direction * n)
            if self.is_business_day(candidate):
                return candidate
        return None

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after ``day``; ValueError if none within a year."""
        for n in range(1, _MAX_SEARCH_DAYS + 1):
            candidate = day + timedelta(days=n)
            if self.is_business_day(candidate):
                return candidate
        raise ValueError(f"no business day within {_MAX_SEARCH_DAYS} days after {day.isoformat()}")

    def business_day_on_or_after(self, day: date) -> date:
        """``day`` itself when it is a business day, else the next one."""
        return day if self.is_business_day(day) else self.next_business_day(day)

    def add_business_days(self, day: date, count: int) -> date:
        """The ``count``-th business day after ``day`` (``count`` >= 0; 0 gives ``day`` unchanged)."""
        if count < 0:
            raise ValueError(f"count must be 0 or more, not {count}")
        for _ in range(count):
            day = self.next_business_day(day)
        return day

    def office_window(
        self, moment: datetime, zone: ZoneInfo, opens: time, closes: time
    ) -> tuple[datetime, datetime]:
        """The office-hours window, in UTC, that contains the aware ``moment`` or else the next one.

        Office hours run from ``opens`` (included) to ``closes`` (excluded) in wall-clock time of
        ``zone``, on business days only. The window is open now when its start is not after ``moment``.
        """
        if moment.tzinfo is None:
            raise ValueError("moment must be an aware datetime")
        if opens >= closes:
            raise ValueError(f"office hours must open before they close ({opens} - {closes})")
        local = moment.astimezone(zone)
        day = local.date()
        if not self.is_business_day(day) or local.time() >= closes:
            day = self.next_business_day(day)
        start = datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day, closes, tzinfo=zone).astimezone(UTC)
        return start, end
