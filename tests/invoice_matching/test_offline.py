"""`rpa reconcile` end to end on real files: statements and open items in, decisions and workbook out."""

from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from bots.invoice_matching.offline import reconcile_files
from bots.invoice_matching.open_items import HEADER, read_open_items
from bots.invoice_matching.references import rf_from
from rpa.errors import DocumentReadError

CORPUS = Path(os.environ.get("RPA_CORPUS", Path(__file__).resolve().parents[2].parent / "shared" / "corpus"))
TODAY = date(2024, 4, 30)
REF = rf_from("7001")
STATEMENT = [
    [
        "date",
        "value_date",
        "amount",
        "currency",
        "counterparty",
        "counterparty_iban",
        "description",
        "end_to_end_id",
        "creditor_reference",
        "reference",
        "account",
    ],
    [
        "2024-04-02",
        "2024-04-02",
        "1200.00",
        "EUR",
        "Alpha Trading",
        "DE89370400440532013000",
        "Invoice INV-2024-0001",
        "",
        "",
        "BNK-1",
        "FR7630006000011234567890189",
    ],
    [
        "2024-04-03",
        "2024-04-03",
        "80.00",
        "EUR",
        "Beta SARL",
        "",
        "",
        "",
        REF,
        "BNK-2",
        "FR7630006000011234567890189",
    ],
    [
        "2024-04-04",
        "2024-04-04",
        "45.50",
        "EUR",
        "Gamma",
        "FR1420041010050500013M02606",
        '=HYPERLINK("http://x","y")',
        "",
        "",
        "BNK-3",
        "FR7630006000011234567890189",
    ],
    [
        "2024-04-05",
        "2024-04-05",
        "-19.99",
        "EUR",
        "Shop",
        "",
        "@SUM(A1)",
        "",
        "",
        "BNK-4",
        "FR7630006000011234567890189",
    ],
]
ITEMS = [
    list(HEADER),
    [
        "INV-2024-0001",
        "C1",
        "Alpha Trading GmbH",
        "DE89370400440532013000",
        "2024-03-01",
        "2024-03-31",
        "1200,00",
        "1200,00",
        "EUR",
        "",
    ],
    ["INV-2024-0002", "C2", "Beta SARL", "", "01/03/2024", "31/03/2024", "80.00", "80.00", "EUR", REF],
    [
        "INV-2024-0003",
        "C3",
        "Gamma",
        "FR1420041010050500013M02606",
        "2024-03-05",
        "2024-04-05",
        "45.50",
        "45.50",
        "EUR",
        "",
    ],
    ["INV-BAD-1", "C4", "Delta", "", "2024-13-45", "2024-04-05", "10.00", "10.00", "EUR", ""],
    ["INV-BAD-2", "C4", "Delta", "", "2024-03-01", "2024-04-05", "ten", "10.00", "EUR", ""],
]


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def decisions(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["line_id"]: row for row in csv.DictReader(handle)}


@pytest.mark.parametrize("items_format", ["csv", "xlsx"])
def test_reconcile_csv_statement_against_open_items(tmp_path: Path, items_format: str) -> None:
    statement = write_csv(tmp_path / "statement.csv", STATEMENT)
    broken = tmp_path / "broken.xml"
    broken.write_text("<Document><BkToCstmrStmt><Stmt>", encoding="utf-8")
    open_items = (
        write_xlsx(tmp_path / "open.xlsx", ITEMS)
        if items_format == "xlsx"
        else write_csv(tmp_path / "open.csv", ITEMS, delimiter=";")
    )
    out = tmp_path / "out"

    summary = reconcile_files([statement, broken], open_items, out, today=TODAY)

    assert (summary.lines, summary.auto, summary.exceptions) == (4, 3, 1)
    assert len(summary.file_errors) == 1 and "broken.xml" in summary.file_errors[0]
    assert len(summary.item_errors) == 2
    assert any("row 5" in e and "issue_date" in e for e in summary.item_errors)
    assert any("row 6" in e and "'amount'" in e for e in summary.item_errors)
    rows = decisions(out / "decisions.csv")
    assert set(rows) == {"BNK-1", "BNK-2", "BNK-3", "BNK-4"}
    assert (rows["BNK-1"]["decision"], rows["BNK-1"]["invoices"], rows["BNK-1"]["allocated"]) == (
        "auto",
        "INV-2024-0001",
        "1200.00",
    )
    assert rows["BNK-2"]["reason_code"] == "MATCHED_CREDITOR_REFERENCE"
    assert rows["BNK-4"]["decision"] == "exception" and rows["BNK-4"]["reason_code"] == "DEBIT_LINE"
    assert rows["BNK-3"]["remittance"] == "'" + '=HYPERLINK("http://x","y")'
    raw = (out / "decisions.csv").read_text(encoding="utf-8")
    assert not any(cell.startswith(("=", "@", "+")) for row in csv.reader(raw.splitlines()) for cell in row)
    book = load_workbook(out / "report.xlsx")
    assert book["Auto"].max_row == 4 and book["Exceptions"].max_row == 2
    assert any("broken.xml" in str(c.value) for c in book["Problems"]["A"])


def test_an_unreadable_open_items_file_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "open.csv"
    bad.write_text("number;amount\nINV-1;10\n", encoding="utf-8")
    with pytest.raises(DocumentReadError, match="has no column customer_id"):
        read_open_items(bad)


def test_reconcile_a_real_camt_statement(tmp_path: Path) -> None:
    camt = CORPUS / "statements" / "camt" / "camt053.v2.minimal.xml"
    if not camt.is_file():
        pytest.skip(f"real-world corpus not found at {CORPUS} (set RPA_CORPUS)")
    items = write_csv(tmp_path / "open.csv", [list(HEADER)])
    summary = reconcile_files([camt], items, tmp_path / "out", today=date(2030, 1, 1))
    assert summary.file_errors == () and summary.lines > 0
    rows = decisions(tmp_path / "out" / "decisions.csv")
    assert len(rows) == summary.lines and all(
        r["decision"] in {"auto", "suggested", "exception"} for r in rows.values()
    )
    assert summary.auto == 0  # nothing is open, so nothing may be posted
