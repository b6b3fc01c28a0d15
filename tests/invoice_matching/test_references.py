"""RF creditor references, invoice-number keys and remittance reading."""

from __future__ import annotations

import pytest

from bots.invoice_matching.references import (
    canonical,
    normalize_name,
    numeric_core,
    remittance_keys,
    rf_candidates,
    rf_from,
    rf_is_valid,
)


@pytest.mark.parametrize(
    "reference", ["RF18539007547034", "RF18 5390 0754 7034", "rf18539007547034", "RF712348231"]
)
def test_valid_rf_references_pass_the_mod97_check(reference: str) -> None:
    assert rf_is_valid(reference)


@pytest.mark.parametrize(
    "reference",
    ["RF19539007547034", "RF18539007547035", "RF185390075470341234567890", "RFAB1234", "18539007547034", ""],
)
def test_wrong_check_digits_or_shapes_are_refused(reference: str) -> None:
    assert not rf_is_valid(reference)


def test_rf_from_computes_check_digits_that_validate() -> None:
    for body in ["539007547034", "INV20240042", "A1"]:
        ref = rf_from(body)
        assert rf_is_valid(ref) and ref.endswith(body)
    assert rf_from("539007547034") == "RF18539007547034"


def test_rf_found_in_free_text_and_invalid_ones_ignored() -> None:
    assert rf_candidates("", "Paid with ref RF18 5390 0754 7034, thanks") == ["RF18539007547034"]
    assert rf_candidates("RF19539007547034", "") == []


def test_canonical_folds_separators_case_and_letter_digit_confusions() -> None:
    assert canonical("inv-2024/0042") == canonical("INV 2024.0042") == canonical("1NV2O24OO42")
    assert canonical("INV-2024-0042") != canonical("INV-2024-0043")


def test_numeric_core_drops_leading_zeros_and_refuses_short_cores() -> None:
    assert numeric_core("INV-2024-0042") == numeric_core("2024 0042") == "20240042"
    assert numeric_core("42") == ""


def test_remittance_keys_join_an_invoice_number_split_by_spaces() -> None:
    keys = set(remittance_keys("Payment for INV 2024 0042, thanks"))
    assert canonical("INV-2024-0042") in keys
    assert canonical("INV-2024-0043") in set(remittance_keys("invoices INV-2024-0042/INV-2024-0043"))


def test_names_lose_accents_case_and_legal_forms() -> None:
    assert normalize_name("Société Générale S.A.") == normalize_name("SOCIETE GENERALE")
    assert normalize_name("Alpha Trading GmbH") == "alpha trading"
