"""Reading the open-items list (CSV or XLSX) exported from the ERP; bad rows are reported, not fatal."""

from __future__ import annotations

import codecs
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from rpa.documents.tables import CellValue, Column, Row, cell_date, read_table, row_finding
from rpa.errors import DocumentReadError
from rpa.findings import Finding, Severity
from rpa.money import AmountPrecisionError, NotAnAmountError, minor_units, parse_amount_guess

from .model import CENT, OpenItem

HEADER = ("number", "customer_id", "customer_name", "customer_iban", "issue_date", "due_date", "amount",
          "open_amount", "currency", "reference")  # fmt: skip
OPTIONAL = frozenset({"customer_iban", "reference"})
COLUMNS = tuple(Column(name, required=name not in OPTIONAL) for name in HEADER)
ROW_INVALID = "OPEN_ITEM_INVALID"
_MAX_BYTES = 200 * 1024 * 1024  # an ERP export larger than this is a wrong file, not a list of invoices


class _Rejected(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def read_open_items(path: Path) -> tuple[list[OpenItem], list[Finding]]:
    """Items of a ``.csv`` or ``.xlsx`` file, and its findings: an error per unusable row (the other rows
    are kept) and notes such as an encoding that had to be guessed (severity info).

    Raises DocumentReadError when the file as a whole cannot be read (missing, wrong type, no header).
    """
    try:
        with _utf8_copy(path) as (readable, notes):
            rows, findings = read_table(readable, COLUMNS, max_bytes=_MAX_BYTES, row_code=ROW_INVALID)
            if readable != path:  # findings name the file the person gave, not the copy
                findings = [
                    replace(f, source=f.source.replace(str(readable), str(path)),
                            message=f.message.replace(str(readable), str(path)))
                    for f in findings
                ]  # fmt: skip
        findings = notes + findings
    except DocumentReadError as exc:
        problem = exc.details.get("problem", exc.message)
        raise DocumentReadError(
            f"Open items file {path}: {problem}.",
            code="OPEN_ITEMS_UNREADABLE",
            details={"file": str(path), "reason": exc.code},
        ) from exc
    items: list[OpenItem] = []
    for row in rows:
        try:
            items.append(_item(row, path))
        except _Rejected as rejected:
            findings.append(rejected.finding)
    return items, findings


@contextmanager
def _utf8_copy(path: Path) -> Iterator[tuple[Path, list[Finding]]]:
    """``path`` itself, or for a UTF-16 CSV (a spreadsheet's "Unicode text" export, marked by its BOM)
    a UTF-8 copy of it, named like it, in a temporary folder, and a note saying so."""
    head = b""
    if path.suffix.lower() == ".csv" and path.is_file():
        with path.open("rb") as fh:
            head = fh.read(2)
    if head not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or path.stat().st_size > _MAX_BYTES:
        yield path, []
        return
    try:
        text = path.read_bytes().decode("utf-16")
    except UnicodeDecodeError as exc:
        raise DocumentReadError(
            f"{path.name} starts as UTF-16 text but is not: {exc.reason} at byte {exc.start}",
            code="OPEN_ITEMS_UNREADABLE",
            details={"problem": f"starts as UTF-16 text but is not ({exc.reason} at byte {exc.start})"},
        ) from exc
    note = Finding(
        code="OPEN_ITEMS_ENCODING", severity=Severity.INFO, source=str(path),
        message=f"{path.name} is UTF-16 text: read as such",
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="open-items-") as tmp:
        copy = Path(tmp) / path.name
        copy.write_text(text, encoding="utf-8")
        yield copy, [note]


def _item(row: Row, path: Path) -> OpenItem:
    def text(name: str) -> str:
        value = row[name]
        return "" if value is None else str(value).strip()

    currency = text("currency").upper()
    if len(currency) != 3 or not (currency.isascii() and currency.isalpha()):
        raise _reject(path, row, "currency", f"'{currency}' is not an ISO currency code like EUR")
    return OpenItem(
        number=text("number"),
        customer_id=text("customer_id"),
        customer_name=text("customer_name"),
        customer_iban=text("customer_iban"),
        issue_date=_date(row, "issue_date", path),
        due_date=_date(row, "due_date", path),
        amount=_amount(row, "amount", currency, path),
        open_amount=_amount(row, "open_amount", currency, path),
        currency=currency,
        reference=text("reference"),
    )


def _amount(row: Row, column: str, currency: str, path: Path) -> Decimal:
    """The cell as an amount of ``currency``: typed numbers rounded to it, text refused if it would be."""
    value = row[column]
    try:
        amount = parse_amount_guess(value, currency=currency)
    except AmountPrecisionError as exc:
        raise _reject(path, row, column, _too_precise(value, minor_units(currency), currency)) from exc
    except NotAnAmountError as exc:
        raise _reject(
            path, row, column, f"'{value}' is not an amount; write e.g. 1234.56 or 1234,56"
        ) from exc
    if amount != amount.quantize(CENT):  # mills of KWD, TND…: the engine counts in cents
        raise _reject(path, row, column, _too_precise(value, 2, currency))
    return amount


def _too_precise(value: CellValue, places: int, currency: str) -> str:
    return f"'{value}' has more than {places} decimals for {currency}; check the separators"


def _date(row: Row, column: str, path: Path) -> date:
    value: CellValue = row[column]
    found = cell_date(value)
    if found is None:
        text = "" if value is None else str(value).strip()
        raise _reject(path, row, column, f"'{text}' is not a date; write YYYY-MM-DD or DD/MM/YYYY")
    return found


def _reject(path: Path, row: Row, column: str, problem: str) -> _Rejected:
    return _Rejected(row_finding(path, row.number, column, problem, code=ROW_INVALID))
