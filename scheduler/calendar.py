"""Where a fire planned on a closed day goes; the business calendar itself is the kit's ``rpa.calendar``.

A business day is not a Saturday or Sunday, not a public holiday of the country (France by default)
and not one of the company's closing days from ``schedules.toml``.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from rpa.calendar import MAX_SHIFT_DAYS, BusinessCalendar, check_country

__all__ = ["MAX_SHIFT_DAYS", "RULES", "BusinessCalendar", "Rule", "adjust", "check_country"]

Rule = Literal["skip", "next_business_day", "previous_business_day", "run"]
RULES: tuple[Rule, ...] = ("skip", "next_business_day", "previous_business_day", "run")


def adjust(day: date, rule: Rule, calendar: BusinessCalendar) -> date | None:
    """The day a fire planned on ``day`` actually happens under ``rule``; None when it is dropped."""
    if rule == "run" or calendar.is_business_day(day):
        return day
    if rule == "next_business_day":
        return calendar.shift(day, +1)
    if rule == "previous_business_day":
        return calendar.shift(day, -1)
    return None
