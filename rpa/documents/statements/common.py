"""Helpers every statement reader shares: errors that say where, money to the currency, stable line ids."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

from rpa.documents.statements.model import BankLine
from rpa.errors import DocumentReadError

MALFORMED = "STATEMENT_MALFORMED"
UNSUPPORTED = "STATEMENT_UNSUPPORTED"
TOO_LARGE = "STATEMENT_TOO_LARGE"
ENCODING = "STATEMENT_ENCODING"
UNREADABLE = "STATEMENT_UNREADABLE"

# ISO 4217 currencies whose minor unit is not 2 digits; every other code is quantized to cents.
_MINOR_UNITS = {
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    "CLF": 4,
}


def statement_error(code: str, source: str, where: str, problem: str, hint: str = "") -> DocumentReadError:
    """A DocumentReadError whose message names the file, the place in it and the problem."""
    place = f"{source}, {where}" if where else source
    message = f"{place}: {problem}"
    if hint:
        message += f" — {hint}"
    return DocumentReadError(message, code=code, details={"file": source, "where": where, "problem": problem})


def money(value: Decimal, currency: str) -> Decimal:
    """Quantize ``value`` to the currency's minor unit, never dropping digits the bank did send."""
    exponent = _MINOR_UNITS.get(currency.upper(), 2)
    quantum = Decimal(1).scaleb(-exponent)
    exp = value.as_tuple().exponent
    if isinstance(exp, int) and -exp > exponent:
        return value  # more precise than the currency: keep what the bank wrote
    return value.quantize(quantum)


def parse_decimal(text: str, *, decimal_separator: str = ".", thousands_separator: str = "") -> Decimal:
    """Read a bank amount (``1 234,56``, ``1,234.56``, ``-12.5``, ``12,50-``); ValueError if it is not one."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if thousands_separator:
        cleaned = cleaned.replace(thousands_separator, "")
    if decimal_separator != ".":
        cleaned = cleaned.replace(decimal_separator, ".")
    if cleaned.endswith("-"):  # some exports put the sign last: 12,50-
        cleaned = "-" + cleaned[:-1]
    if not cleaned or cleaned in {"-", "+", "."}:
        raise ValueError(f"{text!r} is not an amount")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"{text!r} is not an amount") from exc
    if not value.is_finite():
        raise ValueError(f"{text!r} is not an amount")
    return value


def derived_line_id(statement_id: str, position: int, booking_date: date, amount: Decimal, text: str) -> str:
    """An id for a line the bank gave no reference for: same file, same id, on every import."""
    digest = hashlib.sha256(f"{statement_id}|{position}|{booking_date}|{amount}|{text}".encode()).hexdigest()
    return f"{statement_id}#{position}:{digest[:8]}"


def make_line_ids_unique(lines: list[BankLine]) -> list[BankLine]:
    """Suffix ``/2``, ``/3``… to a bank reference repeated inside one statement.

    Some banks reuse a reference for several lines of one statement (seen in MT940 ``//55555``);
    work items are keyed on ``line_id``, so two lines must never share one.
    """
    counts = Counter(line.line_id for line in lines)
    seen: Counter[str] = Counter()
    result: list[BankLine] = []
    for line in lines:
        if counts[line.line_id] == 1:
            result.append(line)
            continue
        seen[line.line_id] += 1
        result.append(replace(line, line_id=f"{line.line_id}/{seen[line.line_id]}"))
    return result


def clean(text: str | None) -> str:
    """Collapse runs of whitespace; None becomes ''."""
    return " ".join(text.split()) if text else ""


def two_digit_year(yy: int) -> int:
    """Statements carry two-digit years; 80-99 are last century, the rest this one."""
    return 1900 + yy if yy >= 80 else 2000 + yy
