"""SWIFT MT940 customer statements, read as a careful accountant would read them.

:mod:`mt940_tokens` cuts the file into statements and fields. ``:61:`` holds date, sign, amount and the
bank reference (after ``//``); ``:86:`` is read by :mod:`mt940_details`. Variants of the banks are
accepted when their meaning is unambiguous (an amount without a decimal comma, spaces in place of the
optional entry date, a type code with spaces, a closing balance without a currency) and listed in the
statement's findings; the line's raw text keeps what was written.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from rpa.documents.statements.common import (
    EMPTY,
    MALFORMED,
    derived_line_id,
    make_line_ids_unique,
    statement_error,
    two_digit_year,
)
from rpa.documents.statements.model import BankLine, Statement
from rpa.documents.statements.mt940_details import Details, looks_like_iban, parse_details
from rpa.documents.statements.mt940_tokens import BANK_TAGS, KNOWN_TAGS, Block, Field, tokenize
from rpa.findings import Finding, Severity
from rpa.money import AmountError, pad, parse_amount

VARIANT = "STATEMENT_VARIANT"
_AMOUNT = r"\d+(?:[,.]\d*)?"
_BALANCE = re.compile(rf"^(?P<mark>[CD])\s*(?P<date>\d{{6}})\s*(?P<ccy>[A-Z]{{3}})?\s*(?P<amount>{_AMOUNT})$")
# Fixed positions as the standard has them; spaces tolerated where banks put them (an empty entry date,
# a gap before the type code, spaces inside the 4-character type code).
_LINE = re.compile(
    rf"^(?P<value>\d{{6}})\s*(?P<entry>\d{{4}})?\s*(?P<mark>RC|RD|EC|ED|C|D)(?P<funds>[A-Z])?\s*"
    rf"(?P<amount>{_AMOUNT})\s*(?P<type>[A-Z][A-Z0-9 ]{{3}})?(?P<ref>.*)$"
)
_LINE_HELP_FILE = "an MT940 statement starts with :20: and an opening balance :60F:"
_LINE_HELP = "expected YYMMDD[MMDD] C|D|RC|RD amount, a type like NTRF, then references"


def parse_mt940(data: bytes, source: str) -> list[Statement]:
    """Read every statement of an MT940 file (several banks' variants)."""
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError:
        content = data.decode("latin-1")  # SWIFT files predating UTF-8; every byte maps to a character
    blocks = tokenize(content, source)
    if not blocks:
        raise statement_error(
            EMPTY, source, "", "no bank or card statement in this file (no :20: field)", _LINE_HELP_FILE
        )
    return [_statement(block, source, n) for n, block in enumerate(blocks, 1)]


def _statement(block: Block, source: str, number: int) -> Statement:
    values: dict[str, Field] = {}
    entries: list[tuple[Field, list[Field]]] = []  # each :61: with the :86: and bank fields after it
    previous_tag = ""
    for fld in block.fields:
        if fld.tag == "61":
            entries.append((fld, []))
        elif (
            entries and previous_tag in {"61", "86", *BANK_TAGS} and (fld.tag == "86" or fld.tag in BANK_TAGS)
        ):
            entries[-1][1].append(fld)
        elif fld.tag in KNOWN_TAGS:
            values.setdefault(fld.tag, fld)  # a :86: after the closing balance is about the statement
        if fld.tag in KNOWN_TAGS or fld.tag in BANK_TAGS:
            previous_tag = fld.tag
    reference = values["20"].lines[0].strip() if "20" in values else f"NOREF-{number}"
    sequence = values.get("28C") or values.get("28")
    statement_id = f"{reference}/{sequence.lines[0].strip()}" if sequence else reference
    account = values["25"].lines[0].strip().replace(" ", "") if "25" in values else ""
    notes = block.notes
    opening = _balance(values.get("60F") or values.get("60M"), "", source, notes)
    closing = _balance(values.get("62F") or values.get("62M"), opening[1] if opening else "", source, notes)
    currency = opening[1] if opening else (closing[1] if closing else "")
    if entries and not currency:
        raise statement_error(
            MALFORMED,
            source,
            f"line {entries[0][0].line_no}",
            "no balance of this statement names a currency, so its lines cannot be read",
            "an MT940 statement starts with a :60F: opening balance such as C240131EUR1000,00",
        )
    lines = [
        _line(line_field, extra, source, statement_id, account, currency, position, notes)
        for position, (line_field, extra) in enumerate(entries, 1)
    ]
    where = f"{source}, line {block.fields[0].line_no}"
    return Statement(
        statement_id=statement_id,
        account_iban=account,
        currency=currency,
        lines=tuple(make_line_ids_unique(lines)),
        opening_balance=opening[0] if opening else None,
        closing_balance=closing[0] if closing else None,
        source=where,
        format="mt940",
        findings=_variant_findings(notes, source),
    )


def _variant_findings(notes: list[tuple[int, str]], source: str) -> tuple[Finding, ...]:
    """One informational finding per kind of variant, naming the lines where it was met."""
    by_kind: dict[str, list[int]] = {}
    for line_no, what in notes:
        by_kind.setdefault(what, []).append(line_no)
    return tuple(
        Finding(
            VARIANT,
            Severity.INFO,
            f"accepted a bank variant of MT940: {what}",
            source,
            "line "
            + ", ".join(str(n) for n in sorted(set(line_nos))[:10])
            + ("…" if len(line_nos) > 10 else ""),
        )
        for what, line_nos in by_kind.items()
    )


def _balance(
    fld: Field | None, fallback_currency: str, source: str, notes: list[tuple[int, str]]
) -> tuple[Decimal, str] | None:
    if fld is None:
        return None
    match = _BALANCE.match(fld.lines[0].strip())
    if not match:
        raise statement_error(
            MALFORMED,
            source,
            f"line {fld.line_no} (:{fld.tag}:)",
            f"cannot read the balance {fld.lines[0].strip()!r}",
            "expected C|D, YYMMDD, currency and an amount such as C240131EUR1000,00",
        )
    _date(match.group("date"), source, fld)
    currency = match.group("ccy") or fallback_currency
    if not match.group("ccy") and currency:
        notes.append(
            (fld.line_no, f":{fld.tag}: balance without a currency, read in the opening's {currency}")
        )
    amount = _amount(match.group("amount"), match.group("mark") == "D", currency, source, fld, notes)
    return amount, currency


def _amount(
    text: str, negative: bool, currency: str, source: str, fld: Field, notes: list[tuple[int, str]]
) -> Decimal:
    """A signed amount, padded to the currency; MT940 writes a decimal comma, some banks a point or none."""
    if "," in text:
        separator = ","
    elif "." in text:
        separator = "."
        notes.append((fld.line_no, "amount with a decimal point instead of a comma"))
    else:
        separator = ","
        notes.append((fld.line_no, "amount without a decimal comma, read as whole units"))
    try:
        value = parse_amount(text, decimal_separator=separator)
        return pad(-value if negative else value, currency)
    except AmountError as exc:
        raise statement_error(MALFORMED, source, f"line {fld.line_no} (:{fld.tag}:)", str(exc)) from exc


def _date(yymmdd: str, source: str, fld: Field) -> date:
    try:
        return date(two_digit_year(int(yymmdd[:2])), int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError as exc:
        raise statement_error(
            MALFORMED, source, f"line {fld.line_no} (:{fld.tag}:)", f"{yymmdd!r} is not a date (YYMMDD)"
        ) from exc


def _entry_date(value_date: date, mmdd: str, source: str, fld: Field) -> date:
    """The booking date has no year: take the one that puts it nearest the value date."""
    try:
        candidates = [date(value_date.year + d, int(mmdd[:2]), int(mmdd[2:])) for d in (-1, 0, 1)]
    except ValueError as exc:
        raise statement_error(
            MALFORMED, source, f"line {fld.line_no} (:61:)", f"{mmdd!r} is not a booking date (MMDD)"
        ) from exc
    return min(candidates, key=lambda d: abs((d - value_date).days))


def _line_variants(match: re.Match[str], fld: Field, notes: list[tuple[int, str]]) -> None:
    head = fld.lines[0].strip()
    if not match.group("entry") and head[6:7].isspace():
        notes.append((fld.line_no, "spaces in place of the optional entry date"))
    code = match.group("type")
    if code is None:
        notes.append((fld.line_no, ":61: without a transaction type code"))
    elif " " in code or head[match.start("type") - 1 : match.start("type")].isspace():
        notes.append((fld.line_no, f"transaction type code with spaces {code!r}"))


def _line(
    fld: Field,
    extra: list[Field],
    source: str,
    statement_id: str,
    account: str,
    currency: str,
    position: int,
    notes: list[tuple[int, str]],
) -> BankLine:
    head = fld.lines[0].strip()
    match = _LINE.match(head)
    if not match:
        raise statement_error(
            MALFORMED,
            source,
            f"line {fld.line_no} (:61:)",
            f"cannot read the statement line {head[:40]!r}",
            _LINE_HELP,
        )
    _line_variants(match, fld, notes)
    value_date = _date(match.group("value"), source, fld)
    booking = (
        _entry_date(value_date, match.group("entry"), source, fld) if match.group("entry") else value_date
    )
    mark = match.group("mark")
    # RC is the reversal of a credit, so money goes out; RD gives money back.
    amount = _amount(match.group("amount"), mark in {"D", "RC", "ED"}, currency, source, fld, notes)
    # The account owner's reference (before //) is kept in raw only: banks fill it with codes and keywords.
    bank_ref = match.group("ref").partition("//")[2].strip()
    supplementary = " ".join(part.strip() for part in fld.lines[1:] if part.strip())
    info = next((f for f in extra if f.tag == "86"), None)
    details = parse_details(info.lines) if info is not None else Details()
    iban = details.counterparty_iban or (
        supplementary.replace(" ", "") if looks_like_iban(supplementary) else ""
    )
    remittance = details.remittance or ("" if looks_like_iban(supplementary) else supplementary)
    raw = "\n".join(line for f in (fld, *extra) for line in f.raw)  # as written, variants included
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
