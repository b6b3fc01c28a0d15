"""Header-checked CSV/XLSX tables on real files: encodings, delimiters, workbooks, unsafe files, bad rows."""

from __future__ import annotations

import codecs
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from rpa.documents.tables import Column, header_key, read_table
from rpa.errors import DocumentReadError
from rpa.findings import Severity
from rpa.money import parse_amount_guess
from tests.invoice_matching.test_offline import write_xlsx

COLUMNS = (
    Column("number", aliases=("Numéro de facture", "invoice")),
    Column("customer", aliases=("Client",)),
    Column("amount", aliases=("Montant TTC",)),
    Column("reference", required=False),
)


def refused(path: Path, **kwargs: int) -> DocumentReadError:
    with pytest.raises(DocumentReadError) as info:
        read_table(path, COLUMNS, **kwargs)  # type: ignore[arg-type]
    assert path.name in info.value.message  # every whole-file error names the file
    return info.value


def test_cp1252_semicolon_csv_with_decimal_commas(tmp_path: Path) -> None:
    path = tmp_path / "factures.csv"
    content = (
        "Numéro de facture;Client;Montant TTC;Référence\r\n"
        "FA-2024-001;Société Générale;1 234,56;\r\n"
        "FA-2024-002;Crédit Agricole;-45,50;RF18539007547034\r\n"
    )
    path.write_bytes(content.encode("cp1252"))

    rows, findings = read_table(path, COLUMNS)

    assert [dict(r) for r in rows] == [
        {"number": "FA-2024-001", "customer": "Société Générale", "amount": "1 234,56", "reference": ""},
        {
            "number": "FA-2024-002",
            "customer": "Crédit Agricole",
            "amount": "-45,50",
            "reference": "RF18539007547034",
        },
    ]
    assert [r.number for r in rows] == [2, 3]
    assert [parse_amount_guess(r["amount"]) for r in rows] == [Decimal("1234.56"), Decimal("-45.50")]
    assert [(f.code, f.severity) for f in findings] == [("TABLE_NOT_UTF8", Severity.INFO)]
    assert "cp1252" in findings[0].message and findings[0].source == "factures.csv"


