"""Findings as data: where they point, how they travel into audit details, how an error becomes one."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from rpa.documents.statements import parse_statement
from rpa.documents.tables import Column, read_table
from rpa.errors import DocumentReadError
from rpa.findings import Finding, Severity


def test_where_as_dict_and_str() -> None:
    finding = Finding(
        "OPEN_ITEM_INVALID", Severity.ERROR, "row 5: 'ten' is not an amount", "open.csv, row 5", "amount"
    )
    assert finding.where == "open.csv, row 5, amount"
    assert Finding("DUPLICATE_INVOICE", Severity.ERROR, "listed twice", "INV-1").where == "INV-1"
    assert str(finding) == "[OPEN_ITEM_INVALID] row 5: 'ten' is not an amount"
    details = finding.as_dict()
    assert details == {
        "code": "OPEN_ITEM_INVALID",
        "severity": "error",
        "message": "row 5: 'ten' is not an amount",
        "source": "open.csv, row 5",
        "field": "amount",
    }
    assert json.loads(json.dumps(details)) == details  # plain strings, ready for the audit trail
    assert [str(s) for s in Severity] == ["info", "warning", "error"]  # StrEnum: the value is the text


def test_findings_are_immutable_and_comparable() -> None:
    a = Finding("X", Severity.INFO, "m", "s")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.code = "Y"  # type: ignore[misc]
    assert a == Finding("X", Severity.INFO, "m", "s") and len({a, Finding("X", Severity.INFO, "m", "s")}) == 1


def test_from_a_statement_reader_error(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("date,amount\n2024-03-04,ten\n", encoding="utf-8")
    with pytest.raises(DocumentReadError) as info:
        parse_statement(path, csv_profile="generic")
    finding = Finding.from_error(info.value)
    assert (finding.code, finding.severity, finding.source, finding.field) == (
        "STATEMENT_MALFORMED",
        Severity.ERROR,
        "a.csv",
        "line 2, column 'amount'",
    )
    assert finding.message == info.value.message and "'ten' is not an amount" in finding.message


def test_from_a_table_error_and_from_row_details(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    path.write_text("number\nINV-1\n", encoding="utf-8")
    with pytest.raises(DocumentReadError) as info:
        read_table(path, [Column("number"), Column("amount")])
    finding = Finding.from_error(info.value, severity=Severity.WARNING)
    assert (finding.code, finding.severity, finding.source, finding.field) == (
        "TABLE_HEADER",
        Severity.WARNING,
        str(path),
        "",
    )
    row_error = DocumentReadError(
        "open.csv row 6, column 'amount': 'ten' is not an amount",
        code="OPEN_ITEM_INVALID",
        details={"file": "open.csv", "row": 6, "column": "amount"},
    )
    assert Finding.from_error(row_error).where == "open.csv, row 6, amount"
    keyed = DocumentReadError("no file here", code="X", item_key="BNK-1")
    assert Finding.from_error(keyed).source == "BNK-1"
