"""The workbook as a person opens it: sheets, frozen headers, filters, formats, and no hostile formula."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from bots.invoice_matching.report import write_report
from rpa.documents.excel import neutralize, safe_cell

from .builders import TODAY, item, line, run

HOSTILE = ['=HYPERLINK("http://x","y")', "@SUM(A1)", "-2+3", "+1", "\t=1+1", "\r=1"]


def test_safe_cell_neutralises_text_and_keeps_typed_values() -> None:
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("INV-1") == "INV-1" and safe_cell(None) is None
    assert safe_cell(date(2024, 1, 2)) == date(2024, 1, 2) and safe_cell(3) == 3
    assert neutralize("-2+3") == "'-2+3"


def test_report_sheets_layout_formats_and_hostile_text(tmp_path: Path) -> None:
    items = [item("INV-1001", "100.00"), item("INV-1002", "55.00", name=HOSTILE[0])]
    lines = [
        line("A1", "100.00", end_to_end_id="INV-1001", remittance=HOSTILE[0], counterparty_name=HOSTILE[1]),
        *[
            line(f"H{i}", f"{10 + i}.00", remittance=text, counterparty_name=text)
            for i, text in enumerate(HOSTILE)
        ],
        line("=B1", "-5.00", remittance="@cmd"),
    ]
    result = run(lines, items)
    path = tmp_path / "report.xlsx"
    write_report(path, result.decisions, today=TODAY, problems=["=1+2 in a problem"])

    book = load_workbook(path)
    assert book.sheetnames == ["Summary", "Auto", "Suggested", "Exceptions", "Problems"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
    summary = {row[0].value: row for row in book["Summary"].iter_rows(min_row=2)}
    assert summary["all lines"][1].value == len(lines) and summary["auto"][1].value == 1
    assert summary["all lines"][2].number_format == "#,##0.00"

    auto = book["Auto"]
    header = [c.value for c in auto[1]]
    row = {name: cell for name, cell in zip(header, auto[2], strict=True)}
    assert row["invoices"].value == "INV-1001" and row["allocated"].value == 100
    assert row["amount"].number_format == "#,##0.00" and row["allocated"].number_format == "#,##0.00"
    assert row["booking_date"].is_date and row["booking_date"].number_format == "yyyy-mm-dd"

    texts = []
    for sheet in book.worksheets:
        for cells in sheet.iter_rows():
            for cell in cells:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    for hostile in HOSTILE[:5]:  # (the XML file format stores a carriage return as a line feed)
        assert "'" + hostile in texts  # kept readable, marked as text
    assert "'=B1" in texts and "'=1+2 in a problem" in texts
