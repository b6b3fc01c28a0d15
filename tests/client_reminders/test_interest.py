"""Late-payment interest and the recovery indemnity: the README's worked examples, computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bots.client_reminders.config import ClientRemindersConfig
from bots.client_reminders.interest import (
    InterestRateMissingError,
    days_per_half_year,
    late_interest,
    recovery_fee,
)

RATES = ClientRemindersConfig().rate_table()


def test_the_rate_is_the_ecb_rate_of_the_half_year_plus_ten_points() -> None:
    assert RATES[(2023, 1)] == Decimal("12.50")
    assert RATES[(2024, 1)] == Decimal("14.50")
    assert RATES[(2024, 2)] == Decimal("14.25")
    assert RATES[(2025, 1)] == Decimal("13.15")
    assert RATES[(2026, 2)] == Decimal("12.15")
    assert len(RATES) == 8


def test_late_days_run_from_the_day_after_the_due_date_to_the_as_of_day_included() -> None:
    assert days_per_half_year(date(2024, 6, 15), date(2024, 6, 16)) == [((2024, 1), 1)]
    assert days_per_half_year(date(2024, 6, 15), date(2024, 6, 15)) == []
    assert days_per_half_year(date(2024, 6, 15), date(2024, 7, 15)) == [((2024, 1), 15), ((2024, 2), 15)]
    assert days_per_half_year(date(2024, 12, 20), date(2025, 1, 5)) == [((2024, 2), 11), ((2025, 1), 5)]


def test_readme_example_a_period_crossing_1_july_uses_each_half_years_rate() -> None:
    # 15 days (16-30 June) at 14.50 % and 15 days (1-15 July) at 14.25 %:
    # 10 000.00 x (15 x 14.50 + 15 x 14.25) / 36 500 = 4 312 500 / 36 500 = 118.1506... -> 118.15
    interest = late_interest(Decimal("10000.00"), date(2024, 6, 15), date(2024, 7, 15), RATES)
    assert interest == Decimal("118.15")


def test_readme_example_a_period_crossing_29_february_counts_the_day_at_1_365() -> None:
    # 21 February to 10 March 2024 is 19 days, 29 February included, all at 14.50 %:
    # 2 500.00 x 19 x 14.50 / 36 500 = 688 750 / 36 500 = 18.8698... -> 18.87
    # (an actual/366 basis would give 18.82; rounding every day would give 19 x 0.99 = 18.81)
    assert late_interest(Decimal("2500.00"), date(2024, 2, 20), date(2024, 3, 10), RATES) == Decimal("18.87")


def test_a_whole_leap_year_is_366_days_of_1_365_each() -> None:
    # 182 days at 14.50 % + 184 days at 14.25 % = 5 261 rate-days; 10 000.00 x 5 261 / 36 500 = 1 441.3698...
    interest = late_interest(Decimal("10000.00"), date(2023, 12, 31), date(2024, 12, 31), RATES)
    assert interest == Decimal("1441.37")


def test_readme_example_the_formal_notice_interest() -> None:
    # 16 January to 16 February 2026: 32 days at 12.15 %: 1 200.00 x 32 x 12.15 / 36 500 = 12.7824... -> 12.78
    assert late_interest(Decimal("1200.00"), date(2026, 1, 15), date(2026, 2, 16), RATES) == Decimal("12.78")


def test_rounding_happens_once_half_up_at_the_end() -> None:
    rates = {(2026, 1): Decimal("12.50")}
    # 73.00 x 12.50 / 36 500 = 0.025 exactly: half-up gives 0.03 (half-even would give 0.02)
    assert late_interest(Decimal("73.00"), date(2026, 3, 1), date(2026, 3, 2), rates) == Decimal("0.03")
    # 10 days of 0.0025 each: rounded once 0.025 -> 0.03; rounded daily it would be 10 x 0.00 = 0.00
    assert late_interest(Decimal("7.30"), date(2026, 3, 1), date(2026, 3, 11), rates) == Decimal("0.03")


def test_no_interest_before_or_on_the_due_date_nor_on_nothing() -> None:
    assert late_interest(Decimal("500.00"), date(2026, 3, 1), date(2026, 3, 1), RATES) == Decimal("0.00")
    assert late_interest(Decimal("500.00"), date(2026, 3, 1), date(2026, 2, 1), RATES) == Decimal("0.00")
    assert late_interest(Decimal("0.00"), date(2026, 3, 1), date(2026, 4, 1), RATES) == Decimal("0.00")


def test_the_result_is_kept_to_the_currency_minor_unit() -> None:
    # 100 000 JPY x 31 x 12.15 / 36 500 = 1 031.91... -> 1 032 yen
    interest = late_interest(Decimal("100000"), date(2026, 3, 1), date(2026, 4, 1), RATES, "JPY")
    assert interest == Decimal("1032")
    assert interest.as_tuple().exponent == 0


def test_a_half_year_missing_from_the_table_is_named() -> None:
    with pytest.raises(InterestRateMissingError, match="2027-H1") as caught:
        late_interest(Decimal("100.00"), date(2026, 12, 1), date(2027, 1, 10), RATES)
    assert caught.value.half == (2027, 1)


def test_the_recovery_indemnity_is_owed_by_businesses_on_euro_invoices() -> None:
    fee = Decimal("40")
    assert recovery_fee(fee, business=True, currency="EUR") == Decimal("40.00")
    assert recovery_fee(fee, business=False, currency="EUR") == Decimal("0.00")
    assert recovery_fee(fee, business=True, currency="USD") == Decimal("0.00")
