"""SWIFT MT940 writer, with the structured :86: subfields some French banks use.

(/EREF/ end-to-end id, /REMI/ remittance, /NAME/ and /IBAN/ of the counterparty.)
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from legacy_apps.statements.view import StatementView, ascii_text, french_amount
from legacy_apps.world.model import BankLine

# SWIFT "x" character set; anything else is replaced (and '/' is kept out of subfield values).
_NOT_SWIFT = re.compile(r"[^A-Za-z0-9\-?:().,'+ ]")
TYPE_CODES = {"RCDT": "NTRF", "ICDT": "NTRF", "DDBT": "NDDT", "CHRG": "NCHG"}


def swift_text(text: str) -> str:
    return _NOT_SWIFT.sub(" ", ascii_text(text)).strip()


def _balance(tag: str, amount: Decimal, day: date, currency: str) -> str:
    mark = "C" if amount >= 0 else "D"
    return f":{tag}:{mark}{day:%y%m%d}{currency}{french_amount(amount)}"


def _statement_line(line: BankLine) -> str:
    # Reversals carry their own marks: RC (reversal of a credit, money going back out), RD.
    plain = "C" if line.amount > 0 else "D"
    mark = ("RC" if line.amount < 0 else "RD") if line.reversal else plain
    customer_ref = line.end_to_end_id[:16] if line.end_to_end_id else "NONREF"
    return (
        f":61:{line.value_date:%y%m%d}{line.booking_date:%m%d}{mark}{french_amount(line.amount)}"
        f"{TYPE_CODES[line.family]}{customer_ref}//{line.bank_ref}"
    )


def _information(line: BankLine) -> list[str]:
    """The :86: field: subfields, wrapped at 65 characters, at most 6 lines."""
    parts = []
    if line.end_to_end_id:
        parts.append(f"/EREF/{swift_text(line.end_to_end_id)}")
    remittance = " ".join(p for p in (line.creditor_reference, swift_text(line.remittance)) if p)
    if remittance:
        parts.append(f"/REMI/{remittance}")
    if line.counterparty_name:
        parts.append(f"/NAME/{swift_text(line.counterparty_name)}")
    if line.counterparty_iban:
        parts.append(f"/IBAN/{line.counterparty_iban}")
    text = "".join(parts) or "/REMI/NONREF"
    chunks = [text[i : i + 65] for i in range(0, len(text), 65)][:6]
    chunks[0] = ":86:" + chunks[0]
    return chunks


def write_mt940(view: StatementView) -> bytes:
    """The statement as one MT940 message (ASCII, CRLF line ends)."""
    currency = view.account.currency
    rows = [
        f":20:ST{view.start:%y%m%d}{view.end:%y%m%d}",
        f":25:{view.account.iban}",
        f":28C:{view.sequence:05d}/001",
        _balance("60F", view.opening_balance, view.start, currency),
    ]
    for line in view.lines:
        rows.append(_statement_line(line))
        rows.extend(_information(line))
    rows.append(_balance("62F", view.closing_balance, view.end, currency))
    rows.append(_balance("64", view.closing_balance, view.end, currency))
    rows.append("-")
    return ("\r\n".join(rows) + "\r\n").encode("ascii")
