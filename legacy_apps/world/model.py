"""The seeded world: our bank account, customers, invoices, bank lines and the right decision for each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

CENT = Decimal("0.01")

# Decisions the ground truth gives for a bank line.
MATCH = "match"
NO_AUTO_MATCH = "no_auto_match"


@dataclass(frozen=True, slots=True)
class Account:
    """Our company's account at the bank, the one the statements are about."""

    iban: str
    bic: str
    holder: str
    bank_name: str
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    name: str
    siren: str
    siret: str
    iban: str
    address: str
    city: str
    postcode: str
    email: str


@dataclass(frozen=True, slots=True)
class Invoice:
    number: str
    customer_id: str
    issue_date: date
    due_date: date
    amount: Decimal
    currency: str = "EUR"
    reference: str = ""  # ISO 11649 creditor reference (RF…) printed on the invoice, when there is one
    settled_manually: bool = False  # a person already closed it by hand in the ERP
    settled_note: str = ""


@dataclass(frozen=True, slots=True)
class Settlement:
    """Part of a bank line that settles one invoice."""

    invoice: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class BankLine:
    """One movement on our account, with what it is really about (``kind``) and the right decision."""

    bank_ref: str  # the bank's own reference (camt AcctSvcrRef, MT940 after //, OFX FITID)
    booking_date: date
    value_date: date
    amount: Decimal  # signed: credits positive
    counterparty_name: str
    counterparty_iban: str
    remittance: str
    creditor_reference: str
    end_to_end_id: str
    reversal: bool
    # ISO bank transaction family: RCDT received transfer, ICDT issued, CHRG charges, DDBT direct debit
    family: str
    kind: str
    decision: str
    reason: str
    settles: tuple[Settlement, ...] = ()
    related: tuple[str, ...] = field(default=())  # other bank refs this line is tied to (duplicate, reversal)

    @property
    def is_credit(self) -> bool:
        return self.amount > 0


@dataclass(frozen=True, slots=True)
class World:
    seed: int
    today: date
    period_start: date
    period_end: date
    opening_balance: Decimal
    account: Account
    customers: tuple[Customer, ...]
    invoices: tuple[Invoice, ...]
    lines: tuple[BankLine, ...]

    def customer(self, customer_id: str) -> Customer:
        return next(c for c in self.customers if c.customer_id == customer_id)

    def lines_between(self, start: date, end: date) -> tuple[BankLine, ...]:
        return tuple(line for line in self.lines if start <= line.booking_date <= end)

    def balance_before(self, day: date) -> Decimal:
        """Booked balance at the start of ``day``."""
        return self.opening_balance + sum(
            (line.amount for line in self.lines if line.booking_date < day), start=Decimal("0.00")
        )
