"""The one model every statement parser produces: a bank line, whatever the format it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rpa.findings import Finding


@dataclass(frozen=True, slots=True)
class BankLine:
    """One booked movement on a bank account, as the bank reported it.

    ``amount`` is signed: credits (money in) are positive, debits negative, in ``currency``.
    ``line_id`` is the bank's own reference for the line when the statement has one
    (camt AcctSvcrRef, MT940 ``:61:`` bank reference, OFX FITID); otherwise a stable id derived
    from the statement and the line's position, so re-importing the same file yields the same ids.
    """

    line_id: str
    amount: Decimal
    currency: str
    booking_date: date
    value_date: date | None = None
    counterparty_name: str = ""
    counterparty_iban: str = ""
    remittance: str = ""
    creditor_reference: str = ""
    end_to_end_id: str = ""
    bank_reference: str = ""
    account_iban: str = ""
    statement_id: str = ""
    reversal: bool = False
    raw: str = field(default="", repr=False, compare=False)
    source: str = ""  # file name and position, for messages that say where

    @property
    def is_credit(self) -> bool:
        return self.amount > 0


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement (or report/notification) as read from one file.

    ``findings`` says what the reader noticed without refusing the statement: a balance that does not
    add up (``STATEMENT_UNBALANCED``), a bank's variant of the format that was accepted
    (``STATEMENT_VARIANT``).
    """

    statement_id: str
    account_iban: str
    currency: str
    lines: tuple[BankLine, ...]
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    source: str = ""
    format: str = ""
    findings: tuple[Finding, ...] = field(default=(), compare=False)
