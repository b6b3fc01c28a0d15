"""Late-payment charges under French B2B law: interest per day at the half-year's rate, and the fixed
recovery indemnity (Code de commerce, art. L441-10 and D441-5)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal, localcontext

from rpa.money import quantize

ZERO = Decimal("0")
DAYS_PER_YEAR = 365  # every day is 1/365 of the annual rate, in leap years too
FEE_CURRENCY = "EUR"  # the indemnity is fixed in euros by law

HalfYear = tuple[int, int]  # (year, 1 for January-June or 2 for July-December)


class InterestRateMissingError(ValueError):
    """The rate table has no rate for a half-year the interest period runs through."""

    def __init__(self, half: HalfYear) -> None:
        super().__init__(
            f"no late-interest rate for {half[0]}-H{half[1]}: add the ECB rate of that half-year to ecb_rates"
        )
        self.half = half


def half_year_of(day: date) -> HalfYear:
    return (day.year, 1 if day.month <= 6 else 2)


def _last_day_of_half(day: date) -> date:
    return date(day.year, 6, 30) if day.month <= 6 else date(day.year, 12, 31)


def days_per_half_year(due_date: date, as_of: date) -> list[tuple[HalfYear, int]]:
    """The late days, from the day after ``due_date`` up to and including ``as_of``, counted per half-year."""
    periods: list[tuple[HalfYear, int]] = []
    start = due_date + timedelta(days=1)
    while start <= as_of:
        end = min(_last_day_of_half(start), as_of)
        periods.append((half_year_of(start), (end - start).days + 1))
        start = end + timedelta(days=1)
    return periods


def late_interest(
    amount: Decimal,
    due_date: date,
    as_of: date,
    rates: Mapping[HalfYear, Decimal],
    currency: str = "EUR",
) -> Decimal:
    """Simple interest on ``amount`` for each late day at its half-year's rate (percent per year).

    A day weighs 1/365 of the annual rate, in a leap year too. The days of each half-year are summed
    unrounded and the total is rounded once, half-up, to the currency's minor unit. Zero when not late.
    Raises InterestRateMissingError when ``rates`` lacks a half-year of the period.
    """
    periods = days_per_half_year(due_date, as_of)
    if amount <= 0 or not periods:
        return quantize(ZERO, currency)
    missing = [half for half, _ in periods if half not in rates]
    if missing:
        raise InterestRateMissingError(missing[0])
    rate_days = sum((rates[half] * days for half, days in periods), ZERO)
    with localcontext() as ctx:
        ctx.prec = 50  # the one division below is the only inexact step; keep it far below a cent
        exact = amount * rate_days / (100 * DAYS_PER_YEAR)
        return quantize(exact, currency)


def recovery_fee(fee: Decimal, *, business: bool, currency: str) -> Decimal:
    """The fixed recovery indemnity for one late invoice: owed by business customers, on euro invoices."""
    if not business or currency.upper() != FEE_CURRENCY:
        return quantize(ZERO, currency)
    return quantize(fee, currency)
