"""Reading the open-items file for dunning: invoices, their customers and their history from real CSV and
XLSX files; a bad row is a finding naming file, row and column, and the other rows still count."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from bots.client_reminders.model import SentReminder
from bots.client_reminders.open_items import NO_EMAIL, ROW_INVALID, read_open_items
from rpa.errors import DocumentReadError
from rpa.findings import Severity

BASE = [
    "number",
    "customer_id",
    "customer_name",
    "issue_date",
    "due_date",
    "amount",
    "open_amount",
    "currency",
]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_the_reconcile_columns_alone_are_enough(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "items.csv",
        [*BASE, "customer_iban", "reference"],
        [["F-1", "C1", "Alpha", "2026-01-01", "31/01/2026", "1 234,56", "1234.56", "eur", "", "R1"]],
    )
    read = read_open_items(path)
    [inv] = read.invoices
    assert (inv.number, inv.customer_id, inv.due_date, inv.open_amount, inv.currency) == (
        "F-1", "C1", date(2026, 1, 31), Decimal("1234.56"), "EUR",
    )  # fmt: skip
    assert (inv.status, inv.last_reminder, inv.promised_until) == ("open", None, None)
    [who] = read.customers
    # No email column: the customer is held back, and the reason is said.
    assert (who.id, who.name, who.language, who.do_not_remind) == ("C1", "Alpha", "fr", True)
    assert "no email address" in who.do_not_remind_reason
    assert [f.code for f in read.findings] == [NO_EMAIL]
    assert read.findings[0].severity is Severity.WARNING and not read.errors


def test_the_optional_columns_fill_the_policy_model(tmp_path: Path) -> None:
    header = [*BASE, "email", "language", "time_zone", "business", "status", "promised_until",
              "do_not_remind", "do_not_remind_reason", "last_reminder_level", "last_reminder_date",
              "paid_since_last_reminder", "last_paid_on"]  # fmt: skip
    rows = [
        ["F-1", "C1", "Alpha", "2026-01-01", "2026-02-01", "800", "500", "EUR", "ar@alpha.fr", "EN",
         "America/Montreal", "no", "", "2026-03-20", "", "", "first", "2026-03-02", "300", "2026-03-10"],
        ["F-2", "C1", "Alpha", "2026-01-05", "2026-02-05", "90", "90", "EUR", "", "", "", "", "disputed", "",
         "", "", "", "", "", ""],
        ["F-3", "C2", "Beta", "2026-01-05", "2026-02-05", "90", "90", "EUR", "b@beta.fr", "fr", "", "",
         "", "", "oui", "insolvency proceedings", "", "", "", ""],
    ]  # fmt: skip
    read = read_open_items(write_csv(tmp_path / "items.csv", header, rows))
    assert not read.findings
    f1, f2, f3 = read.invoices
    assert (f1.status, f1.promised_until) == ("promised", date(2026, 3, 20))  # a promise date says it
    assert f1.last_reminder == SentReminder("first", date(2026, 3, 2))
    assert (f1.paid_since_last_reminder, f1.last_paid_on) == (Decimal("300"), date(2026, 3, 10))
    assert f2.status == "disputed" and f3.status == "open"
    alpha, beta = read.customers
    assert (alpha.email, alpha.language, alpha.time_zone, alpha.business) == (
        "ar@alpha.fr", "en", "America/Montreal", False,
    )  # fmt: skip
    assert (beta.do_not_remind, beta.do_not_remind_reason) == (True, "insolvency proceedings")


def test_a_bad_row_is_a_finding_and_the_other_rows_still_count(tmp_path: Path) -> None:
    header = [*BASE, "email", "language", "time_zone", "status", "last_reminder_level", "last_reminder_date"]
    rows = [
        ["F-1", "C1", "Alpha", "2026-01-01", "2026-02-01", "100", "100", "EUR", "a@x.fr", "", "", "", "", ""],
        ["F-2", "C1", "Alpha", "2026-01-01", "someday", "100", "100", "EUR", "", "", "", "", "", ""],
        ["F-3", "C1", "Alpha", "2026-01-01", "2026-02-01", "12,345", "12,345", "EUR", "", "", "", "", "", ""],
        ["F-4", "C2", "Beta", "2026-01-01", "2026-02-01", "100", "100", "EUR", "b@x.fr", "", "Mars/Olympus",
         "", "", ""],
        ["F-5", "C3", "Gamma", "2026-01-01", "2026-02-01", "100", "100", "EUR", "not an address", "", "", "",
         "", ""],
        ["F-6", "C1", "Alpha", "2026-01-01", "2026-02-01", "100", "100", "EUR", "", "", "", "lost", "", ""],
        ["F-7", "C1", "Alpha", "2026-01-01", "2026-02-01", "100", "100", "EUR", "", "", "", "", "third", ""],
        ["F-8", "C1", "Alpha", "2026-01-01", "2026-02-01", "100", "100", "EUR", "", "", "", "", "first", ""],
        ["F-1", "C1", "Alpha", "2026-01-01", "2026-02-01", "100", "100", "EUR", "", "", "", "", "", ""],
        ["F-9", "C1", "Alpha", "2026-01-01", "2026-02-01", "", "100", "EUR", "", "", "", "", "", ""],
        ["F-10", "C1", "Alpha", "2026-01-01", "2026-02-01", "100", "100", "EUR", "", "", "", "", "", ""],
    ]  # fmt: skip
    read = read_open_items(write_csv(tmp_path / "items.csv", header, rows))
    assert [i.number for i in read.invoices] == ["F-1", "F-10"]
    where = [(f.code, f.source, f.field) for f in read.errors]
    assert where == [
        ("OPEN_ITEM_INVALID", "items.csv, row 11", "amount"),  # empty required cells: the table reader
        (ROW_INVALID, "items.csv, row 3", "due_date"),
        (ROW_INVALID, "items.csv, row 4", "amount"),
        (ROW_INVALID, "items.csv, row 5", "time_zone"),
        (ROW_INVALID, "items.csv, row 6", "email"),
        (ROW_INVALID, "items.csv, row 7", "status"),
        (ROW_INVALID, "items.csv, row 8", "last_reminder_level"),
        (ROW_INVALID, "items.csv, row 9", "last_reminder_date"),
        (ROW_INVALID, "items.csv, row 10", "number"),
    ]
    messages = {f.field: f.message for f in read.errors}
    assert messages["due_date"] == (
        "items.csv row 3, column 'due_date': 'someday' is not a date; write YYYY-MM-DD or DD/MM/YYYY; "
        "the row was skipped."
    )
    assert "already on row 2" in messages["number"]
    assert "Mars/Olympus" in messages["time_zone"]


def test_a_customer_whose_rows_disagree_is_warned_about(tmp_path: Path) -> None:
    header = [*BASE, "email"]
    rows = [
        ["F-1", "C1", "Alpha", "2026-01-01", "2026-02-01", "100", "100", "EUR", "a@alpha.fr"],
        ["F-2", "C1", "Alpha", "2026-01-01", "2026-02-01", "100", "100", "EUR", ""],
        ["F-3", "C1", "Alpha", "2026-01-01", "2026-02-01", "100", "100", "EUR", "other@alpha.fr"],
    ]
    read = read_open_items(write_csv(tmp_path / "items.csv", header, rows))
    assert len(read.invoices) == 3 and read.customers[0].email == "a@alpha.fr"
    assert [(f.code, f.source, f.severity) for f in read.findings] == [
        ("CUSTOMER_DETAILS_DIFFER", "items.csv, row 4", Severity.WARNING)
    ]


def test_an_xlsx_export_with_typed_cells_is_read(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([*BASE, "Email", "Language", "Promised until"])
    sheet.append(["F-1", "C1", "Alpha", date(2026, 1, 1), date(2026, 2, 1), 1200.5, 1200.5, "EUR",
                  "a@alpha.fr", "en", date(2026, 3, 20)])  # fmt: skip
    path = tmp_path / "items.xlsx"
    book.save(path)
    read = read_open_items(path)
    [inv] = read.invoices
    assert (inv.open_amount, inv.due_date, inv.promised_until) == (
        Decimal("1200.50"), date(2026, 2, 1), date(2026, 3, 20),
    )  # fmt: skip
    assert read.customers[0].language == "en" and not read.findings


@pytest.mark.parametrize("name", ["missing.csv", "items.xls"])
def test_an_unreadable_file_raises_naming_it(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".xls"):
        path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(DocumentReadError) as caught:
        read_open_items(path)
    assert str(path) in caught.value.message and caught.value.code == "OPEN_ITEMS_UNREADABLE"
