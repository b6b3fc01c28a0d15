"""SWIFT MT940 customer statements: a small tokenizer that tolerates the banks' headers and wrappings.

Fields are ``:TAG:`` lines followed by continuation lines; a statement ends at ``-`` or at the next
``:20:``. ``:61:`` holds date, sign, amount and the bank reference (after ``//``); ``:86:`` is read by
:mod:`mt940_details`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rpa.documents.statements.common import (
    MALFORMED,
    derived_line_id,
    make_line_ids_unique,
    statement_error,
    two_digit_year,
)
from rpa.documents.statements.model import BankLine, Statement
from rpa.documents.statements.mt940_details import Details, looks_like_iban, parse_details
from rpa.money import AmountError, pad, parse_amount

_FIELD = re.compile(r"^:(\d\d[A-Z]?):(.*)$")
_KNOWN = {
    "13D",
    "20",
    "21",
    "25",
    "25P",
    "28",
    "28C",
    "34F",
    "60F",
    "60M",
    "61",
    "62F",
    "62M",
    "64",
    "65",
    "86",
    "90C",
    "90D",
}
_END = re.compile(r"^-[A-Z]*\}?$")
_BALANCE = re.compile(r"^(?P<mark>[CD])(?P<date>\d{6})(?P<ccy>[A-Z]{3})(?P<amount>\d+,\d*)$")
_LINE = re.compile(
    r"^(?P<value>\d{6})(?P<entry>\d{4})?(?P<mark>RC|RD|EC|ED|C|D)(?P<funds>[A-Z])?"
    r"(?P<amount>\d+,\d*)(?P<type>[NFS][A-Z0-9]{3})(?P<ref>.*)$"
)
_LINE_HELP = "expected YYMMDD[MMDD] C|D|RC|RD amount with a decimal comma, a type like NTRF, then references"


@dataclass(slots=True)
class _Field:
    tag: str
    lines: list[str]
    line_no: int


@dataclass(slots=True)
class _Block:
    fields: list[_Field] = field(default_factory=list)

    def has(self, *tags: str) -> bool:
        return any(f.tag in tags for f in self.fields)


def parse_mt940(data: bytes, source: str) -> list[Statement]:
    """Read every statement of an MT940 file (several banks' variants)."""
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError:
        content = data.decode("latin-1")  # SWIFT files predating UTF-8; every byte maps to a character
    blocks = _tokenize(content, source)
    return [_statement(block, source, n) for n, block in enumerate(blocks, 1)]


def _tokenize(content: str, source: str) -> list[_Block]:
    blocks: list[_Block] = []
    current = _Block()
    active: _Field | None = None
    for line_no, raw in enumerate(content.splitlines(), 1):
        line = raw.rstrip()
        if "{4:" in line:  # SWIFT envelope: keep what follows the text block opener
            line = line.split("{4:", 1)[1]
        stripped = line.strip()
        match = _FIELD.match(line)
        if match:
            tag = match.group(1)
            if tag not in _KNOWN:
                raise statement_error(
                    MALFORMED,
                    source,
                    f"line {line_no}",
                    f"unknown MT940 field :{tag}:",
                    "the file is damaged or not an MT940 statement",
                )
            starts_new = tag == "20" or (tag in {"60F", "60M"} and current.has("60F", "60M"))
            if starts_new and current.fields:
                blocks.append(current)
                current = _Block()
            active = _Field(tag, [match.group(2)], line_no)
            current.fields.append(active)
        elif not stripped or stripped.startswith("{5:"):
            continue
        elif _END.match(stripped):
            if current.fields:
                blocks.append(current)
            current, active = _Block(), None
        elif active is None:
            continue  # bank headers before the first field (ABNANL2A, 940, 0000 01INGB…)
        elif active.tag == "86" or (active.tag == "61" and len(active.lines) == 1):
            active.lines.append(line)
        else:
            raise statement_error(
                MALFORMED,
                source,
                f"line {line_no}",
                f"unexpected text {stripped[:40]!r} after field :{active.tag}:",
                "the file is damaged; download it again",
            )
    if current.fields:
        blocks.append(current)
    return blocks


def _statement(block: _Block, source: str, number: int) -> Statement:
    values: dict[str, _Field] = {}
    entries: list[tuple[_Field, _Field | None]] = []
    previous_tag = ""
    for fld in block.fields:
        if fld.tag == "61":
            entries.append((fld, None))
        elif fld.tag == "86" and previous_tag == "61":
            entries[-1] = (entries[-1][0], fld)
        else:
            values.setdefault(fld.tag, fld)  # a :86: after the closing balance is about the statement
        previous_tag = fld.tag
    reference = values["20"].lines[0].strip() if "20" in values else f"NOREF-{number}"
    sequence = values.get("28C") or values.get("28")
    statement_id = f"{reference}/{sequence.lines[0].strip()}" if sequence else reference
    account = values["25"].lines[0].strip().replace(" ", "") if "25" in values else ""
    opening = _balance(values.get("60F") or values.get("60M"), source)
    closing = _balance(values.get("62F") or values.get("62M"), source)
    currency = opening[1] if opening else (closing[1] if closing else "")
    if entries and not currency:
        raise statement_error(
            MALFORMED,
            source,
            f"line {entries[0][0].line_no}",
            "statement lines come before any :60F: opening balance, so the currency is unknown",
        )
    lines = [
        _line(line_field, info, source, statement_id, account, currency, position)
        for position, (line_field, info) in enumerate(entries, 1)
    ]
    return Statement(
        statement_id=statement_id,
        account_iban=account,
        currency=currency,
        lines=tuple(make_line_ids_unique(lines)),
        opening_balance=opening[0] if opening else None,
        closing_balance=closing[0] if closing else None,
        source=f"{source}, line {block.fields[0].line_no}",
        format="mt940",
    )


def _balance(fld: _Field | None, source: str) -> tuple[Decimal, str] | None:
    if fld is None:
        return None
    match = _BALANCE.match(fld.lines[0].strip())
    if not match:
        raise statement_error(
            MALFORMED,
            source,
            f"line {fld.line_no} (:{fld.tag}:)",
            f"cannot read the balance {fld.lines[0].strip()!r}",
            "expected C|D, YYMMDD, currency and an amount with a decimal comma",
        )
    _date(match.group("date"), source, fld)
    currency = match.group("ccy")
    return _amount(match.group("amount"), match.group("mark") == "D", currency, source, fld), currency


def _amount(text: str, negative: bool, currency: str, source: str, fld: _Field) -> Decimal:
    """A signed amount written with the MT940 decimal comma, padded to the currency."""
    try:
        value = parse_amount(text, decimal_separator=",")
        return pad(-value if negative else value, currency)
    except AmountError as exc:
        raise statement_error(MALFORMED, source, f"line {fld.line_no} (:{fld.tag}:)", str(exc)) from exc


def _date(yymmdd: str, source: str, fld: _Field) -> date:
    try:
        return date(two_digit_year(int(yymmdd[:2])), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError as exc:
        raise statement_error(
            MALFORMED, source, f"line {fld.line_no} (:{fld.tag}:)", f"{yymmdd!r} is not a date (YYMMDD)"
        ) from exc


def _entry_date(value_date: date, mmdd: str, source: str, fld: _Field) -> date:
    """The booking date has no year: take the one that puts it nearest the value date."""
    try:
        candidates = [date(value_date.year + d, int(mmdd[:2]), int(mmdd[2:])) for d in (-1, 0, 1)]
    except ValueError as exc:
        raise statement_error(
            MALFORMED, source, f"line {fld.line_no} (:61:)", f"{mmdd!r} is not a booking date (MMDD)"
        ) from exc
    return min(candidates, key=lambda d: abs((d - value_date).days))


def _line(
    fld: _Field,
    info: _Field | None,
    source: str,
    statement_id: str,
    account: str,
    currency: str,
    position: int,
) -> BankLine:
    match = _LINE.match(fld.lines[0].strip())
    if not match:
        raise statement_error(
            MALFORMED,
            source,
            f"line {fld.line_no} (:61:)",
            f"cannot read the statement line {fld.lines[0].strip()[:40]!r}",
            _LINE_HELP,
        )
    value_date = _date(match.group("value"), source, fld)
    booking = (
        _entry_date(value_date, match.group("entry"), source, fld) if match.group("entry") else value_date
    )
    mark = match.group("mark")
    # RC is the reversal of a credit, so money goes out; RD gives money back.
    amount = _amount(match.group("amount"), mark in {"D", "RC", "ED"}, currency, source, fld)
    # The account owner's reference (before //) is kept in raw only: banks fill it with codes and keywords.
    bank_ref = match.group("ref").partition("//")[2]
    supplementary = fld.lines[1].strip() if len(fld.lines) > 1 else ""
    details = parse_details(info.lines) if info is not None else Details()
    iban = details.counterparty_iban or (
        supplementary.replace(" ", "") if looks_like_iban(supplementary) else ""
    )
    remittance = details.remittance or ("" if looks_like_iban(supplementary) else supplementary)
    bank_ref = bank_ref.strip()
    raw = "\n".join(
        [f":61:{fld.lines[0]}", *fld.lines[1:]]
        + ([f":86:{info.lines[0]}", *info.lines[1:]] if info is not None else [])
    )
    return BankLine(
        line_id=bank_ref or derived_line_id(statement_id, position, booking, amount, remittance),
        amount=amount,
        currency=currency,
        booking_date=booking,
        value_date=value_date,
        counterparty_name=details.counterparty_name,
        counterparty_iban=iban,
        remittance=remittance,
        creditor_reference=details.creditor_reference,
        end_to_end_id=details.end_to_end_id,
        bank_reference=bank_ref,
        account_iban=account,
        statement_id=statement_id,
        reversal=mark.startswith("R"),
        raw=raw,
        source=f"{source}, line {fld.line_no}",
    )