def test_utf8_with_bom_comma_delimited_quoted_cells(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    content = 'number,customer,amount\r\nINV-1,"Dupont, Fils et Cie","1,234.56"\r\n'
    path.write_bytes(codecs.BOM_UTF8 + content.encode("utf-8"))
    rows, findings = read_table(path, COLUMNS)
    assert findings == []
    assert rows[0]["customer"] == "Dupont, Fils et Cie" and rows[0]["reference"] is None
    assert parse_amount_guess(rows[0]["amount"]) == Decimal("1234.56")


@pytest.mark.parametrize("delimiter", ["\t", "|", ";", ","])
def test_delimiter_is_found_on_the_header_line(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        delimiter.join(["number", "customer", "amount"]) + "\nA1" + delimiter + "Acme" + delimiter + "10\n"
    )
    rows, _ = read_table(path, COLUMNS)
    assert dict(rows[0]) == {"number": "A1", "customer": "Acme", "amount": "10", "reference": None}


def test_headers_match_without_case_accents_spaces_or_punctuation() -> None:
    assert header_key("  Numéro de FACTURE ") == header_key("numero_de_facture") == "numerodefacture"
    assert header_key("Montant T.T.C.") == header_key("montant-ttc")
    assert header_key("open_amount") != header_key("amount")


def test_xlsx_written_by_openpyxl_keeps_typed_cells(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "open.xlsx",
        [
            ["Invoice", "CLIENT", "Montant TTC"],
            ["INV-1", "Acme", 1200.5],
            [None, None, None],
            ["INV-2", "Bolt", 80],
            ["INV-3", "Cogs", datetime(2024, 3, 1)],
        ],
    )
    rows, findings = read_table(path, COLUMNS)
    assert findings == []
    assert [r.number for r in rows] == [2, 4, 5]  # the blank row 3 is skipped, numbers stay the sheet's
    assert rows[0]["amount"] == 1200.5 and isinstance(rows[0]["amount"], float)
    assert rows[1]["amount"] == 80
    assert rows[2]["amount"] == datetime(2024, 3, 1)


def test_notes_beside_a_sheet_are_ignored_and_several_empty_cells_named(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "notes.xlsx",
        [
            ["number", "customer", "amount"],
            ["INV-1", "Acme", 10, None, "checked by Anne"],
            ["INV-2", None, None],
        ],
    )
    rows, findings = read_table(path, COLUMNS)
    assert [r["number"] for r in rows] == ["INV-1"]
    assert [(f.source, f.field) for f in findings] == [("notes.xlsx, row 3", "customer")]
    assert "column 'customer': is empty, as is 'amount'" in findings[0].message


def test_a_named_sheet_and_a_missing_one(tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "Notes"
    data = book.create_sheet("Data")
    data.append(["number", "customer", "amount"])
    data.append(["INV-9", "Acme", 9])
    path = tmp_path / "two.xlsx"
    book.save(path)
    rows, _ = read_table(path, COLUMNS, sheet="Data")
    assert rows[0]["number"] == "INV-9"
    with pytest.raises(DocumentReadError, match="no sheet 'Missing'; its sheets are Notes, Data"):
        read_table(path, COLUMNS, sheet="Missing")


def test_xlsm_is_refused_by_name(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "macros.xlsm", [["number", "customer", "amount"]])
    error = refused(path)
    assert error.code == "TABLE_UNSAFE" and "macro" in error.message


def test_xlsx_holding_a_vba_project_is_refused(tmp_path: Path) -> None:
    plain = write_xlsx(tmp_path / "plain.xlsx", [["number", "customer", "amount"], ["A", "B", 1]])
    disguised = tmp_path / "disguised.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(disguised, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member, source.read(member))
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not really VBA")
    error = refused(disguised)
    assert error.code == "TABLE_UNSAFE" and "vbaProject.bin" in error.message


def test_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (32 * 1024 * 1024))
    assert bomb.stat().st_size < 100_000
    error = refused(bomb)
    assert error.code == "TABLE_UNSAFE" and "zip bomb" in error.message and "to 1" in error.message
    error = refused(bomb, max_unpacked_bytes=1024 * 1024)
    assert "over the 1,048,576 limit" in error.message


def test_missing_required_column_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    path.write_text("number;amount\nINV-1;10\n", encoding="utf-8")
    error = refused(path)
    assert error.code == "TABLE_HEADER"
    assert "has no column customer;" in error.message
    assert "the header must name number, customer, amount (optional: reference)" in error.message
    assert error.details["file"] == str(path)


def test_two_headers_meaning_the_same_column_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "double.csv"
    path.write_text("number,customer,amount,Montant TTC\n1,2,3,4\n", encoding="utf-8")
    assert "'amount' and 'Montant TTC' that both mean 'amount'" in refused(path).message


def test_bad_rows_name_file_row_and_column_and_the_rest_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    path.write_text(
        "number,customer,amount\n"
        "INV-1,Acme,10.00\n"
        "\n"
        "INV-2,,20.00\n"  # row 4: no customer
        "INV-3,Bolt,1,5\n"  # row 5: a decimal comma in a comma-separated file
        "INV-4,Cogs,30.00\n",
        encoding="utf-8",
    )
    rows, findings = read_table(path, COLUMNS, row_code="OPEN_ITEM_INVALID")
    assert [(r.number, r["number"]) for r in rows] == [(2, "INV-1"), (6, "INV-4")]
    empty, shape = findings
    assert (empty.code, empty.severity, empty.source, empty.field) == (
        "OPEN_ITEM_INVALID",
        Severity.ERROR,
        "open.csv, row 4",
        "customer",
    )
    assert empty.message == "open.csv row 4, column 'customer': is empty; the row was skipped."
    assert shape.source == "open.csv, row 5" and "4 cells where the header has 3" in shape.message
    assert "delimiter" in shape.message


def test_utf16_and_binary_files_are_refused(tmp_path: Path) -> None:
    utf16 = tmp_path / "excel-unicode.csv"
    utf16.write_bytes("number\tcustomer\tamount\r\nA\tB\t1\r\n".encode("utf-16"))
    error = refused(utf16)
    assert error.code == "TABLE_ENCODING" and "UTF-16" in error.message
    png = tmp_path / "photo.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert refused(png).code == "TABLE_ENCODING"
    noise = tmp_path / "noise.csv"
    noise.write_bytes(bytes(range(1, 256)) * 40)
    assert "binary" in refused(noise).message


def test_old_xls_and_damaged_xlsx_are_refused(tmp_path: Path) -> None:
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    assert refused(xls).code == "TABLE_UNSUPPORTED"
    whole = write_xlsx(
        tmp_path / "whole.xlsx", [["number", "customer", "amount"], ["A", "B", 1]]
    ).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole[: len(whole) // 2])
    assert refused(cut).code == "TABLE_UNREADABLE"
    not_zip = tmp_path / "fake.xlsx"
    not_zip.write_text("number,customer,amount\n")
    assert "not a zip" in refused(not_zip).message


def test_size_cap_empty_file_and_missing_file(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_text("number,customer,amount\n" + "INV,Acme,1.00\n" * 50)
    assert refused(big, max_bytes=100).code == "TABLE_TOO_LARGE"
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    assert "is empty" in refused(empty).message
    assert refused(tmp_path / "gone.csv").code == "TABLE_UNREADABLE"
