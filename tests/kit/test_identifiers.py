"""IBAN, RIB key, RF creditor reference, SIREN/SIRET and French VAT numbers, on published and real values."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest

from rpa.documents.statements import parse_statement
from rpa.identifiers import (
    IdentifierError,
    compact,
    format_iban,
    fr_vat_from_siren,
    fr_vat_is_valid,
    fr_vat_key,
    iban_from_bban,
    iban_from_rib,
    iban_is_valid,
    mask_iban,
    normalize_iban,
    rf_from,
    rf_is_valid,
    rib_is_valid,
    rib_key,
    siren_is_valid,
    siret_is_valid,
    validate_fr_vat,
    validate_iban,
    validate_rf,
    validate_siret,
)

# The standard published examples (ECBS / SWIFT IBAN registry) and the test account of the legacy ERP.
PUBLISHED_IBANS = [
    "GB82 WEST 1234 5698 7654 32",
    "FR14 2004 1010 0505 0001 3M02 606",
    "DE89 3704 0044 0532 0130 00",
    "BE68 5390 0754 7034",
    "NL91 ABNA 0417 1643 00",
    "CH93 0076 2011 6238 5295 7",
    "FR76 3000 6000 0112 3456 7890 189",
]


@pytest.mark.parametrize("iban", PUBLISHED_IBANS)
def test_published_ibans_check(iban: str) -> None:
    assert iban_is_valid(iban)
    assert validate_iban(iban) == iban.replace(" ", "")
    assert iban_is_valid(iban.lower().replace(" ", "-"))  # as people type them


def test_every_iban_of_the_real_camt_statements_checks(corpus: Path) -> None:
    found = set()
    for path in (corpus / "statements" / "camt").glob("*.xml"):
        for element in ElementTree.parse(path).iter():
            if element.tag.rsplit("}", 1)[-1] == "IBAN" and element.text:
                found.add(element.text.strip())
    assert found == {"CH2801234000123456789", "NL26VAYB8060476890", "NL56AGDH9619008421"}
    assert all(iban_is_valid(iban) for iban in found)


def test_german_sepa_mt940_counterparty_ibans_check(corpus: Path) -> None:
    statements = parse_statement(corpus / "statements" / "mt940" / "betterplace_sepa_mt9401.sta")
    ibans = {ln.counterparty_iban for st in statements for ln in st.lines if ln.counterparty_iban[:2] == "DE"}
    assert {"DE39250100300172064300", "DE40100100100000214105", "DE42100100100043921105"} <= ibans
    assert all(iban_is_valid(iban) for iban in ibans)


def test_made_up_sample_numbers_of_the_rabobank_test_file_do_not_check(corpus: Path) -> None:
    # The MT940 sample file uses invented account numbers: right shape, wrong check digits.
    text = (corpus / "statements" / "mt940" / "jejik_rabobank-iban.sta").read_text(encoding="latin-1")
    for iban in ("NL71RABO0123456789", "NL70ABNA0987654321"):
        assert iban in text
        with pytest.raises(IdentifierError, match="check digits"):
            validate_iban(iban)


@pytest.mark.parametrize(
    ("iban", "problem"),
    [
        ("GB82 WEST 1234 5698 7654 33", "check digits"),  # last digit mistyped
        ("GB28 WEST 1234 5698 7654 32", "check digits"),  # check digits swapped
        ("FR14 2004 1010 0505 0001 3M02 60", "FR IBANs have 27"),  # one character short
        ("DE89 3704 0044 0532 0130 000", "DE IBANs have 22"),
        ("1234 5678", "country code"),
        ("FR14 2004 1010 0505 0001 3M02 60!", "letters and digits"),
        ("", "country code"),
    ],
)
def test_wrong_ibans_say_what_is_wrong(iban: str, problem: str) -> None:
    assert not iban_is_valid(iban)
    with pytest.raises(IdentifierError, match=problem):
        validate_iban(iban)


def test_iban_forms_for_storage_print_and_screens() -> None:
    assert normalize_iban(" fr76 3000\u00a06000-0112 3456 7890 189 ") == "FR7630006000011234567890189"
    assert format_iban("FR7630006000011234567890189") == "FR76 3000 6000 0112 3456 7890 189"
    assert mask_iban("FR76 3000 6000 0112 3456 7890 189") == "FR76 **** **** 0189"
    assert mask_iban("GB82WEST12345698765432") == "GB82 **** **** 5432"
    assert mask_iban("FR7") == "****"
    assert iban_from_bban("GB", "WEST 1234 5698 7654 32") == "GB82WEST12345698765432"
    assert iban_from_bban("de", "370400440532013000") == "DE89370400440532013000"


def test_french_rib_key_converts_letters_of_the_account_number() -> None:
    # FR14 2004 1010 0505 0001 3M02 606: bank 20041, branch 01005, account 0500013M026 (M counts 4), key 06.
    assert rib_key("20041", "01005", "0500013M026") == "06"
    assert rib_is_valid("20041", "01005", "0500013M026", "06")
    assert not rib_is_valid("20041", "01005", "0500013M026", "07")
    assert not rib_is_valid("2004", "01005", "0500013M026", "06")  # a bank code has five digits
    assert iban_from_rib("20041", "01005", "0500013M026") == "FR1420041010050500013M02606"
    assert rib_key("30006", "00001", "12345678901") == "89"
    assert iban_from_rib("30006", "00001", "12345678901") == "FR7630006000011234567890189"
    with pytest.raises(IdentifierError):  # neither a letter nor a digit: nothing to convert
        rib_key("30006", "00001", "1234567890?")


def test_iso_11649_creditor_reference() -> None:
    assert rf_is_valid("RF18539007547034")  # the example of the standard
    assert rf_is_valid("RF18 5390 0754 7034")
    assert validate_rf("rf18 5390 0754 7034") == "RF18539007547034"
    assert rf_from("539007547034") == "RF18539007547034"
    assert rf_from("INV 2024 0042") == "RF" + rf_from("INV20240042")[2:4] + "INV20240042"
    assert rf_is_valid(rf_from("A1"))
    for wrong, problem in [
        ("RF19539007547034", "check digits"),
        ("RF18539007547035", "check digits"),
        ("RF185390075470341234567890", "1 to 21"),
        ("RFAB1234", "start with RF"),
        ("18539007547034", "start with RF"),
        ("RF18", "1 to 21"),
    ]:
        assert not rf_is_valid(wrong)
        with pytest.raises(IdentifierError, match=problem):
            validate_rf(wrong)
    for body in ("", "A" * 22, "INV/42"):
        with pytest.raises(IdentifierError):
            rf_from(body)


def test_siren_and_siret_luhn() -> None:
    assert siren_is_valid("732829320")
    assert siren_is_valid("732 829 320")
    assert not siren_is_valid("732829321")
    assert not siren_is_valid("73282932")
    assert siret_is_valid("73282932000074")
    assert siret_is_valid("732 829 320 00074")
    assert not siret_is_valid("73282932000075")
    assert not siret_is_valid("73282932100007")  # passes Luhn, but its first nine digits are no SIREN


def test_la_poste_siret_exception() -> None:
    # La Poste (SIREN 356000000) numbers its establishments so the digits add up to a multiple of 5:
    # they fail Luhn, and are valid all the same. The head office, 356 000 000 00048, passes Luhn.
    assert siren_is_valid("356000000")
    assert siret_is_valid("356 000 000 00048")
    assert siret_is_valid("35600000009075")
    assert siret_is_valid("35600000000010")
    assert not siret_is_valid("35600000012345")  # neither Luhn nor the sum of 5
    assert not siret_is_valid("73282932000004")  # digits add up to 40, but the exception is La Poste's
    with pytest.raises(IdentifierError, match="SIRET check"):
        validate_siret("35600000000028")


def test_french_vat_number_from_siren() -> None:
    assert fr_vat_key("732829320") == "44"
    assert fr_vat_from_siren("732 829 320") == "FR44732829320"
    assert validate_fr_vat("FR 44 732 829 320") == "FR44732829320"
    assert not fr_vat_is_valid("FR45732829320")
    with pytest.raises(IdentifierError, match="SIREN 732829320 gives 44"):
        validate_fr_vat("FR45732829320")
    with pytest.raises(IdentifierError, match="letter key"):
        validate_fr_vat("FRAB732829320")
    with pytest.raises(IdentifierError, match="not FR"):
        validate_fr_vat("DE44732829320")


def test_the_vat_number_on_a_real_french_invoice(corpus: Path) -> None:
    # The Free fibre invoice prints SIREN 421 938 861 and VAT number FR60421938861.
    expected = json.loads((corpus / "documents" / "invoices" / "free_fiber.expected.json").read_text())[0]
    assert siren_is_valid(expected["siren"])
    assert fr_vat_from_siren(expected["siren"]) == expected["vat"] == "FR60421938861"


def test_identifiers_of_the_factur_x_samples(corpus: Path) -> None:
    """The Factur-X samples mix real-looking and placeholder numbers; the checks tell them apart."""
    values: dict[str, set[str]] = {"0002": set(), "0009": set(), "VA": set(), "IBAN": set()}
    for path in (corpus / "documents" / "facturx").glob("*.xml"):
        for element in ElementTree.parse(path).iter():
            scheme, name = element.get("schemeID"), element.tag.rsplit("}", 1)[-1]
            if scheme in values and element.text:
                values[scheme].add(element.text.strip())
            if name == "IBANID" and element.text:
                values["IBAN"].add(element.text.strip())
    assert {v: siren_is_valid(v) for v in values["0002"]} == {
        "123456782": True,
        "303656847": True,
        "987654321": False,
    }
    assert {v: siret_is_valid(v) for v in values["0009"]} == {"12345678200077": True, "98765432100029": False}
    # FR 05 987 654 321 has the right key for its number, but the number is no SIREN.
    assert {v: fr_vat_is_valid(v) for v in values["VA"]} == {
        "FR11123456782": True,
        "FR 05 987 654 321": False,
    }
    assert {v: iban_is_valid(v) for v in values["IBAN"]} == {
        "FR20 1254 2547 2569 8542 5874 698": True,
        "FRDEBIT": False,
    }


def test_compact_is_how_identifiers_compare() -> None:
    assert compact(" fr-44.732 829\u00a0320 ") == "FR44732829320"
