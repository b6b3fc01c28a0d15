"""The records of dunning: what the ERP says is owed and by whom, and the plan the policy makes of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bots.client_reminders.config import LEVEL_ORDER, LevelName

ZERO = Decimal("0")

InvoiceStatus = Literal["open", "disputed", "promised"]


class Action(StrEnum):
    """What happens to an invoice (or a customer's email) in this run."""

    SEND = "send"  # goes out in this run's email
    APPROVE = "approve"  # goes out once a person approves the email in the console
    WAIT = "wait"  # a reminder is due but held back until ``send_on`` (or until something changes)
    SKIP = "skip"  # no reminder is due


class Reason(StrEnum):
    """Stable reason codes, listed with their meaning in the bot's README."""

    PAID = "PAID"
    UNKNOWN_CUSTOMER = "UNKNOWN_CUSTOMER"
    DO_NOT_REMIND = "DO_NOT_REMIND"
    DISPUTED = "DISPUTED"
    COVERED_BY_CREDIT = "COVERED_BY_CREDIT"
    BELOW_MINIMUM = "BELOW_MINIMUM"
    NOT_DUE = "NOT_DUE"
    ALREADY_SENT = "ALREADY_SENT"
    INTEREST_RATE_MISSING = "INTEREST_RATE_MISSING"
    PENDING_MATCH = "PENDING_MATCH"
    PROMISED = "PROMISED"
    PARTLY_PAID = "PARTLY_PAID"
    TOO_SOON = "TOO_SOON"
    OUTSIDE_WINDOW = "OUTSIDE_WINDOW"
    LEVEL_DUE = "LEVEL_DUE"
    APPROVAL_REQUIRED = "APPROVAL_REQUIRED"


@dataclass(frozen=True, slots=True)
class SentReminder:
    """The last reminder the ERP recorded for an invoice."""

    level: LevelName
    sent_on: date

    @property
    def rank(self) -> int:
        return LEVEL_ORDER.index(self.level)


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """An invoice as the ERP lists it, with what is still owed on it and the dunning history.

    ``paid_since_last_reminder`` is money received since the last reminder (since issue when none
    was sent); ``last_paid_on`` is the day of the latest such payment, required when any was received.
    """

    number: str
    customer_id: str
    issue_date: date
    due_date: date
    amount: Decimal
    open_amount: Decimal
    currency: str = "EUR"
    status: InvoiceStatus = "open"
    promised_until: date | None = None
    last_reminder: SentReminder | None = None
    paid_since_last_reminder: Decimal = ZERO
    last_paid_on: date | None = None

    def __post_init__(self) -> None:
        if self.status == "promised" and self.promised_until is None:
            raise ValueError(f"invoice {self.number}: status 'promised' needs promised_until")
        if self.paid_since_last_reminder < 0:
            raise ValueError(f"invoice {self.number}: paid_since_last_reminder is negative")
        if self.paid_since_last_reminder > 0 and self.last_paid_on is None:
            raise ValueError(f"invoice {self.number}: a payment since the last reminder needs last_paid_on")


@dataclass(frozen=True, slots=True)
class Customer:
    """Whom the reminder goes to, in which language and time zone, and whether they may be reminded."""

    id: str
    name: str
    email: str
    language: str = "fr"
    time_zone: str = "Europe/Paris"
    do_not_remind: bool = False
    do_not_remind_reason: str = ""
    business: bool = True  # late charges (interest, recovery indemnity) are claimed from businesses only

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"customer {self.id}: unknown time zone {self.time_zone!r}") from exc

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass(frozen=True, slots=True)
class CustomerCredit:
    """A credit note or a payment of the customer not yet set against its invoices in the ERP.

    ``invoice`` names the invoice it covers; None when it is unallocated (any invoice of the customer).
    """

    customer_id: str
    reference: str
    amount: Decimal
    currency: str = "EUR"
    kind: Literal["credit_note", "payment"] = "credit_note"
    invoice: str | None = None


@dataclass(frozen=True, slots=True)
class PendingMatch:
    """An exception-queue item in which a person is matching a payment with these invoices."""

    item_reference: str
    invoices: frozenset[str]


@dataclass(frozen=True, slots=True)
class InvoicePlan:
    """The decision for one invoice: the level due, what happens, why, and the figures of the email.

    ``send_on`` is the UTC instant the reminder may go out (None when none is due, or no date is known).
    Late interest and the recovery fee are non-zero only at a level that claims them.
    """

    invoice: str
    customer_id: str
    level: LevelName | None
    action: Action
    reason: Reason
    explanation: str
    days_overdue: int
    amount_due: Decimal
    currency: str
    late_interest: Decimal = ZERO
    recovery_fee: Decimal = ZERO
    send_on: datetime | None = None


@dataclass(frozen=True, slots=True)
class CustomerReminder:
    """One email to one customer, listing every invoice that goes out in it.

    The highest level among the invoices decides the template and whether a person approves it.
    ``send_on`` to ``send_until`` (UTC) is the office-hours window in which it may be sent.
    ``totals`` is (currency, amount due + interest + fees) per currency, in currency order.
    """

    customer_id: str
    customer_name: str
    email: str
    language: str
    level: LevelName
    template: str
    needs_approval: bool
    action: Action
    invoices: tuple[InvoicePlan, ...]
    send_on: datetime
    send_until: datetime
    totals: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    """Every invoice's decision (sorted by customer, then invoice number) and one email per customer."""

    invoices: tuple[InvoicePlan, ...]
    reminders: tuple[CustomerReminder, ...]

    def for_invoice(self, number: str) -> InvoicePlan:
        for plan in self.invoices:
            if plan.invoice == number:
                return plan
        raise KeyError(number)

    def for_customer(self, customer_id: str) -> CustomerReminder | None:
        return next((r for r in self.reminders if r.customer_id == customer_id), None)
