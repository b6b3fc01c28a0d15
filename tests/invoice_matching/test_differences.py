"""Typed differences: rounding, bank fees, discounts and partial payments within and over their caps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bots.invoice_matching.config import DifferenceCap, InvoiceMatchingConfig
from bots.invoice_matching.model import Decision, DecisionKind, DifferenceKind, Reason

from .builders import item, line, one

INV = "INV-2024-0042"


def pay(
    amount: str,
    *,
    booked: date = date(2024, 4, 10),
    config: InvoiceMatchingConfig | None = None,
    invoice_amount: str = "1000.00",
) -> Decision:
    return one([line("L1", amount, booked=booked, remittance=INV)], [item(INV, invoice_amount)], config)


def kinds(decision: Decision) -> list[DifferenceKind]:
    return [d.kind for d in decision.differences]


def test_a_few_cents_short_are_written_off_as_rounding() -> None:
    d = pay("999.97")
    assert d.kind is DecisionKind.AUTO and kinds(d) == [DifferenceKind.ROUNDING]
    assert d.differences[0].amount == Decimal("0.03") and d.allocated == Decimal("999.97")


def test_a_few_cents_too_many_are_a_rounding_gain() -> None:
    d = pay("1000.04")
    assert d.kind is DecisionKind.AUTO and kinds(d) == [DifferenceKind.ROUNDING]


def test_bank_fee_within_cap_settles_the_invoice_after_the_discount_period() -> None:
    d = pay("985.00", booked=date(2024, 4, 25))
    assert d.kind is DecisionKind.AUTO and kinds(d) == [DifferenceKind.BANK_FEE]
    assert d.differences[0].amount == Decimal("15.00")


def test_early_payment_discount_within_the_period_and_cap() -> None:
    d = pay("980.00", booked=date(2024, 3, 10))  # issued 1 March, 14 days of discount
    assert d.kind is DecisionKind.AUTO and kinds(d) == [DifferenceKind.DISCOUNT]


def test_discount_after_the_period_and_over_fee_cap_is_a_partial_payment() -> None:
    d = pay("970.00", booked=date(2024, 4, 25))
    assert d.kind is DecisionKind.AUTO and kinds(d) == [DifferenceKind.PARTIAL]
    assert d.allocated == Decimal("970.00") and d.differences[0].amount == Decimal("30.00")


def test_partial_payment_over_its_cap_is_only_suggested() -> None:
    d = pay("300.00")  # 70 % left open, over the default 50 %
    assert (d.kind, d.reason_code) == (DecisionKind.SUGGESTED, Reason.PARTIAL_OVER_CAP)


def test_caps_are_configurable_absolute_and_relative() -> None:
    strict = InvoiceMatchingConfig(
        bank_fee=DifferenceCap(absolute=Decimal("5"), relative=Decimal("0.01")),
        partial=DifferenceCap(absolute=Decimal("0"), relative=Decimal("0")),
    )
    d = pay("985.00", booked=date(2024, 4, 25), config=strict)
    assert (d.kind, d.reason_code) == (DecisionKind.SUGGESTED, Reason.PARTIAL_OVER_CAP)
    relative_only = InvoiceMatchingConfig(
        bank_fee=DifferenceCap(absolute=Decimal("20"), relative=Decimal("0.01"))
    )
    assert kinds(pay("90.00", invoice_amount="100.00", booked=date(2024, 4, 25), config=relative_only)) == [
        DifferenceKind.PARTIAL
    ]


def test_overpayment_is_suggested_with_the_surplus_typed() -> None:
    d = pay("1200.00")
    assert (d.kind, d.reason_code) == (DecisionKind.SUGGESTED, Reason.OVERPAYMENT)
    assert kinds(d) == [DifferenceKind.OVERPAYMENT] and d.differences[0].amount == Decimal("200.00")
