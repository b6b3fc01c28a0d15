"""The open items a run exported from the ERP, kept in its report folder for the invoice search.

A bot that reads the ERP's open items writes the few fields a person needs to pick an invoice for a bank
line (``open_items.json`` in ``var/reports/<bot>/run-<id>/``): invoice number, customer id, amount still
open, due date and currency. No names, no e-mail addresses, no bank accounts. The console searches the
latest such file and never talks to the ERP itself.

Amounts are Decimals written as text, dates as ISO text.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rpa.errors import DocumentReadError

FILE_NAME = "open_items.json"
FORMAT = 1


@dataclass(frozen=True, slots=True)
class OpenItemRow:
    """One invoice as the ERP listed it, with what was still open on it."""

    invoice: str
    customer_id: str
    amount_open: Decimal
    due_date: date
    currency: str


def write_open_items(folder: Path, rows: Iterable[OpenItemRow]) -> Path:
    """Write ``rows`` as ``folder/open_items.json`` (atomically: a reader never sees half a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "format": FORMAT,
        "items": [
            {
                "invoice": r.invoice,
                "customer_id": r.customer_id,
                "amount_open": str(r.amount_open),
                "due_date": r.due_date.isoformat(),
                "currency": r.currency,
            }
            for r in rows
        ],
    }
    path = folder / FILE_NAME
    partial = folder / f".{FILE_NAME}.partial"
    partial.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    os.replace(partial, path)
    return path


def read_open_items(path: Path) -> list[OpenItemRow]:
    """The rows of an ``open_items.json``; DocumentReadError naming the file when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [_row(entry) for entry in data["items"]]
    except (OSError, ValueError, KeyError, TypeError, InvalidOperation) as exc:
        raise DocumentReadError(
            f"{path} is not a readable open-items file ({type(exc).__name__}: {exc})",
            code="OPEN_ITEMS_FILE_UNREADABLE",
            details={"file": str(path)},
        ) from exc


def _row(entry: Mapping[str, Any]) -> OpenItemRow:
    return OpenItemRow(
        invoice=str(entry["invoice"]),
        customer_id=str(entry["customer_id"]),
        amount_open=Decimal(str(entry["amount_open"])),
        due_date=date.fromisoformat(str(entry["due_date"])),
        currency=str(entry["currency"]),
    )


def _as_amount(text: str) -> Decimal | None:
    cleaned = text.replace(" ", "").replace("'", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def search_open_items(
    rows: Sequence[OpenItemRow],
    query: str,
    *,
    allocated: Mapping[str, Decimal] | None = None,
    limit: int = 20,
) -> list[OpenItemRow]:
    """Rows whose invoice number starts with ``query``, whose customer id is or starts with it, or whose
    open amount equals it (``1234.50``, ``1234,50``); case-insensitive. ``allocated`` (invoice -> amount
    already posted or decided since the export) lowers the open amount: an invoice with nothing left is
    not offered. Exact invoice and customer matches first, then by due date."""
    text = query.strip()
    if not text:
        return []
    wanted, amount = text.casefold(), _as_amount(text)
    taken = allocated or {}
    found: list[tuple[int, date, str, OpenItemRow]] = []
    for row in rows:
        left = row.amount_open - taken.get(row.invoice, Decimal(0))
        if left <= 0:
            continue
        invoice, customer = row.invoice.casefold(), row.customer_id.casefold()
        if wanted in (invoice, customer):
            rank = 0
        elif invoice.startswith(wanted) or customer.startswith(wanted):
            rank = 1
        elif amount is not None and left == amount:
            rank = 2
        else:
            continue
        shown = row if left == row.amount_open else _with_open(row, left)
        found.append((rank, row.due_date, row.invoice, shown))
    found.sort(key=lambda f: (f[0], f[1], f[2]))
    return [f[3] for f in found[:limit]]


def _with_open(row: OpenItemRow, left: Decimal) -> OpenItemRow:
    return OpenItemRow(row.invoice, row.customer_id, left, row.due_date, row.currency)


def find_open_item(
    rows: Sequence[OpenItemRow], invoice: str, allocated: Mapping[str, Decimal] | None = None
) -> OpenItemRow | None:
    """The row of ``invoice`` with its amount still open, or None when it is not open any more."""
    for row in rows:
        if row.invoice == invoice:
            left = row.amount_open - (allocated or {}).get(invoice, Decimal(0))
            return None if left <= 0 else _with_open(row, left)
    return None
