"""The dunning policy: every level, every reason an invoice is held back, one email per customer, and
the office-hours window. Figures and instants are the README's worked examples."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bots.client_reminders.config import ClientRemindersConfig, HalfYearRate
from bots.client_reminders.model import Action, CustomerCredit, PendingMatch, Reason
from tests.client_reminders.builders import NOON_UTC, TODAY, customer, invoice, plan


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- levels ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "level", "action"),
    [
        (-3, "courtesy", Action.SEND),
        (6, "courtesy", Action.SEND),
        (7, "first", Action.SEND),
        (14, "first", Action.SEND),
        (15, "second", Action.SEND),
        (29, "second", Action.SEND),
        (30, "formal_notice", Action.APPROVE),
        (44, "formal_notice", Action.APPROVE),
        (45, "collection", Action.APPROVE),
        (400, "collection", Action.APPROVE),
    ],
)
def test_the_level_due_is_the_highest_one_reached(days: int, level: str, action: Action) -> None:
    result = plan([invoice("F1", days_overdue=days)])
    decided = result.for_invoice("F1")
    assert (decided.level, decided.action, decided.days_overdue) == (level, action, days)
    email = result.for_customer("C1")
    assert email is not None and email.level == level and email.action == action
    assert email.needs_approval is (action == Action.APPROVE)


def test_no_level_before_the_courtesy_reminder() -> None:
    decided = plan([invoice("F1", days_overdue=-4)]).for_invoice("F1")
    assert (decided.action, decided.reason, decided.level) == (Action.SKIP, Reason.NOT_DUE, None)
    assert "courtesy is reached on 2026-03-17" in decided.explanation


def test_reminders_below_the_formal_notice_claim_no_late_charges() -> None:
    decided = plan([invoice("F1", days_overdue=29)]).for_invoice("F1")
    assert (decided.late_interest, decided.recovery_fee) == (Decimal("0"), Decimal("0"))


def test_readme_example_a_formal_notice_claims_interest_and_the_40_eur_indemnity() -> None:
    result = plan(
        [invoice("F-100", "1200.00", due=date(2026, 1, 15), last=("second", date(2026, 1, 30)))],
        as_of=date(2026, 2, 16),
        now=utc("2026-02-16T09:00"),
    )
    decided = result.for_invoice("F-100")
    assert decided.level == "formal_notice" and decided.days_overdue == 32
    assert decided.action == Action.APPROVE and decided.reason == Reason.APPROVAL_REQUIRED
    assert decided.late_interest == Decimal("12.78")
    assert decided.recovery_fee == Decimal("40.00")
    email = result.for_customer("C1")
    assert email is not None
    assert (email.template, email.needs_approval) == ("formal_notice", True)
    assert email.totals == (("EUR", Decimal("1252.78")),)


def test_a_consumer_is_not_charged_late_interest_nor_the_indemnity() -> None:
    decided = plan([invoice("F1", days_overdue=32)], [customer(business=False)]).for_invoice("F1")
    assert decided.level == "formal_notice"
    assert (decided.late_interest, decided.recovery_fee) == (Decimal("0"), Decimal("0"))


# --- exclusions -----------------------------------------------------------------------------------


def test_a_settled_invoice_is_skipped() -> None:
    decided = plan([invoice("F1", "0.00", amount="500.00", days_overdue=20)]).for_invoice("F1")
    assert (decided.action, decided.reason) == (Action.SKIP, Reason.PAID)


def test_an_invoice_of_an_unknown_customer_is_skipped() -> None:
    decided = plan([invoice("F1", days_overdue=20, cid="C9")]).for_invoice("F1")
    assert (decided.action, decided.reason) == (Action.SKIP, Reason.UNKNOWN_CUSTOMER)


def test_a_do_not_remind_customer_gets_nothing_and_the_reason_is_told() -> None:
    result = plan([invoice("F1", days_overdue=20)], [customer(do_not_remind=True, reason="insolvency")])
    decided = result.for_invoice("F1")
    assert (decided.action, decided.reason) == (Action.SKIP, Reason.DO_NOT_REMIND)
    assert "insolvency" in decided.explanation and result.reminders == ()


def test_a_disputed_invoice_is_skipped() -> None:
    decided = plan([invoice("F1", days_overdue=20, status="disputed")]).for_invoice("F1")
    assert (decided.action, decided.reason) == (Action.SKIP, Reason.DISPUTED)


def test_a_credit_note_naming_the_invoice_lowers_or_covers_what_is_due() -> None:
    covered = CustomerCredit("C1", "AV-1", Decimal("1000.00"), invoice="F1")
    decided = plan([invoice("F1", days_overdue=20)], credits=[covered]).for_invoice("F1")
    assert (decided.action, decided.reason) == (Action.SKIP, Reason.COVERED_BY_CREDIT)
    part = CustomerCredit("C1", "AV-2", Decimal("400.00"), invoice="F1")
    decided = plan([invoice("F1", days_overdue=20)], credits=[part]).for_invoice("F1")
    assert (decided.action, decided.amount_due) == (Action.SEND, Decimal("600.00"))


def test_unallocated_money_of_the_customer_covering_the_invoice_holds_it_back() -> None:
    payment = CustomerCredit("C1", "VIR-7", Decimal("1000.00"), kind="payment")
    decided = plan([invoice("F1", days_overdue=20)], credits=[payment]).for_invoice("F1")
    assert (decided.action, decided.reason) == (Action.SKIP, Reason.COVERED_BY_CREDIT)
    assert "allocate it" in decided.explanation


def test_credit_of_another_customer_in_another_currency_or_too_small_does_not_count() -> None:
    credits = [
        CustomerCredit("C2", "AV-9", Decimal("5000.00")),
        CustomerCredit("C1", "AV-8", Decimal("5000.00"), currency="USD"),
        CustomerCredit("C1", "AV-7", Decimal("999.99")),
    ]
    decided = plan([invoice("F1", days_overdue=20)], credits=credits).for_invoice("F1")
    assert (decided.action, decided.amount_due) == (Action.SEND, Decimal("1000.00"))


def test_an_amount_under_the_minimum_is_skipped() -> None:
    result = plan([invoice("F1", "9.99", days_overdue=20), invoice("F2", "10.00", days_overdue=20)])
    assert result.for_invoice("F1").reason == Reason.BELOW_MINIMUM
    assert result.for_invoice("F2").action == Action.SEND


def test_a_level_already_sent_is_not_sent_again() -> None:
    decided = plan([invoice("F1", days_overdue=10, last=("first", date(2026, 3, 13)))]).for_invoice("F1")
    assert (decided.action, decided.reason, decided.level) == (Action.SKIP, Reason.ALREADY_SENT, "first")


def test_a_pending_match_in_the_exception_queue_holds_the_reminder() -> None:
    pending = [PendingMatch("bank:L-42", frozenset({"F1", "F7"}))]
    decided = plan([invoice("F1", days_overdue=20)], pending=pending).for_invoice("F1")
    assert (decided.action, decided.reason, decided.send_on) == (Action.WAIT, Reason.PENDING_MATCH, None)
    assert "bank:L-42" in decided.explanation


def test_readme_example_a_promise_not_yet_passed_waits_for_the_next_business_day_after_it() -> None:
    # Promised until Friday 20 March: the reminder may go on Monday 23 March at 09:00 in Paris (08:00 UTC).
    promised = invoice("F1", due=date(2026, 2, 27), status="promised", promised_until=date(2026, 3, 20))
    decided = plan([promised]).for_invoice("F1")
    assert (decided.action, decided.reason, decided.level) == (Action.WAIT, Reason.PROMISED, "second")
    assert decided.send_on == utc("2026-03-23T08:00")


def test_a_promise_until_today_still_holds_and_a_broken_one_does_not() -> None:
    today = invoice("F1", days_overdue=17, status="promised", promised_until=TODAY)
    broken = invoice("F2", days_overdue=17, status="promised", promised_until=date(2026, 3, 13))
    result = plan([today, broken])
    assert result.for_invoice("F1").reason == Reason.PROMISED
    assert result.for_invoice("F1").send_on == utc("2026-03-17T08:00")
    assert result.for_invoice("F2").action == Action.SEND


def test_readme_example_a_partly_paid_invoice_waits_the_delay_from_the_payment() -> None:
    # 300.00 of 800.00 paid on 10 March after the first reminder of 2 March: the second reminder
    # (delay 8 days) waits until 18 March, 09:00 in Paris; it will ask for the 500.00 left.
    partly = invoice(
        "F1",
        "500.00",
        amount="800.00",
        due=date(2026, 2, 20),
        last=("first", date(2026, 3, 2)),
        paid_since="300.00",
        last_paid_on=date(2026, 3, 10),
    )
    decided = plan([partly]).for_invoice("F1")
    assert (decided.action, decided.reason, decided.level) == (Action.WAIT, Reason.PARTLY_PAID, "second")
    assert decided.amount_due == Decimal("500.00")
    assert decided.send_on == utc("2026-03-18T08:00")
    assert "300.00 EUR was paid on 2026-03-10" in decided.explanation


def test_a_partial_payment_older_than_the_delay_no_longer_holds_the_reminder() -> None:
    partly = invoice(
        "F1",
        "500.00",
        amount="800.00",
        due=date(2026, 2, 20),
        last=("first", date(2026, 3, 2)),
        paid_since="300.00",
        last_paid_on=date(2026, 3, 5),
    )
    decided = plan([partly]).for_invoice("F1")
    assert (decided.action, decided.level, decided.amount_due) == (Action.SEND, "second", Decimal("500.00"))


def test_the_next_level_waits_for_its_delay_since_the_previous_reminder() -> None:
    # The first reminder went late, on 12 March; the second needs 8 days since it: 20 March.
    late = invoice("F1", due=date(2026, 2, 27), last=("first", date(2026, 3, 12)))
    decided = plan([late]).for_invoice("F1")
    assert (decided.action, decided.reason, decided.level) == (Action.WAIT, Reason.TOO_SOON, "second")
    assert decided.send_on == utc("2026-03-20T08:00")
    on_time = invoice("F1", due=date(2026, 2, 27), last=("first", date(2026, 3, 8)))
    assert plan([on_time]).for_invoice("F1").action == Action.SEND


def test_a_missing_interest_rate_stops_a_formal_notice_and_says_what_to_add() -> None:
    config = ClientRemindersConfig(ecb_rates=(HalfYearRate(year=2026, half=1, ecb_rate=Decimal("2.15")),))
    decided = plan([invoice("F1", due=date(2025, 12, 1))], config=config).for_invoice("F1")
    assert (decided.action, decided.reason) == (Action.SKIP, Reason.INTEREST_RATE_MISSING)
    assert "2025-H2" in decided.explanation


# --- one email per customer -----------------------------------------------------------------------


def test_readme_example_three_overdue_invoices_make_one_email_at_the_highest_level() -> None:
    invoices = [
        invoice("A-1", "300.00", due=date(2026, 3, 6), cid="C2"),
        invoice("A-2", "1250.50", due=date(2026, 2, 27), cid="C2", last=("first", date(2026, 3, 6))),
        invoice("A-3", "99.90", due=date(2026, 3, 4), cid="C2"),
        invoice("A-4", "700.00", due=date(2026, 2, 1), cid="C2", status="disputed"),
        invoice("B-1", "50.00", due=date(2026, 3, 6), cid="C3"),
    ]
    result = plan(invoices, [customer("C2"), customer("C3", language="en")])
    assert [r.customer_id for r in result.reminders] == ["C2", "C3"]
    email = result.for_customer("C2")
    assert email is not None
    assert [p.invoice for p in email.invoices] == ["A-1", "A-2", "A-3"]
    assert [p.level for p in email.invoices] == ["first", "second", "first"]
    assert (email.level, email.template, email.needs_approval) == ("second", "second_reminder", False)
    assert email.action == Action.SEND and email.send_on == NOON_UTC
    assert email.totals == (("EUR", Decimal("1650.40")),)
    assert email.language == "fr" and email.email == "c2@example.com"
    assert result.for_invoice("A-4").reason == Reason.DISPUTED
    other = result.for_customer("C3")
    assert other is not None and other.language == "en" and other.level == "first"


def test_one_invoice_needing_approval_puts_the_whole_email_up_for_approval() -> None:
    result = plan([invoice("F1", days_overdue=8), invoice("F2", days_overdue=31)])
    email = result.for_customer("C1")
    assert email is not None
    assert (email.level, email.template, email.action) == ("formal_notice", "formal_notice", Action.APPROVE)
    assert [p.action for p in email.invoices] == [Action.APPROVE, Action.APPROVE]
    assert result.for_invoice("F1").reason == Reason.APPROVAL_REQUIRED
    assert result.for_invoice("F1").level == "first"


def test_invoices_that_wait_are_not_in_the_email() -> None:
    result = plan([invoice("F1", days_overdue=8), invoice("F2", days_overdue=20, status="disputed")])
    email = result.for_customer("C1")
    assert email is not None and [p.invoice for p in email.invoices] == ["F1"]


def test_an_unknown_language_falls_back_to_the_default() -> None:
    email = plan([invoice("F1", days_overdue=8)], [customer(language="de")]).for_customer("C1")
    assert email is not None and email.language == "fr"


def test_invoices_come_out_by_customer_then_number_whatever_the_input_order() -> None:
    invoices = [invoice("F2", cid="C2"), invoice("F1", cid="C2"), invoice("F3", cid="C1")]
    result = plan(invoices, [customer("C1"), customer("C2")])
    assert [p.invoice for p in result.invoices] == ["F3", "F1", "F2"]


# --- the sending window ---------------------------------------------------------------------------


def test_readme_example_a_send_on_a_holiday_goes_to_the_next_business_day_at_nine_customer_time() -> None:
    # Friday 1 May 2026 is Labour Day, then a weekend: Monday 4 May 09:00 in Paris (CEST) is 07:00 UTC,
    # 09:00 in Montreal (EDT) is 13:00 UTC.
    invoices = [
        invoice("F1", due=date(2026, 4, 24), cid="C1"),
        invoice("F2", due=date(2026, 4, 24), cid="C2"),
    ]
    result = plan(
        invoices,
        [customer("C1"), customer("C2", zone="America/Montreal")],
        as_of=date(2026, 5, 1),
        now=utc("2026-05-01T10:00"),
    )
    paris, montreal = result.for_customer("C1"), result.for_customer("C2")
    assert paris is not None and montreal is not None
    assert (paris.action, paris.send_on, paris.send_until) == (
        Action.WAIT,
        utc("2026-05-04T07:00"),
        utc("2026-05-04T16:00"),
    )
    assert (montreal.action, montreal.send_on) == (Action.WAIT, utc("2026-05-04T13:00"))
    decided = result.for_invoice("F1")
    assert (decided.action, decided.reason, decided.level) == (Action.WAIT, Reason.OUTSIDE_WINDOW, "first")
    assert decided.send_on == utc("2026-05-04T07:00")


@pytest.mark.parametrize(
    ("now", "closing", "expected"),
    [
        ("2026-03-13T17:30", (), "2026-03-16T08:00"),  # Friday 18:30 in Paris: Monday 09:00
        ("2026-03-16T06:30", (), "2026-03-16T08:00"),  # Monday 07:30 in Paris: the same day at 09:00
        ("2026-03-16T06:30", (date(2026, 3, 16),), "2026-03-17T08:00"),  # a company closing day
    ],
)
def test_outside_office_hours_the_email_waits_for_the_next_opening(
    now: str, closing: tuple[date, ...], expected: str
) -> None:
    config = ClientRemindersConfig(closing_days=closing)
    result = plan([invoice("F1", days_overdue=8)], now=utc(now), config=config)
    email = result.for_customer("C1")
    assert email is not None and (email.action, email.send_on) == (Action.WAIT, utc(expected))


def test_an_email_needing_approval_outside_office_hours_is_approved_and_sent_at_the_opening() -> None:
    result = plan([invoice("F1", days_overdue=31)], now=utc("2026-03-14T10:00"))  # a Saturday
    email = result.for_customer("C1")
    assert email is not None
    assert (email.action, email.send_on) == (Action.APPROVE, utc("2026-03-16T08:00"))


def test_in_office_hours_the_email_goes_now_until_the_closing() -> None:
    email = plan([invoice("F1", days_overdue=8)]).for_customer("C1")
    assert email is not None
    assert (email.action, email.send_on, email.send_until) == (Action.SEND, NOON_UTC, utc("2026-03-16T17:00"))


def test_now_must_be_an_aware_instant() -> None:
    with pytest.raises(ValueError, match="aware"):
        plan([invoice("F1", days_overdue=8)], now=datetime(2026, 3, 16, 12, 0))
