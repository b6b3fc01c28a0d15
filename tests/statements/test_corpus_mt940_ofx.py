"""MT940 and OFX files from the corpus: counts, sums, ids and parties checked against the files' text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from rpa.documents.statements import detect_format, parse_statement
from rpa.errors import DocumentReadError

EMPTY_OFX = "bank_small.ofx"


def test_every_mt940_and_ofx_file_is_read_and_detected(statements_corpus: Path) -> None:
    for folder, fmt in (("mt940", "mt940"), ("ofx", "ofx")):
        files = sorted((statements_corpus / folder).iterdir())
        assert files
        for path in files:
            assert detect_format(path.read_bytes()) == fmt, path.name
            if path.name == EMPTY_OFX:
                continue  # an <OFX> with nothing inside: refused with the reason, see below
            parse_statement(path)  # raises with file and place if anything is wrong


def test_betterplace_sepa_every_statement_balances(statements_corpus: Path) -> None:
    path = statements_corpus / "mt940" / "betterplace_sepa_mt9401.sta"
    statements = parse_statement(path)
    text = path.read_text(encoding="latin-1")
    assert len(statements) == text.count(":20:")
    assert sum(len(s.lines) for s in statements) == text.count(":61:")
    for s in statements:
        # opening + movements = closing proves signs (incl. RC reversals) and amounts are read right
        assert s.opening_balance is not None
        assert s.opening_balance + sum(line.amount for line in s.lines) == s.closing_balance, s.statement_id
    first = statements[0]
    assert first.account_iban == "50880050/0194774600888"
    assert (first.lines[0].line_id, first.lines[0].amount) == ("0724710345313905", Decimal("300.00"))
    reversal = first.lines[5]  # :61:0709040904RCR204,88 — reversal of a credit: money goes out
    assert (reversal.amount, reversal.reversal) == (Decimal("-204.88"), True)
    incoming = statements[1].lines[0]
    assert incoming.end_to_end_id == "EndToEndIdTFNR2000400001"
    assert incoming.counterparty_iban == "DE42100100100043921105"
    assert incoming.remittance.startswith("TO 13 TFNr 20004 Eingangskanal Mint")


def test_german_subfields_with_60_to_63(statements_corpus: Path) -> None:
    [s] = parse_statement(statements_corpus / "mt940" / "self-provided_details_60-63.sta")
    [line] = s.lines
    assert (line.amount, line.booking_date) == (Decimal("-233.15"), date(2017, 9, 14))
    assert line.counterparty_name == "Finanzamt Muenchen Abteilung Erhebung"
    assert line.counterparty_iban == "DE99700500000000012345"
    assert line.end_to_end_id == "123/123/12345-----L110"
    assert "ABWA+Finanzamt Muenchen" in line.remittance


def test_rabobank_slash_keywords_and_iban_in_supplementary_details(statements_corpus: Path) -> None:
    first, second = parse_statement(statements_corpus / "mt940" / "jejik_rabobank-iban.sta")
    contra, john = first.lines
    assert contra.counterparty_name == "CONTRA ACCOUNT HOLDER"  # wrapped mid-word over two lines
    assert contra.counterparty_iban == "NL70ABNA0987654321"
    assert contra.end_to_end_id == "01-01-2013 12:00 0030000987654321"
    assert (john.counterparty_name, john.remittance) == ("JOHN DOE", "Reference 201301234")
    assert second.opening_balance == first.closing_balance == Decimal("965.00")


def test_repeated_bank_reference_gets_distinct_line_ids(statements_corpus: Path) -> None:
    statements = parse_statement(statements_corpus / "mt940" / "cmxl_mt940.sta")
    assert [len(s.lines) for s in statements] == [11, 2, 3]
    rent, salary = statements[1].lines
    assert (rent.line_id, salary.line_id) == ("55555/1", "55555/2")
    assert (rent.bank_reference, salary.bank_reference) == ("55555", "55555")
    assert (rent.counterparty_name, rent.remittance, rent.amount) == (
        "MUELLER",
        "Miete November",
        Decimal("-800.00"),
    )
    assert rent.value_date == date(2002, 11, 1) and rent.booking_date == date(2002, 11, 2)  # :61:0211011102
    assert statements[0].currency == "DEM"


def test_dutch_banks_free_text_and_triodos_separator(statements_corpus: Path) -> None:
    abn = parse_statement(statements_corpus / "mt940" / "jejik_abnamro.sta")
    assert [len(s.lines) for s in abn] == [8, 2]
    assert [sum(line.amount for line in s.lines) for s in abn] == [Decimal("-321.44"), Decimal("-24.49")]
    assert (
        "0000000421886595314606715" in abn[0].lines[0].remittance
    )  # a reference cut at the line end, rejoined
    ing = parse_statement(statements_corpus / "mt940" / "jejik_ing.sta")[0]
    assert len(ing.lines) == 7 and sum(line.amount for line in ing.lines) == Decimal("-45.59")
    triodos = parse_statement(statements_corpus / "mt940" / "jejik_triodos.sta")[0]
    assert triodos.lines[1].remittance == "HUUR KANTOOR - FEB 2010"
    generic = parse_statement(statements_corpus / "mt940" / "jejik_generic.sta")
    assert [s.statement_id for s in generic] == ["GENERIC/1", "GENERIC/2"]
    assert generic[0].lines[0].line_id != generic[1].lines[0].line_id


def test_mt940_amount_formats(statements_corpus: Path) -> None:
    statements = parse_statement(statements_corpus / "mt940" / "betterplace_amount_formats.sta")
    assert [str(s.opening_balance) for s in statements] == [
        "380115.12",
        "380115.10",
        "380115.00",
        "0.12",
        "0.12",
        "1.12",
    ]


def test_ofx_sgml_statement(statements_corpus: Path) -> None:
    [s] = parse_statement(statements_corpus / "ofx" / "bank_medium.ofx")
    assert (s.account_iban, s.currency, s.closing_balance) == ("12300000012345678", "CAD", Decimal("382.34"))
    assert [line.line_id for line in s.lines] == [
        "0000123456782009040100001",
        "0000123456782009040200004",
        "0000123456782009040300005",
    ]
    assert sum(line.amount for line in s.lines) == Decimal("-345.27")
    first = s.lines[0]
    assert (first.counterparty_name, first.remittance) == (
        "MCDONALD'S #112",
        "POS MERCHANDISE;MCDONALD'S #112",
    )
    assert first.booking_date == date(2009, 4, 1)
    assert "<FITID>0000123456782009040100001" in first.raw


def test_ofx_indented_sgml_and_xml_multi_account(statements_corpus: Path) -> None:
    [checking] = parse_statement(statements_corpus / "ofx" / "checking.ofx")
    assert [line.line_id for line in checking.lines] == ["0000486", "0000487", "0000488"]
    assert [line.amount for line in checking.lines] == [Decimal("0.01"), Decimal("-34.51"), Decimal("-25.00")]
    assert checking.closing_balance == Decimal("100.99") and checking.currency == "USD"
    accounts = parse_statement(statements_corpus / "ofx" / "multiple_accounts.ofx")
    assert [(s.account_iban, s.closing_balance, len(s.lines)) for s in accounts] == [
        ("9100", Decimal("111.00"), 0),
        ("9200", Decimal("222.00"), 0),
    ]
    with pytest.raises(DocumentReadError) as refused:
        parse_statement(statements_corpus / "ofx" / EMPTY_OFX)
    assert refused.value.code == "STATEMENT_EMPTY"
    assert "no bank or card statement in this file" in refused.value.message
