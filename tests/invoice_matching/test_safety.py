"""Never posted automatically: reversals, duplicates, debits, settled or over-claimed invoices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from bots.invoice_matching.config import InvoiceMatchingConfig
from bots.invoice_matching.model import DecisionKind, Reason
from rpa.documents.statements import parse_statement

from .builders import by_id, item, line, one, run

EXCEPTION = DecisionKind.EXCEPTION


def test_a_reversal_and_the_line_it_reverses_are_both_exceptions() -> None:
    items = [item("INV-1001", "100.00")]
    lines = [
        line("PAY", "100.00", end_to_end_id="INV-1001", counterparty_iban="DE89370400440532013000"),
        line(
            "REV",
            "-100.00",
            booked=date(2024, 4, 12),
            reversal=True,
            end_to_end_id="INV-1001",
            counterparty_iban="DE89370400440532013000",
        ),
    ]
    decisions = by_id(run(lines, items))
    assert (decisions["REV"].kind, decisions["REV"].reason_code) == (EXCEPTION, Reason.REVERSAL)
    assert (decisions["PAY"].kind, decisions["PAY"].reason_code) == (EXCEPTION, Reason.REVERSED_LINE)
    assert "PAY" in decisions["REV"].explanation


def test_the_same_line_twice_is_posted_once() -> None:
    items = [item("INV-1001", "100.00")]
    twice = [line("B1", "100.00", end_to_end_id="INV-1001"), line("B1", "100.00", end_to_end_id="INV-1001")]
    decisions = run(twice, items).decisions
    assert [d.kind for d in decisions] == [DecisionKind.AUTO, EXCEPTION]
    assert decisions[1].reason_code is Reason.DUPLICATE_LINE


def test_identical_content_under_another_id_is_a_duplicate() -> None:
    items = [item("INV-1001", "100.00"), item("INV-1002", "100.00")]
    same: dict[str, Any] = {"remittance": "INV-1001", "counterparty_iban": "DE89370400440532013000"}
    decisions = by_id(run([line(lid, "100.00", **same) for lid in ("X1", "X2")], items))
    assert decisions["X2"].reason_code is Reason.DUPLICATE_LINE


def test_debits_and_zero_lines_are_never_matched() -> None:
    items = [item("INV-1001", "100.00")]
    decisions = by_id(run([line("D", "-100.00", end_to_end_id="INV-1001"), line("Z", "0.00")], items))
    assert (
        decisions["D"].reason_code is Reason.DEBIT_LINE and decisions["Z"].reason_code is Reason.ZERO_AMOUNT
    )


def test_an_invoice_settled_in_the_erp_is_never_allocated_again() -> None:
    d = one(
        [line("L1", "100.00", end_to_end_id="INV-1001")], [item("INV-1001", "100.00", open_amount="0.00")]
    )
    assert (d.kind, d.reason_code, d.allocations) == (EXCEPTION, Reason.INVOICE_ALREADY_SETTLED, ())


def test_a_second_line_claiming_a_paid_invoice_goes_to_exception() -> None:
    items = [item("INV-1001", "100.00")]
    lines = [
        line("A", "100.00", remittance="INV-1001"),
        line("B", "100.00", remittance="INV 1001", booked=date(2024, 4, 11)),
    ]
    decisions = by_id(run(lines, items))
    assert decisions["A"].kind is DecisionKind.AUTO
    assert (decisions["B"].kind, decisions["B"].reason_code) == (EXCEPTION, Reason.INVOICE_ALREADY_ALLOCATED)


def test_a_second_partial_payment_beyond_what_is_left_goes_to_exception() -> None:
    items = [item("INV-1001", "100.00")]
    lines = [
        line("A", "60.00", remittance="INV-1001"),
        line("B", "60.00", remittance="INV-1001 rest", booked=date(2024, 4, 11)),
    ]
    decisions = by_id(run(lines, items))
    assert decisions["A"].kind is DecisionKind.AUTO
    assert (decisions["B"].kind, decisions["B"].reason_code) == (EXCEPTION, Reason.OVER_ALLOCATION)


def test_currency_mismatch_and_foreign_currency_lines_are_never_auto() -> None:
    mismatch = one(
        [line("L1", "100.00", currency="USD", end_to_end_id="INV-1001")], [item("INV-1001", "100.00")]
    )
    assert (mismatch.kind, mismatch.reason_code) == (EXCEPTION, Reason.CURRENCY_MISMATCH)
    usd = one(
        [line("L1", "100.00", currency="USD", end_to_end_id="INV-1001")],
        [item("INV-1001", "100.00", currency="USD")],
    )
    assert (usd.kind, usd.reason_code) == (DecisionKind.SUGGESTED, Reason.CURRENCY_NOT_AUTO)
    allowed = InvoiceMatchingConfig(auto_currencies=("EUR", "USD"))
    assert (
        one(
            [line("L1", "100.00", currency="USD", end_to_end_id="INV-1001")],
            [item("INV-1001", "100.00", currency="USD")],
            allowed,
        ).kind
        is DecisionKind.AUTO
    )


def test_a_line_booked_after_today_is_an_exception() -> None:
    d = one(
        [line("L1", "100.00", booked=date(2024, 5, 30), end_to_end_id="INV-1001")],
        [item("INV-1001", "100.00")],
    )
    assert d.reason_code is Reason.FUTURE_BOOKING


def test_unusable_open_items_are_reported_and_the_rest_matched() -> None:
    items = [
        item("INV-1", "100.00"),
        item("INV-1", "200.00"),
        item("INV-2", "50.00", open_amount="-5.00"),
        item("INV-3", "50.00", open_amount="80.00"),
    ]
    result = run([line("L1", "100.00", end_to_end_id="INV-1")], items)
    assert result.decisions[0].kind is DecisionKind.AUTO
    assert sorted(p.code for p in result.problems) == [
        "DUPLICATE_INVOICE",
        "NEGATIVE_OPEN_AMOUNT",
        "OPEN_EXCEEDS_AMOUNT",
    ]


def test_two_identical_lines_of_one_statement_are_two_payments(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "date,amount,counterparty,description,reference,account\n"
        "2024-04-10,-500.00,Own account,transfer,BNK-7,FR7630006000011234567890189\n"
        "2024-04-10,500.00,Own account,transfer,BNK-7,DE02100100109307118603\n"
        "2024-04-10,12.00,Jane Doe,ticket INV-1001,,FR7630006000011234567890189\n"
        "2024-04-10,12.00,Jane Doe,ticket INV-1001,,FR7630006000011234567890189\n",
        encoding="utf-8",
    )
    lines = [ln for statement in parse_statement(export) for ln in statement.lines]
    items = [item("INV-1001", "24.00", name="Jane Doe")]
    decisions = run(lines, items).decisions
    reasons = {(d.line.account_iban[:2], str(d.line.amount), d.reason_code) for d in decisions}
    assert Reason.DUPLICATE_LINE not in {d.reason_code for d in decisions}
    # One reference under two accounts: each side gets its account, so decisions never collide.
    ids = sorted(d.line_id for d in decisions if d.line.amount.copy_abs() == Decimal("500.00"))
    assert ids == ["BNK-7@DE02100100109307118603", "BNK-7@FR7630006000011234567890189"]
    assert len({d.line_id for d in decisions}) == len(decisions)
    # The transfer's debit side is money going out; its credit side is a line a person places.
    assert ("FR", "-500.00", Reason.DEBIT_LINE) in reasons
    assert ("DE", "500.00", Reason.NO_MATCH) in reasons
    # Both tickets are partial payments of the invoice they name: the second one settles it.
    tickets = [d for d in decisions if d.line.amount == Decimal("12.00")]
    assert [d.kind for d in tickets] == [DecisionKind.AUTO, DecisionKind.AUTO]
    assert sum((d.allocated for d in tickets), Decimal("0")) == Decimal("24.00")


def test_a_statement_read_from_two_files_is_counted_once(tmp_path: Path) -> None:
    rows = "date,amount,counterparty,description,reference\n2024-04-10,100.00,Alpha Trading,INV-1001,\n"
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text(rows, encoding="utf-8")
    lines = [ln for name in ("a.csv", "b.csv") for st in parse_statement(tmp_path / name) for ln in st.lines]
    decisions = run(lines, [item("INV-1001", "100.00")]).decisions
    assert sorted(d.reason_code for d in decisions) == sorted(
        [Reason.MATCHED_INVOICE_NUMBER, Reason.DUPLICATE_LINE]
    )
