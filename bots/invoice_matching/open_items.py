"""Reading the open-items list (CSV or XLSX) exported from the ERP; bad rows are reported, not fatal."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openpyxl import load_workbook

from rpa.errors import DocumentReadError

from .model import CENT, OpenItem

HEADER = ("number", "customer_id", "customer_name", "customer_iban", "issue_date", "due_date", "amount",
          "open_amount", "currency", "reference")  # fmt: skip
OPTIONAL = frozenset({"customer_iban", "reference"})
_MAX_BYTES = 200 * 1024 * 1024  # an ERP export larger than this is a wrong file, not a list of invoices


def read_open_items(path: Path) -> tuple[list[OpenItem], list[DocumentReadError]]:
    """Items of a ``.csv`` or ``.xlsx`` file, and one error per unusable row (the other rows are kept).

    Raises DocumentReadError when the file as a whole cannot be read (missing, wrong type, no header).
    """
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise _file_error(path, f"is larger than {_MAX_BYTES // 2**20} MB; export only open items")
        rows = _xlsx_rows(path) if path.suffix.lower() in {".xlsx", ".xlsm"} else _csv_rows(path)
        header = next(rows, None)
    except DocumentReadError:
        raise
    except (OSError, ValueError, KeyError) as exc:  # openpyxl reports broken files as these
        raise _file_error(path, f"cannot be read ({exc})") from exc
    if header is None:
        raise _file_error(path, "is empty; expected a header row: " + ", ".join(HEADER))
    columns = {str(name).strip().lower(): pos for pos, name in enumerate(header) if name is not None}
    missing = [c for c in HEADER if c not in columns and c not in OPTIONAL]
    if missing:
        raise _file_error(
            path, f"has no column {', '.join(missing)}; the header must be: {', '.join(HEADER)}"
        )
    items: list[OpenItem] = []
    errors: list[DocumentReadError] = []
    for row_number, row in enumerate(rows, start=2):
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        try:
            items.append(_item(row, columns, path, row_number))
        except DocumentReadError as exc:
            errors.append(exc)
    return items, errors


def _csv_rows(path: Path) -> Iterator[Sequence[object]]:
    text = path.read_bytes().decode("utf-8-sig", errors="strict")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","  # decimal-comma exports use semicolons
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_rows(path: Path) -> Iterator[Sequence[object]]:
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        book.close()


def _item(row: Sequence[object], columns: dict[str, int], path: Path, row_number: int) -> OpenItem:
    def text(name: str) -> str:
        pos = columns.get(name)
        value = row[pos] if pos is not None and pos < len(row) else None
        out = "" if value is None else str(value).strip()
        if not out and name not in OPTIONAL:
            raise _row_error(path, row_number, name, "is empty")
        return out

    def raw(name: str) -> object:
        pos = columns[name]
        return row[pos] if pos < len(row) else None

    amount = _amount(raw("amount"), path, row_number, "amount")
    open_amount = _amount(raw("open_amount"), path, row_number, "open_amount")
    currency = text("currency").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise _row_error(path, row_number, "currency", f"'{currency}' is not an ISO currency code like EUR")
    return OpenItem(
        number=text("number"), customer_id=text("customer_id"), customer_name=text("customer_name"),
        customer_iban=text("customer_iban"),
        issue_date=_date(raw("issue_date"), path, row_number, "issue_date"),
        due_date=_date(raw("due_date"), path, row_number, "due_date"), amount=amount, open_amount=open_amount,
        currency=currency, reference=text("reference"),
    )  # fmt: skip


def _amount(value: object, path: Path, row: int, column: str) -> Decimal:
    if isinstance(value, bool) or value is None or str(value).strip() == "":
        raise _row_error(path, row, column, "is empty")
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).quantize(CENT)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace("'", "")
    if "," in text and "." in text:  # the last separator is the decimal one: 1.234,56 or 1,234.56
        text = (
            text.replace(".", "").replace(",", ".")
            if text.rfind(",") > text.rfind(".")
            else text.replace(",", "")
        )
    else:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise _row_error(path, row, column, f"'{value}' is not an amount; write e.g. 1234.56 or 1234,56")
    if number != number.quantize(CENT):
        raise _row_error(path, row, column, f"'{value}' has more than two decimals; check the separators")
    return number.quantize(CENT)


def _date(value: object, path: Path, row: int, column: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = "" if value is None else str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()  # a calendar date, no instant
        except ValueError:
            continue
    raise _row_error(path, row, column, f"'{text}' is not a date; write YYYY-MM-DD or DD/MM/YYYY")


def _row_error(path: Path, row: int, column: str, problem: str) -> DocumentReadError:
    return DocumentReadError(
        f"{path.name} row {row}, column '{column}': {problem}; the row was skipped.",
        code="OPEN_ITEM_INVALID",
        details={"file": str(path), "row": row, "column": column},
    )


def _file_error(path: Path, problem: str) -> DocumentReadError:
    return DocumentReadError(
        f"Open items file {path}: {problem}.", code="OPEN_ITEMS_UNREADABLE", details={"file": str(path)}
    )
