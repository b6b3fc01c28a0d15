"""Label and pattern extraction on French and English snippets, as issuers write them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from rpa.documents.classify import classify
from rpa.documents.dates import parse_date
from rpa.documents.fields import invoice_fields, kbis_fields, rib_fields
from rpa.documents.model import DocumentType


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/03/2024", date(2024, 3, 15)),
        ("2024-03-15", date(2024, 3, 15)),
        ("1er août 2024", date(2024, 8, 1)),
        ("3 décembre 2023", date(2023, 12, 3)),
        ("5 March 2024", date(2024, 3, 5)),
        ("March 5, 2024", date(2024, 3, 5)),
        ("03/20/2023", date(2023, 3, 20)),  # month first only when the day cannot be a month
        ("21.05.14", date(2014, 5, 21)),
        ("31/02/2024", None),
        ("20,00 %", None),
    ],
)
def test_dates(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


def test_french_invoice() -> None:
    text = """SARL Martin Peinture
Facture N° FA-2024/118
Date de facture : 2 avril 2024
Date d'échéance : 02/05/2024
Montant HT 1 250,00 €
TVA 20 % 250,00 €
Net à payer 1 500,00 €
IBAN : FR76 3000 6000 0112 3456 7890 189 - BIC : AGRIFRPP
RCS Lyon B 732 829 320 - TVA intracommunautaire : FR 44 732 829 320"""
    fields = invoice_fields(text)
    assert fields.number == "FA-2024/118"
    assert (fields.issue_date, fields.due_date) == (date(2024, 4, 2), date(2024, 5, 2))
    assert (fields.total_net, fields.total_tax, fields.total_gross) == (
        Decimal("1250.00"),
        Decimal("250.00"),
        Decimal("1500.00"),
    )
    assert fields.iban == "FR7630006000011234567890189"
    assert fields.bic == "AGRIFRPP"
    assert (fields.seller_siren, fields.seller_vat_id, fields.currency) == (
        "732829320",
        "FR44732829320",
        "EUR",
    )


def test_english_invoice_values_below_labels() -> None:
    text = """Invoice number: 2024-0007
Invoice Date:
March 5, 2024
Due date: 2024-04-04
Subtotal $ 1,234.50
Tax 10% $ 123.45
Amount due $ 1,357.95"""
    fields = invoice_fields(text)
    assert (fields.number, fields.issue_date, fields.due_date) == (
        "2024-0007",
        date(2024, 3, 5),
        date(2024, 4, 4),
    )
    assert (fields.total_net, fields.total_tax, fields.total_gross) == (
        Decimal("1234.50"),
        Decimal("123.45"),
        Decimal("1357.95"),
    )
    assert fields.currency == "USD"


def test_totals_read_from_a_column_table() -> None:
    text = "Montant HT Montant TVA Montant TTC\nAbonnement 24.99 5.00 29.99\nTotal facture 24.99 5.00 29.99"
    fields = invoice_fields(text)
    assert (fields.total_net, fields.total_tax, fields.total_gross) == (
        Decimal("24.99"),
        Decimal("5.00"),
        Decimal("29.99"),
    )


def test_rib() -> None:
    text = """RELEVÉ D'IDENTITÉ BANCAIRE
Titulaire du compte : DUPONT ET FILS SARL
IBAN FR76 3000 6000 0112 3456 7890 189
BIC AGRIFRPP"""
    assert classify(text) is DocumentType.RIB
    fields = rib_fields(text)
    assert fields.holder == "DUPONT ET FILS SARL"
    assert (fields.bank_code, fields.branch_code, fields.account_number, fields.rib_key) == (
        "30006",
        "00001",
        "12345678901",
        "89",
    )


def test_kbis() -> None:
    text = """Greffe du Tribunal de Commerce de Lyon
Extrait Kbis
Extrait du Registre du Commerce et des Sociétés à jour au 10 janvier 2025
Dénomination : DUPONT ET FILS
Forme juridique : Société à responsabilité limitée
Immatriculation au RCS, numéro 732 829 320 R.C.S. Lyon
Date d'immatriculation : 01/06/2010"""
    assert classify(text) is DocumentType.KBIS
    fields = kbis_fields(text)
    assert (fields.company_name, fields.siren) == ("DUPONT ET FILS", "732829320")
    assert fields.legal_form == "Société à responsabilité limitée"
    assert (fields.registration_date, fields.extract_date) == (date(2010, 6, 1), date(2025, 1, 10))


def test_unrelated_text_is_other() -> None:
    assert classify("Compte rendu de la réunion du comité, points divers.") is DocumentType.OTHER
