"""Bank statement CSV exports, read through a :class:`CsvProfile` that says how the bank writes them."""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from rpa.documents.statements.common import (
    ENCODING,
    MALFORMED,
    clean,
    derived_line_id,
    make_line_ids_unique,
    statement_error,
)
from rpa.documents.statements.csv_profiles import CsvProfile
from rpa.documents.statements.model import BankLine, Statement
from rpa.errors import DocumentReadError
from rpa.money import AmountError, pad, parse_amount

if TYPE_CHECKING:
    from _csv import Reader as _reader

_HEADER_SEARCH_ROWS = 30  # exports often start with a few lines about the account before the header


def parse_csv(data: bytes, source: str, profile: CsvProfile) -> list[Statement]:
    """Read a CSV export; one statement per account found in it.

    An error says which profile the file was read with (``details['csv_profile']``), so a caller that
    lets the user choose another profile can say so.
    """
    try:
        return _parse(data, source, profile)
    except DocumentReadError as exc:
        exc.details.setdefault("csv_profile", profile.name)
        raise


def _parse(data: bytes, source: str, profile: CsvProfile) -> list[Statement]:
    text = _decode(data, source, profile)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=profile.delimiter)
    try:
        return _statements(rows, data, source, profile)
    except csv.Error as exc:  # a field over the reader's limit (128 KiB), a NUL byte, a stray quote
        raise statement_error(
            MALFORMED,
            source,
            f"line {rows.line_num}",
            f"is not readable CSV with the {profile.name!r} profile ({exc})",
            "a field this long or a stray quote means the file is damaged or not this bank's export",
        ) from exc


def _statements(rows: _reader, data: bytes, source: str, profile: CsvProfile) -> list[Statement]:
    header, index = _header(rows, source, profile)
    statement_id = f"csv-{hashlib.sha256(data).hexdigest()[:16]}"  # the file itself is the statement
    per_account: dict[str, list[BankLine]] = {}
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        line = _line(row, rows.line_num, header, index, source, profile, statement_id)
        per_account.setdefault(line.account_iban, []).append(line)
    return [
        Statement(
            statement_id=statement_id if len(per_account) == 1 else f"{statement_id}:{account}",
            account_iban=account,
            currency=lines[0].currency,
            lines=tuple(make_line_ids_unique(lines)),
            source=source,
            format=f"csv:{profile.name}",
        )
        for account, lines in per_account.items()
    ]


def _decode(data: bytes, source: str, profile: CsvProfile) -> str:
    encoding = (
        "utf-8-sig" if profile.encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else profile.encoding
    )
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise statement_error(
            ENCODING,
            source,
            f"line {line} column {column}",
            f"byte 0x{data[exc.start]:02x} is not valid {profile.encoding} (profile '{profile.name}')",
            "re-export the file in that encoding, or read it with its bank's profile",
        ) from exc
    except LookupError as exc:
        raise statement_error(
            ENCODING, source, "", f"unknown encoding {profile.encoding!r} in profile '{profile.name}'"
        ) from exc


