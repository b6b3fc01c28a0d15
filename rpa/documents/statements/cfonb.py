"""CFONB 120 — the French banks' fixed-width statement: 120-character records.

01 opening balance, 04 movement, 05 complement of the movement before it, 07 closing balance.
Amounts carry their sign and last digit in the last character ('{'/A-I positive, '}'/J-R negative).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from rpa.documents.statements.common import (
    MALFORMED,
    clean,
    derived_line_id,
    make_line_ids_unique,
    statement_error,
    two_digit_year,
)
from rpa.documents.statements.model import BankLine, Statement
from rpa.errors import DocumentReadError
from rpa.identifiers import IdentifierError, iban_from_rib
from rpa.money import from_minor_units

RECORD_LENGTH = 120
_POSITIVE = "{ABCDEFGHI"
_NEGATIVE = "}JKLMNOPQR"


@dataclass(slots=True)
class _Open:
    account: str
    currency: str
    opening: Decimal
    opened: date
    line_no: int
    lines: list[BankLine] = field(default_factory=list)


def parse_cfonb(data: bytes, source: str) -> list[Statement]:
    """Read every account statement (01…07) of a CFONB 120 file."""
    text = data.decode("latin-1")  # CFONB is plain ASCII; latin-1 keeps any stray byte readable
    records = text.splitlines() if "\n" in text or "\r" in text else _chunks(text)
    statements: list[Statement] = []
    current: _Open | None = None
    for line_no, record in enumerate(records, 1):
        if not record.strip():
            continue
        if len(record) != RECORD_LENGTH:
            raise statement_error(
                MALFORMED,
                source,
                f"line {line_no}",
                f"the record is {len(record)} characters long, CFONB 120 records are exactly 120",
                "the file was probably edited or re-wrapped; download it again",
            )
        code = record[0:2]
        if code == "01":
            if current is not None:
                raise _error(
                    source, line_no, "a new statement (01) starts before the previous one ended (07)"
                )
            current = _Open(
                _account(record),
                record[16:19],
                _amount(record, source, line_no),
                _date(record[34:40], source, line_no),
                line_no,
            )
        elif code == "04":
            if current is None:
                raise _error(source, line_no, "a movement (04) comes before any opening balance (01)")
            current.lines.append(_movement(record, source, line_no, current))
        elif code == "05":
            if current is None or not current.lines:
                raise _error(source, line_no, "a complement (05) does not follow a movement (04)")
            current.lines[-1] = _complement(current.lines[-1], record)
        elif code == "07":
            if current is None:
                raise _error(source, line_no, "a closing balance (07) comes before any opening balance (01)")
            statements.append(_close(current, record, source, line_no))
            current = None
        else:
            raise _error(source, line_no, f"unknown record code {code!r} (expected 01, 04, 05 or 07)")
    if current is not None:
        raise _error(
            source, current.line_no, "the statement opened here has no closing balance (07); truncated?"
        )
    return statements


def _chunks(text: str) -> list[str]:
    # Some transfers strip line ends: records are then back to back.
    if len(text.rstrip("\x1a")) % RECORD_LENGTH:
        return [text]
    return [text[i : i + RECORD_LENGTH] for i in range(0, len(text.rstrip("\x1a")), RECORD_LENGTH)]


def _error(source: str, line_no: int, problem: str) -> DocumentReadError:
    return statement_error(MALFORMED, source, f"line {line_no}", problem)


def _amount(record: str, source: str, line_no: int) -> Decimal:
    body, last = record[90:103], record[103]
    decimals = record[19]
    if last in _POSITIVE:
        sign, digit = 1, _POSITIVE.index(last)
    elif last in _NEGATIVE:
        sign, digit = -1, _NEGATIVE.index(last)
    else:
        raise _error(source, line_no, f"columns 91-104: {last!r} is not a CFONB sign character")
    if not (body.isascii() and body.isdigit() and decimals.isascii() and decimals.isdigit()):
        raise _error(source, line_no, f"columns 91-104: {record[90:104]!r} is not a CFONB amount")
    return from_minor_units(sign * int(body + str(digit)), int(decimals))


def _date(ddmmyy: str, source: str, line_no: int) -> date:
    try:
        return date(two_digit_year(int(ddmmyy[4:6])), int(ddmmyy[2:4]), int(ddmmyy[0:2]))
    except ValueError as exc:
        raise _error(source, line_no, f"{ddmmyy!r} is not a date (DDMMYY)") from exc


def _account(record: str) -> str:
    """The account as a French IBAN, computed from bank, branch and account number (RIB key included)."""
    bank, branch, number = record[2:7], record[11:16], record[21:32].strip()
    if not (bank.isdigit() and branch.isdigit() and len(number) == 11 and number.isalnum()):
        return f"{bank}{branch}{number}"
    try:
        return iban_from_rib(bank, branch, number)
    except IdentifierError:  # a digit of another script, say: keep the account as the bank wrote it
        return f"{bank}{branch}{number}"


def _movement(record: str, source: str, line_no: int, statement: _Open) -> BankLine:
    amount = _amount(record, source, line_no)
    booking = _date(record[34:40], source, line_no)
    value_text = record[42:48]
    value_date = _date(value_text, source, line_no) if value_text.strip() else None
    entry_number = record[81:88].strip()
    reference = record[104:120].strip()
    bank_ref = entry_number if entry_number.strip("0") else reference
    label = clean(record[48:79])
    statement_id = _statement_id(statement)
    return BankLine(
        line_id=bank_ref or derived_line_id(statement_id, len(statement.lines) + 1, booking, amount, label),
        amount=amount,
        currency=record[16:19],
        booking_date=booking,
        value_date=value_date,
        remittance=label,
        bank_reference=bank_ref,
        account_iban=statement.account,
        statement_id=statement_id,
        raw=record,
        source=f"{source}, line {line_no}",
    )


def _complement(line: BankLine, record: str) -> BankLine:
    qualifier, info = record[45:48], record[48:118]
    payer_side = line.amount > 0  # money in: the payer is the counterparty; money out: the beneficiary
    raw = f"{line.raw}\n{record}"
    if qualifier == ("NPY" if payer_side else "NBE"):
        return replace(line, counterparty_name=clean(info), raw=raw)
    if qualifier == "RCN":  # client reference (the SEPA end-to-end id), then the purpose
        return replace(line, end_to_end_id=info[:35].strip(), raw=raw)
    if qualifier == "LCS":
        return replace(line, creditor_reference=info[:36].strip(), raw=raw)
    if qualifier in {"LIB", "LCC", "LC2"}:
        return replace(line, remittance=clean(f"{line.remittance} {info}"), raw=raw)
    return replace(line, raw=raw)


def _statement_id(statement: _Open) -> str:
    return f"{statement.account}:{statement.opened.isoformat()}"


def _close(statement: _Open, record: str, source: str, line_no: int) -> Statement:
    return Statement(
        statement_id=_statement_id(statement),
        account_iban=statement.account,
        currency=statement.currency,
        lines=tuple(make_line_ids_unique(statement.lines)),
        opening_balance=statement.opening,
        closing_balance=_amount(record, source, line_no),
        source=f"{source}, line {statement.line_no}",
        format="cfonb120",
    )
