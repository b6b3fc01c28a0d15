"""Open-items export of the ERP (CSV and XLSX), protected against spreadsheet formula injection."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from legacy_apps.erp.state import ErpState

HEADER = (
    "number", "customer_id", "customer_name", "customer_iban", "issue_date", "due_date", "amount",
    "open_amount", "currency", "reference",
)  # fmt: skip


def safe_text(value: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _rows(state: ErpState) -> list[list[str]]:
    return [
        [
            r.invoice.number,
            r.customer.customer_id,
            safe_text(r.customer.name),
            r.customer.iban,
            r.invoice.issue_date.isoformat(),
            r.invoice.due_date.isoformat(),
            f"{r.invoice.amount:.2f}",
            f"{r.open_amount:.2f}",
            r.invoice.currency,
            safe_text(r.invoice.reference),
        ]
        for r in state.invoices.values()
        if r.open_amount > 0
    ]


def open_items_csv(state: ErpState) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(_rows(state))
    return out.getvalue().encode("utf-8")


def open_items_xlsx(state: ErpState) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Open items"
    sheet.append(list(HEADER))
    for row in _rows(state):
        # Amounts as numbers so the accountant can sum them; everything else stays text.
        sheet.append([*row[:6], float(row[6]), float(row[7]), *row[8:]])
    for column in ("G", "H"):
        for cell in sheet[column][1:]:
            cell.number_format = "#,##0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
