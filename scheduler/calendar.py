"""The business calendar: which days are business days, and where a fire on another day goes.

A business day is not a Saturday or Sunday, not a public holiday of the country (France by default,
from the ``holidays`` package) and not one of the company's closing days from ``schedules.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import holidays

Rule = Literal["skip", "next_business_day", "previous_business_day", "run"]
RULES: tuple[Rule, ...] = ("skip", "next_business_day", "previous_business_day", "run")
# A fire is moved at most this far; a longer closure drops the fire rather than search forever.
MAX_SHIFT_DAYS = 31


@lru_cache(maxsize=64)
def _public_holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    return dict(holidays.country_holidays(country, subdiv=subdivision, years=year).items())


def check_country(country: str, subdivision: str | None) -> None:
    """Raise ValueError when the holidays package knows no such country or subdivision."""
    holidays.country_holidays(country, subdiv=subdivision, years=2026)


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
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


def adjust(day: date, rule: Rule, calendar: BusinessCalendar) -> date | None:
    """The day a fire planned on ``day`` actually happens under ``rule``; None when it is dropped."""
    if rule == "run" or calendar.is_business_day(day):
        return day
    if rule == "next_business_day":
        return calendar.shift(day, +1)
    if rule == "previous_business_day":
        return calendar.shift(day, -1)
    return None
