"""The records of reconciliation: open items, decisions, allocations, typed differences, reason codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from rpa.documents.statements.model import BankLine
from rpa.findings import Finding

ZERO = Decimal("0")
CENT = Decimal("0.01")


class DecisionKind(StrEnum):
    """What happens to a bank line: posted automatically, offered to a person, or handed to a person."""

    AUTO = "auto"
    SUGGESTED = "suggested"
    EXCEPTION = "exception"


class DifferenceKind(StrEnum):
    """Why the money received differs from what was open on the invoices it settles."""

    ROUNDING = "rounding"  # a few cents either way, written off
    BANK_FEE = "bank_fee"  # the payer's or an intermediary bank kept a fee, written off
    DISCOUNT = "discount"  # early-payment discount taken within the discount period, written off
    PARTIAL = "partial"  # the invoice stays open for the rest
    OVERPAYMENT = "overpayment"  # more than was open: the surplus is not allocated


WRITE_OFFS = frozenset({DifferenceKind.ROUNDING, DifferenceKind.BANK_FEE, DifferenceKind.DISCOUNT})


class Reason(StrEnum):
    """Stable reason codes, listed with their meaning in the bot's README."""

    MATCHED_PAYMENT_ID = "MATCHED_PAYMENT_ID"
    MATCHED_CREDITOR_REFERENCE = "MATCHED_CREDITOR_REFERENCE"
    MATCHED_INVOICE_NUMBER = "MATCHED_INVOICE_NUMBER"
    MATCHED_CUSTOMER_AMOUNT = "MATCHED_CUSTOMER_AMOUNT"
    MATCHED_CUSTOMER_COMBINATION = "MATCHED_CUSTOMER_COMBINATION"
    SUGGESTED_AMOUNT_DATE_NAME = "SUGGESTED_AMOUNT_DATE_NAME"
    SUGGESTED_SUBSET_OF_REFERENCES = "SUGGESTED_SUBSET_OF_REFERENCES"
    COMBINATION_UNVERIFIED = "COMBINATION_UNVERIFIED"
    CONFLICTING_REFERENCES = "CONFLICTING_REFERENCES"
    PAYER_MISMATCH = "PAYER_MISMATCH"
    PARTIAL_OVER_CAP = "PARTIAL_OVER_CAP"
    COMPETING_EXACT_READING = "COMPETING_EXACT_READING"
    QUOTED_INVOICE_NOT_OPEN = "QUOTED_INVOICE_NOT_OPEN"
    OVERPAYMENT = "OVERPAYMENT"
    CURRENCY_NOT_AUTO = "CURRENCY_NOT_AUTO"
    LOW_CONFIDENCE = "LOW_CONFIDENCE"
    AMBIGUOUS_MATCH = "AMBIGUOUS_MATCH"
    AMBIGUOUS_COMBINATION = "AMBIGUOUS_COMBINATION"
    AMOUNT_MISMATCH = "AMOUNT_MISMATCH"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    INVOICE_ALREADY_SETTLED = "INVOICE_ALREADY_SETTLED"
    INVOICE_ALREADY_ALLOCATED = "INVOICE_ALREADY_ALLOCATED"
    OVER_ALLOCATION = "OVER_ALLOCATION"
    DEBIT_LINE = "DEBIT_LINE"
    ZERO_AMOUNT = "ZERO_AMOUNT"
    REVERSAL = "REVERSAL"
    REVERSED_LINE = "REVERSED_LINE"
    DUPLICATE_LINE = "DUPLICATE_LINE"
    FUTURE_BOOKING = "FUTURE_BOOKING"
    NO_MATCH = "NO_MATCH"


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An invoice as the ERP lists it, with what is still owed on it (``open_amount``)."""

    number: str
    customer_id: str
    customer_name: str
    customer_iban: str
    issue_date: date
    due_date: date
    amount: Decimal
    open_amount: Decimal
    currency: str
    reference: str = ""


@dataclass(frozen=True, slots=True)
class Allocation:
    """Cash from one bank line applied to one invoice."""

    invoice: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Difference:
    """A typed gap between cash and open amount on one invoice (positive: less cash than open)."""

    kind: DifferenceKind
    invoice: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another reading of the line that was considered, and why it was not chosen."""

    invoices: tuple[str, ...]
    amount: Decimal
    score: float
    note: str
    split: tuple[Allocation, ...] = ()  # what each invoice would receive (its open amount)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the engine decided for one bank line, with everything a person needs to check it."""

    line: BankLine
    kind: DecisionKind
    reason_code: Reason
    score: float
    explanation: str
    method: str
    allocations: tuple[Allocation, ...] = ()
    differences: tuple[Difference, ...] = ()
    alternatives: tuple[Alternative, ...] = ()

    @property
    def line_id(self) -> str:
        return self.line.line_id

    @property
    def invoices(self) -> tuple[str, ...]:
        return tuple(a.invoice for a in self.allocations)

    @property
    def allocated(self) -> Decimal:
        return sum((a.amount for a in self.allocations), ZERO)


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Every line's decision in a deterministic order, and the input problems met on the way: findings
    whose ``source`` is the invoice number set aside."""

    decisions: tuple[Decision, ...]
    problems: tuple[Finding, ...]