def _norm(name: str) -> str:
    """Header names compared without case, accents or surrounding spaces ('Débit ' == 'debit')."""
    decomposed = unicodedata.normalize("NFKD", name.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _header(rows: _reader, source: str, profile: CsvProfile) -> tuple[list[str], dict[str, int]]:
    wanted = _norm(profile.columns.booking_date)
    for _ in range(_HEADER_SEARCH_ROWS):
        row = next(rows, None)
        if row is None:
            break
        names = [_norm(cell) for cell in row]
        if wanted in names:
            index = {name: i for i, name in enumerate(names)}
            cols = profile.columns
            required = [cols.booking_date, *([cols.amount] if cols.amount else [cols.debit, cols.credit])]
            missing = [c for c in required if _norm(c) not in index]
            if missing:
                raise statement_error(
                    MALFORMED,
                    source,
                    f"line {rows.line_num}",
                    f"the header has no column {', '.join(map(repr, missing))}",
                    f"profile '{profile.name}' expects them; found {row}",
                )
            return row, index
    raise statement_error(
        MALFORMED,
        source,
        "header",
        f"no header with a {profile.columns.booking_date!r} column in the first {_HEADER_SEARCH_ROWS} rows",
        f"is this a '{profile.name}' export? the file may need its bank's profile",
    )


def _line(
    row: list[str],
    line_no: int,
    header: list[str],
    index: dict[str, int],
    source: str,
    profile: CsvProfile,
    statement_id: str,
) -> BankLine:
    def cell(column: str) -> str:
        position = index.get(_norm(column)) if column else None
        return row[position].strip() if position is not None and position < len(row) else ""

    def where(column: str) -> str:
        return f"line {line_no}, column {column!r}"

    cols = profile.columns
    if len(row) < len(header):
        raise statement_error(
            MALFORMED,
            source,
            f"line {line_no}",
            f"{len(row)} cells where the header has {len(header)}",
            f"check the delimiter {profile.delimiter!r} of profile '{profile.name}'",
        )
    booking = _date(cell(cols.booking_date), source, where(cols.booking_date), profile)
    value_text = cell(cols.value_date)
    value_date = _date(value_text, source, where(cols.value_date), profile) if value_text else None
    currency = (cell(cols.currency) or profile.currency).upper()
    if cols.amount:
        amount = _amount(cell(cols.amount), source, where(cols.amount), profile)
    else:
        debit, credit = cell(cols.debit), cell(cols.credit)
        if not debit and not credit:
            raise statement_error(
                MALFORMED,
                source,
                f"line {line_no}",
                f"neither {cols.debit!r} nor {cols.credit!r} has an amount",
            )
        # A debit column is money out whether the bank writes it 12,50 or -12,50.
        out = abs(_amount(debit, source, where(cols.debit), profile)) if debit else Decimal(0)
        into = _amount(credit, source, where(cols.credit), profile) if credit else Decimal(0)
        amount = into - out
    amount = pad(amount, currency)
    remittance = clean(" ".join(cell(c) for c in cols.remittance))
    reference = cell(cols.bank_reference)
    return BankLine(
        line_id=reference or derived_line_id(statement_id, line_no, booking, amount, remittance),
        amount=amount,
        currency=currency,
        booking_date=booking,
        value_date=value_date,
        counterparty_name=clean(cell(cols.counterparty_name)),
        counterparty_iban=cell(cols.counterparty_iban).replace(" ", ""),
        remittance=remittance,
        creditor_reference=cell(cols.creditor_reference),
        end_to_end_id=cell(cols.end_to_end_id),
        bank_reference=reference,
        account_iban=(cell(cols.account) or profile.account).replace(" ", ""),
        statement_id=statement_id,
        raw=profile.delimiter.join(row),
        source=f"{source}, line {line_no}",
    )


def _date(text: str, source: str, where: str, profile: CsvProfile) -> date:
    for date_format in profile.date_formats:
        try:
            parsed = datetime.strptime(text, date_format).date()
        except ValueError:
            continue
        # '%Y' reads '12.04.24' as the year 24: no bank line is that old, so that format does not fit.
        if parsed.year >= 1900:
            return parsed
    formats = " or ".join(repr(f) for f in profile.date_formats)
    raise statement_error(
        MALFORMED,
        source,
        where,
        f"{text!r} is not a date in the format {formats} of profile '{profile.name}'",
    )


def _amount(text: str, source: str, where: str, profile: CsvProfile) -> Decimal:
    try:
        return parse_amount(
            text, decimal_separator=profile.decimal_separator, thousands_separator=profile.thousands_separator
        )
    except AmountError as exc:
        raise statement_error(
            MALFORMED,
            source,
            where,
            f"{exc} (profile '{profile.name}' expects {profile.decimal_separator!r} as decimal separator)",
        ) from exc


def pick_profile(data: bytes, profiles: list[CsvProfile]) -> CsvProfile | None:
    """The first profile whose header row (date and amount columns) appears near the top of ``data``."""
    for profile in profiles:
        text = data[:16384].decode(profile.encoding, errors="replace")
        cols = profile.columns
        needed = {_norm(c) for c in (cols.booking_date, cols.amount, cols.debit, cols.credit) if c}
        for row in list(csv.reader(io.StringIO(text), delimiter=profile.delimiter))[:_HEADER_SEARCH_ROWS]:
            if needed <= {_norm(cell) for cell in row}:
                return profile
    return None
