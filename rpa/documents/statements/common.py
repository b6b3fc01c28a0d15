"""Helpers every statement reader shares: errors that say where, stable line ids, text and years."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal

from rpa.documents.statements.model import BankLine
from rpa.errors import DocumentReadError

MALFORMED = "STATEMENT_MALFORMED"
UNSUPPORTED = "STATEMENT_UNSUPPORTED"
TOO_LARGE = "STATEMENT_TOO_LARGE"
ENCODING = "STATEMENT_ENCODING"
UNREADABLE = "STATEMENT_UNREADABLE"
EMPTY = "STATEMENT_EMPTY"  # the file holds no statement at all
BANK_ERROR = "STATEMENT_BANK_ERROR"  # the bank's server says it could not produce the statement


def statement_error(code: str, source: str, where: str, problem: str, hint: str = "") -> DocumentReadError:
    """A DocumentReadError whose message names the file, the place in it and the problem."""
    place = f"{source}, {where}" if where else source
    message = f"{place}: {problem}"
    if hint:
        message += f" — {hint}"
    return DocumentReadError(message, code=code, details={"file": source, "where": where, "problem": problem})


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
