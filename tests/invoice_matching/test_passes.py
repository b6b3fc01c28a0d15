"""Each matching pass on a small hand-made case, and the evidence rules that keep it from guessing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bots.invoice_matching.model import DecisionKind, Reason
from bots.invoice_matching.references import rf_from

from .builders import by_id, item, line, one, run

AUTO, SUGGESTED, EXCEPTION = DecisionKind.AUTO, DecisionKind.SUGGESTED, DecisionKind.EXCEPTION


def test_pass1_our_end_to_end_id_names_the_invoice() -> None:
    d = one(
        [line("L1", "100.00", end_to_end_id="INV-1001")],
        [item("INV-1001", "100.00"), item("INV-1002", "100.00")],
    )
    assert (d.kind, d.reason_code, d.invoices) == (AUTO, Reason.MATCHED_PAYMENT_ID, ("INV-1001",))
    assert d.allocated == Decimal("100.00") and d.score >= 0.95
    assert d.explanation.startswith("Pass 1 (payment id)") and "INV-1001" in d.explanation


def test_pass1_not_provided_end_to_end_id_is_no_evidence() -> None:
    d = one([line("L1", "100.00", end_to_end_id="NOTPROVIDED")], [item("NOTPROVIDED", "100.00", iban="")])
    assert d.reason_code is not Reason.MATCHED_PAYMENT_ID


def test_pass2_valid_rf_reference_matches_the_items_reference() -> None:
    ref = rf_from("77120042")
    items = [item("INV-1001", "80.00", reference=ref), item("INV-1002", "80.00")]
    d = one([line("L1", "80.00", creditor_reference=ref, counterparty_iban="")], items)
    assert (d.kind, d.reason_code, d.invoices) == (AUTO, Reason.MATCHED_CREDITOR_REFERENCE, ("INV-1001",))


def test_pass2_rf_with_a_wrong_check_digit_is_ignored() -> None:
    ref = rf_from("77120042")
    broken = ref[:2] + f"{(int(ref[2:4]) + 1) % 100:02d}" + ref[4:]
    d = one(
        [line("L1", "80.00", creditor_reference=broken, counterparty_name="Nobody")],
        [item("INV-1001", "80.00", reference=ref, iban="")],
    )
    assert d.reason_code is not Reason.MATCHED_CREDITOR_REFERENCE and d.kind is not AUTO


def test_pass3_invoice_number_typed_with_o_for_zero_and_spaces() -> None:
    items = [item("INV-2024-0042", "250.00"), item("INV-2024-0043", "250.00")]
    d = one([line("L1", "250.00", remittance="Rechnung INV 2O24 OO42 danke")], items)
    assert (d.kind, d.reason_code, d.invoices) == (AUTO, Reason.MATCHED_INVOICE_NUMBER, ("INV-2024-0042",))


def test_pass3_two_invoices_in_one_remittance_when_amounts_add_up() -> None:
    items = [item("INV-2024-0042", "250.00"), item("INV-2024-0043", "120.50"), item("INV-2024-0044", "99.00")]
    d = one([line("L1", "370.50", remittance="INV-2024-0042 + INV-2024-0043")], items)
    assert d.kind is AUTO and set(d.invoices) == {"INV-2024-0042", "INV-2024-0043"}
    assert d.allocated == Decimal("370.50")


def test_pass3_named_invoices_that_do_not_add_up_offer_the_one_subset_that_does() -> None:
    items = [item("INV-2024-0042", "250.00"), item("INV-2024-0043", "120.50")]
    d = one([line("L1", "120.50", remittance="INV-2024-0042 INV-2024-0043")], items)
    assert (d.kind, d.reason_code, d.invoices) == (
        SUGGESTED,
        Reason.SUGGESTED_SUBSET_OF_REFERENCES,
        ("INV-2024-0043",),
    )


def test_pass3_numeric_core_alone_needs_an_exact_amount() -> None:
    items = [item("INV-2024-0042", "250.00", iban="")]
    fits = one([line("L1", "250.00", remittance="facture 20240042")], items)
    assert fits.kind is AUTO and fits.invoices == ("INV-2024-0042",)
    short = one([line("L1", "200.00", remittance="facture 20240042", counterparty_name="X")], items)
    assert short.kind is not AUTO


def test_pass4_known_iban_and_the_only_open_item_of_that_amount() -> None:
    items = [
        item("INV-1", "99.90"),
        item("INV-2", "45.00"),
        item("INV-3", "99.90", customer="C2", iban="FR7630006000011234567890189", name="Beta"),
    ]
    d = one([line("L1", "99.90", counterparty_iban="DE89 3704 0044 0532 0130 00")], items)
    assert (d.kind, d.reason_code, d.invoices) == (AUTO, Reason.MATCHED_CUSTOMER_AMOUNT, ("INV-1",))
    assert "IBAN" in d.explanation


def test_pass4_fuzzy_name_clearly_ahead_identifies_the_customer() -> None:
    items = [
        item("INV-1", "99.90", iban="", name="Dupont Logistique SARL"),
        item("INV-2", "99.90", customer="C2", iban="", name="Martin Boulangerie"),
    ]
    d = one([line("L1", "99.90", counterparty_name="DUPONT LOGISTIQUES")], items)
    assert (d.kind, d.reason_code, d.invoices) == (AUTO, Reason.MATCHED_CUSTOMER_AMOUNT, ("INV-1",))


def test_pass4_two_customers_with_close_names_identify_nobody() -> None:
    items = [
        item("INV-1", "99.90", iban="", name="Dupont Logistique Nord"),
        item("INV-2", "99.90", customer="C2", iban="", name="Dupont Logistique Sud"),
    ]
    d = one([line("L1", "99.90", counterparty_name="Dupont Logistique")], items)
    assert d.kind is not AUTO


def test_pass4_two_open_items_of_the_same_amount_are_ambiguous() -> None:
    d = one(
        [line("L1", "50.00", counterparty_iban="DE89370400440532013000")],
        [item("INV-1", "50.00"), item("INV-2", "50.00")],
    )
    assert (d.kind, d.reason_code) == (EXCEPTION, Reason.AMBIGUOUS_MATCH)
    assert {a.invoices for a in d.alternatives} == {("INV-1",), ("INV-2",)}


def test_pass5_the_one_combination_of_the_customers_items() -> None:
    items = [item("INV-1", "100.00"), item("INV-2", "35.10"), item("INV-3", "64.90"), item("INV-4", "12.00")]
    d = one([line("L1", "200.00", counterparty_iban="DE89370400440532013000")], items)
    assert (d.kind, d.reason_code) == (AUTO, Reason.MATCHED_CUSTOMER_COMBINATION)
    assert set(d.invoices) == {"INV-1", "INV-2", "INV-3"} and d.allocated == Decimal("200.00")


def test_pass5_two_fitting_combinations_go_to_a_person_with_both() -> None:
    items = [item("INV-1", "100.00"), item("INV-2", "50.00"), item("INV-3", "60.00"), item("INV-4", "90.00")]
    d = one([line("L1", "150.00", counterparty_iban="DE89370400440532013000")], items)
    assert (d.kind, d.reason_code) == (EXCEPTION, Reason.AMBIGUOUS_COMBINATION)
    assert {frozenset(a.invoices) for a in d.alternatives} == {
        frozenset({"INV-1", "INV-2"}),
        frozenset({"INV-3", "INV-4"}),
    }


def test_pass6_amount_and_date_and_name_is_only_a_suggestion() -> None:
    items = [
        item("INV-1", "321.00", iban="", name="Gamma Industries"),
        item("INV-2", "321.00", customer="C9", iban="", name="Zeta Foods"),
    ]
    d = one([line("L1", "321.00", counterparty_name="G. Industries Ltd")], items)
    assert (d.kind, d.reason_code, d.invoices) == (SUGGESTED, Reason.SUGGESTED_AMOUNT_DATE_NAME, ("INV-1",))
    assert d.score <= 0.6


def test_nothing_fits_is_an_exception_saying_what_was_tried() -> None:
    d = one([line("L1", "17.00", counterparty_name="Stranger", remittance="gift")], [item("INV-1", "99.00")])
    assert (d.kind, d.reason_code) == (EXCEPTION, Reason.NO_MATCH)
    assert "no payment id" in d.explanation


def test_conflicting_references_are_suggested_not_posted() -> None:
    items = [item("INV-1001", "100.00"), item("INV-1002", "100.00")]
    d = one([line("L1", "100.00", end_to_end_id="INV-1001", remittance="INV-1002")], items)
    assert (d.kind, d.reason_code) == (SUGGESTED, Reason.CONFLICTING_REFERENCES)
    assert d.alternatives[0].invoices == ("INV-1002",)


def test_invoice_number_paid_from_another_customers_account_is_not_posted() -> None:
    items = [
        item("INV-2024-0042", "250.00"),
        item("INV-9", "1.00", customer="C2", name="Beta", iban="FR7630006000011234567890189"),
    ]
    d = one(
        [line("L1", "250.00", remittance="INV-2024-0042", counterparty_iban="FR7630006000011234567890189")],
        items,
    )
    assert (d.kind, d.reason_code) == (SUGGESTED, Reason.PAYER_MISMATCH)


def test_a_stronger_pass_wins_the_invoice_over_an_earlier_weaker_line() -> None:
    items = [item("INV-1", "75.00")]
    result = run(
        [
            line("A", "75.00", counterparty_iban="DE89370400440532013000"),
            line("B", "75.00", creditor_reference="", end_to_end_id="INV-1"),
        ],
        items,
    )
    decisions = by_id(result)
    assert decisions["B"].kind is AUTO and decisions["B"].invoices == ("INV-1",)
    assert decisions["A"].kind is not AUTO


def test_a_tolerance_reading_never_hides_an_exact_combination() -> None:
    # 2636.24 is 2.5 % under INV-4 (a discount if taken in time) but exactly INV-1 + INV-2 + INV-3.
    items = [
        item("INV-1", "589.51"),
        item("INV-2", "34.39"),
        item("INV-3", "2012.34"),
        item("INV-4", "2704.68"),
    ]
    in_discount_period = date(2024, 3, 10)
    d = one(
        [line("L1", "2636.24", booked=in_discount_period, counterparty_iban="DE89370400440532013000")], items
    )
    assert d.kind is EXCEPTION and d.reason_code is Reason.AMBIGUOUS_MATCH
    later = one([line("L1", "2636.24", counterparty_iban="DE89370400440532013000")], items)
    assert later.kind is AUTO and set(later.invoices) == {"INV-1", "INV-2", "INV-3"}
