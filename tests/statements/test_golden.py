"""Golden files: CFONB 120 and CSV inputs beside the statements they must give, field by field."""

from __future__ import annotations

import json
import os
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from rpa.documents.statements import Statement, parse_statement

GOLDEN = Path(__file__).resolve().parent / "golden"

CASES = ["releve_cfonb120.txt", "releve_fr_banque.csv", "export_generic.csv"]


def as_data(statements: list[Statement]) -> list[dict[str, Any]]:
    def plain(value: object) -> object:
        return value if value is None or isinstance(value, bool | str) else str(value)

    return [
        {
            **{f.name: plain(getattr(s, f.name)) for f in fields(s) if f.name not in {"lines", "findings"}},
            "findings": [finding.as_dict() for finding in s.findings],
            "lines": [
                {f.name: plain(getattr(line, f.name)) for f in fields(line) if f.name != "raw"}
                for line in s.lines
            ],
        }
        for s in statements
    ]


@pytest.mark.parametrize("name", CASES)
def test_golden_file_reads_as_recorded(name: str) -> None:
    source = GOLDEN / name
    expected_path = GOLDEN / f"{name}.expected.json"
    got = as_data(parse_statement(source))
    if os.environ.get("RPA_UPDATE_GOLDEN") == "1":
        expected_path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(expected_path.read_text(encoding="utf-8"))


def test_cfonb_amounts_follow_the_sign_convention_and_balance() -> None:
    [statement] = parse_statement(GOLDEN / "releve_cfonb120.txt")
    amounts = [str(line.amount) for line in statement.lines]
    assert amounts == ["1250.00", "-89.90", "-45.67"]  # '{' = +0, '}' = -0, 'P' = -7
    assert statement.opening_balance is not None
    assert (
        statement.opening_balance + sum(line.amount for line in statement.lines) == statement.closing_balance
    )
    # bank 30002, branch 00550, account 0000157841Z: RIB key 25, so the IBAN is complete and checkable
    assert statement.account_iban == "FR3330002005500000157841Z25"
    credit, debit, card = statement.lines
    assert (credit.counterparty_name, credit.end_to_end_id) == ("ACME SARL", "E2E-INV-2024-001")
    assert "FACTURE F2024-001" in credit.remittance
    assert debit.counterparty_name == "EDF SA"  # beneficiary of a debit, not the NPY line
    assert card.bank_reference == "" and card.line_id.startswith(statement.statement_id)


def test_cfonb_records_without_line_breaks_read_the_same(tmp_path: Path) -> None:
    original = (GOLDEN / "releve_cfonb120.txt").read_bytes()
    glued = tmp_path / "glued.txt"
    glued.write_bytes(original.replace(b"\r\n", b""))

    def without_source(path: Path) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in line.items() if k != "source"}
            for line in as_data(parse_statement(path))[0]["lines"]
        ]

    assert without_source(glued) == without_source(GOLDEN / "releve_cfonb120.txt")


def test_csv_debit_credit_columns_give_signed_amounts_and_profile_is_recognised() -> None:
    [statement] = parse_statement(GOLDEN / "releve_fr_banque.csv")
    assert statement.format == "csv:fr_banque"
    assert [str(line.amount) for line in statement.lines] == ["1250.00", "-89.90", "-4.50", "-4.50"]
    assert statement.lines[2].remittance == "CB CAFÉ DE LA GARE"  # decoded from Windows-1252
    assert statement.lines[2].line_id != statement.lines[3].line_id  # two identical coffees stay two lines


def test_csv_profile_can_be_forced_by_name() -> None:
    [statement] = parse_statement(GOLDEN / "export_generic.csv", csv_profile="generic")
    jpy = statement.lines[2]
    assert (jpy.currency, str(jpy.amount)) == (
        "JPY",
        "-1500",
    )  # quantized to the currency: no decimals for yen
