"""camt.052/053/054 files from the corpus, compared with another library's reading (.expected.json)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rpa.documents.statements import BankLine, parse_statement


def camt_files(corpus: Path) -> list[Path]:
    return sorted((corpus / "camt").glob("*.xml"))


def expected_entries(xml: Path) -> list[dict[str, Any]]:
    data = json.loads(xml.with_suffix(".expected.json").read_text(encoding="utf-8"))
    return list(data["getEntries"])


def minor_to_decimal(money: dict[str, Any]) -> Decimal:
    return Decimal(money["getAmount"]).scaleb(-2)  # every currency of these files has cents


def party(entry_detail: dict[str, Any], kind: str) -> dict[str, Any] | None:
    for related in entry_detail.get("getRelatedParties") or []:
        if related["getRelatedPartyType"]["__CLASS__"].endswith(kind):
            return dict(related)
    return None


def test_every_camt_file_is_read(statements_corpus: Path) -> None:
    files = camt_files(statements_corpus)
    assert len(files) >= 7
    for path in files:
        statements = parse_statement(path)
        assert statements, path.name
        assert all(s.format.startswith("camt.05") for s in statements)


@pytest.mark.parametrize(
    "name",
    [
        "camt052.v2",
        "camt053.v2.minimal",
        "camt053.v2.multi.statement",
        "camt053.v2.with-party-ids",
        "camt053.v4",
        "camt053.v8",
        "camt054.v2.with-account-name",
    ],
)
def test_camt_entries_agree_with_the_reference_reading(statements_corpus: Path, name: str) -> None:
    path = statements_corpus / "camt" / f"{name}.xml"
    statements = {s.statement_id: s for s in parse_statement(path)}
    for entry in expected_entries(path):
        record_id = entry["getRecord"]["getId"]
        line: BankLine = statements[record_id].lines[entry["getIndex"]]
        assert line.amount == minor_to_decimal(entry["getAmount"])
        assert line.currency == entry["getAmount"]["getCurrency"]["getCode"]
        assert (line.amount < 0) == (entry["getCreditDebitIndicator"] == "DBIT")
        assert line.reversal == bool(entry["getReversalIndicator"])
        if entry.get("getBookingDate"):
            assert line.booking_date == date.fromisoformat(entry["getBookingDate"]["0"][:10])
        if entry.get("getValueDate"):
            assert line.value_date == date.fromisoformat(entry["getValueDate"]["0"][:10])
        assert line.bank_reference == (entry["getAccountServicerReference"] or "")
        detail = entry["getTransactionDetail"]
        refs = detail.get("getReference") or {}
        assert line.end_to_end_id == (refs.get("getEndToEndId") or "")
        remittance = detail.get("getRemittanceInformation") or {}
        if remittance.get("getCreditorReferenceInformation"):
            assert line.creditor_reference == remittance["getCreditorReferenceInformation"]["getRef"]
        if remittance.get("getUnstructuredBlock"):
            assert line.remittance == remittance["getUnstructuredBlock"]["getMessage"]
        # Money in: the counterparty is the debtor; money out: the creditor.
        other = party(detail, "Debtor" if line.amount > 0 else "Creditor")
        if other is not None:
            assert line.counterparty_name == other["getRelatedPartyType"]["getName"]
            assert line.counterparty_iban == other["getAccount"]["getIban"]["getIban"]


def test_camt054_party_that_is_the_account_owner_is_not_taken_as_counterparty(
    statements_corpus: Path,
) -> None:
    # The only related party is the debtor of a debit, on the statement's own account: that is us.
    [statement] = parse_statement(statements_corpus / "camt" / "camt054.v2.with-account-name.xml")
    [line] = statement.lines
    assert statement.account_iban == "CH2801234000123456789"
    assert (line.counterparty_name, line.counterparty_iban) == ("", "")
    # no booking date in the notification: the notification's creation date stands in
    assert line.booking_date == date(2007, 10, 18)


def test_camt053_statement_details(statements_corpus: Path) -> None:
    first, second = parse_statement(statements_corpus / "camt" / "camt053.v2.multi.statement.xml")
    assert (first.statement_id, second.statement_id) == (
        "253EURNL26VAYB8060476890",
        "254EURNL26VAYB8060476890",
    )
    assert (first.opening_balance, first.closing_balance) == (Decimal("18.15"), Decimal("27.00"))
    assert first.opening_balance is not None
    assert first.opening_balance + first.lines[0].amount == first.closing_balance
    assert second.lines[0].counterparty_name == "Company Name 2"
    assert "Stmt[2]/Ntry[1]" in second.lines[0].source


def test_camt_versions_read_alike(statements_corpus: Path) -> None:
    v2, v4, v8 = (
        parse_statement(statements_corpus / "camt" / f"camt053.{v}.xml")[0].lines[0]
        for v in ("v2.minimal", "v4", "v8")
    )
    for line in (v2, v4, v8):
        assert (line.amount, line.counterparty_name, line.creditor_reference) == (
            Decimal("8.85"),
            "NAME NAME",
            "4654654654654654",
        )
    assert v8.end_to_end_id == "MUELL/FINP/RA12345"  # v8 nests names under Pty
    assert v4.line_id == v8.line_id == "AAAASESS-FP-CN_98765/01"
