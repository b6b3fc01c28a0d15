"""Before a decision leaves a difference, a reading that explains the line exactly is looked for."""

from __future__ import annotations

from decimal import Decimal

from bots.invoice_matching.model import DecisionKind, DifferenceKind, Reason

from .builders import item, line, one

AUTO, SUGGESTED, EXCEPTION = DecisionKind.AUTO, DecisionKind.SUGGESTED, DecisionKind.EXCEPTION
ALPHA_IBAN = "DE89370400440532013000"
BETA_IBAN = "FR7630006000011234567890189"


def test_number_of_one_invoice_with_the_exact_amount_of_another_is_suggested_with_both() -> None:
    items = [item("INV-1001", "1000.00"), item("INV-1002", "640.00")]
    d = one([line("L1", "640.00", remittance="Facture INV-1001", counterparty_iban=ALPHA_IBAN)], items)
    assert (d.kind, d.reason_code) == (SUGGESTED, Reason.COMPETING_EXACT_READING)
    # The remittance's reading (a partial payment on INV-1001) and the exact one (INV-1002) are both there.
    assert d.invoices == ("INV-1001",) and d.differences[0].kind is DifferenceKind.PARTIAL
    assert d.alternatives[0].invoices == ("INV-1002",)
    assert "another reading needs none" in d.explanation
    assert "INV-1002 (exactly the amount, another open item of customer C1)" in d.explanation


def test_a_fee_on_the_invoice_named_loses_to_another_invoice_of_exactly_that_amount() -> None:
    items = [item("INV-1001", "500.00"), item("INV-1002", "495.00")]
    d = one([line("L1", "495.00", remittance="INV-1001")], items)
    assert (d.kind, d.reason_code) == (SUGGESTED, Reason.COMPETING_EXACT_READING)
    assert "bank fee on INV-1001 is a guess" in d.explanation


def test_a_combination_adding_up_exactly_competes_with_a_partial_payment() -> None:
    items = [item("INV-1001", "1000.00"), item("INV-1002", "400.00"), item("INV-1003", "240.00")]
    d = one([line("L1", "640.00", remittance="INV-1001", counterparty_iban=ALPHA_IBAN)], items)
    assert (d.kind, d.reason_code) == (SUGGESTED, Reason.COMPETING_EXACT_READING)
    assert d.alternatives[0].invoices == ("INV-1002", "INV-1003")


def test_a_partial_payment_with_no_exact_reading_is_posted_and_says_what_was_ruled_out() -> None:
    items = [item("INV-1001", "1000.00"), item("INV-1002", "400.00")]
    d = one([line("L1", "640.00", remittance="INV-1001", counterparty_iban=ALPHA_IBAN)], items)
    assert (d.kind, d.reason_code) == (AUTO, Reason.MATCHED_INVOICE_NUMBER)
    assert d.allocated == Decimal("640.00")
    assert (
        "no reading without a difference: no open item or combination of customer C1 is exactly 640.00"
        in (d.explanation)
    )


def test_an_exact_match_on_the_invoice_named_is_not_second_guessed() -> None:
    items = [item("INV-1001", "640.00"), item("INV-1002", "640.00")]
    d = one([line("L1", "640.00", remittance="INV-1001")], items)
    assert (d.kind, d.reason_code) == (AUTO, Reason.MATCHED_INVOICE_NUMBER)


def test_another_customers_invoice_number_is_never_posted_even_as_our_payment_id() -> None:
    items = [
        item("INV-1001", "300.00"),
        item("INV-2001", "200.00", customer="C2", name="Beta Services", iban=BETA_IBAN),
    ]
    d = one([line("L1", "200.00", end_to_end_id="INV-1001", counterparty_iban=BETA_IBAN)], items)
    assert (d.kind, d.reason_code) == (SUGGESTED, Reason.PAYER_MISMATCH)
    assert "not to the invoice's customer C1" in d.explanation
    # The payer's own invoice of exactly that amount is offered first.
    assert d.alternatives[0].invoices == ("INV-2001",)


def test_an_amount_equal_to_two_combinations_is_not_posted() -> None:
    items = [
        item("INV-1001", "100.00"),
        item("INV-1002", "250.00"),
        item("INV-1003", "130.00"),
        item("INV-1004", "220.00"),
    ]
    d = one([line("L1", "350.00", remittance="VIREMENT", counterparty_iban=ALPHA_IBAN)], items)
    assert (d.kind, d.reason_code) == (EXCEPTION, Reason.AMBIGUOUS_COMBINATION)
    assert {a.invoices for a in d.alternatives} == {("INV-1001", "INV-1002"), ("INV-1003", "INV-1004")}


def test_an_amount_placed_by_customer_is_not_posted_when_the_text_quotes_another_invoice() -> None:
    # INV-1000 was settled by hand and is no longer in the open items: the customer may be paying it twice.
    items = [item("INV-1001", "251.68")]
    d = one([line("L1", "244.88", remittance="REGLEMENT INV-1000", counterparty_iban=ALPHA_IBAN)], items)
    assert (d.kind, d.reason_code) == (SUGGESTED, Reason.QUOTED_INVOICE_NOT_OPEN)
    assert "quotes INV-1000, which is not an open item" in d.explanation
