"""What the ERP knows about collecting a customer's money: contacts, disputes, promises, credits, reminders.

Kept apart from ``model.py``: the bank-reconciliation world stays exactly as it was for a given seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from legacy_apps.world.model import Customer, Invoice

# Reminder levels, mildest first.
LEVELS = ("courtesy", "first", "second", "formal_notice", "collection")
CHANNELS = ("email", "letter", "phone")
CREDIT_NOTE = "credit_note"
UNALLOCATED_PAYMENT = "unallocated_payment"


@dataclass(frozen=True, slots=True)
class Contact:
    """Who receives a customer's reminders, in which language and time zone, and whether they may."""

    customer_id: str
    email: str
    contact_name: str
    language: str  # "fr" or "en"
    time_zone: str  # IANA name, e.g. "Europe/Paris"
    do_not_remind: bool = False
    do_not_remind_reason: str = ""


@dataclass(frozen=True, slots=True)
class InvoiceStatus:
    """Collection status of one invoice: a dispute stops reminders, a promise pauses them until its date."""

    invoice: str
    disputed: bool = False
    dispute_reason: str = ""
    promised_until: date | None = None


@dataclass(frozen=True, slots=True)
class Credit:
    """Money the customer has to its credit: a credit note or a payment received but not yet allocated.

    ``invoice`` names the invoice it was issued against; empty when unallocated.
    """

    number: str
    kind: str  # CREDIT_NOTE or UNALLOCATED_PAYMENT
    customer_id: str
    amount: Decimal
    issued_on: date
    invoice: str = ""
    label: str = ""


@dataclass(frozen=True, slots=True)
class PastReminder:
    """A reminder sent before the simulation starts (already in the ERP's history)."""

    invoice: str
    level: str
    sent_on: date
    message_id: str
    channel: str
    sent_by: str


@dataclass(frozen=True, slots=True)
class ReminderWorld:
    """Collection data of a seed. ``customers`` and ``invoices`` are the extra ones the ERP also holds;
    ``contacts`` covers every customer; ``scenarios`` says which situation each extra invoice stages."""

    seed: int
    today: date
    customers: tuple[Customer, ...]
    invoices: tuple[Invoice, ...]
    contacts: tuple[Contact, ...]
    statuses: tuple[InvoiceStatus, ...]
    credits: tuple[Credit, ...]
    history: tuple[PastReminder, ...]
    scenarios: tuple[tuple[str, str], ...]  # (invoice number, scenario name)

    def contact(self, customer_id: str) -> Contact:
        return next(c for c in self.contacts if c.customer_id == customer_id)

    def status(self, invoice: str) -> InvoiceStatus:
        return next((s for s in self.statuses if s.invoice == invoice), InvoiceStatus(invoice))
