"""The ERP's data in memory: invoices from the world, payments, notes and reminders people (or bots) add."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from legacy_apps.erp.reminders import Reminder
from legacy_apps.world.model import Customer, Invoice, World
from legacy_apps.world.reminder_model import Contact, Credit, InvoiceStatus
from legacy_apps.world.reminders import build_reminder_world

STATUSES = ("Open", "Partially paid", "Paid", "Overpaid", "Settled manually")


@dataclass
class Payment:
    payment_id: str
    invoice: str
    amount: Decimal
    payment_date: date
    bank_reference: str
    created_at: int  # position in the ERP's journal: a counter, not a clock
    recorded_by: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "payment_id": self.payment_id, "invoice": self.invoice, "amount": f"{self.amount:.2f}",
            "date": self.payment_date.isoformat(), "bank_reference": self.bank_reference,
            "created_at": self.created_at, "recorded_by": self.recorded_by,
        }  # fmt: skip


@dataclass
class Note:
    note_id: int
    target: str  # "invoice:INV-…" or "customer:C0001"
    text: str
    author: str
    created_at: int


@dataclass
class InvoiceRecord:
    invoice: Invoice
    customer: Customer
    payments: list[Payment] = field(default_factory=list)

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), start=Decimal("0.00"))

    @property
    def open_amount(self) -> Decimal:
        base = Decimal("0.00") if self.invoice.settled_manually else self.invoice.amount
        return base - self.paid

    @property
    def status(self) -> str:
        if self.invoice.settled_manually:
            return "Settled manually"
        open_amount = self.open_amount
        if open_amount < 0:
            return "Overpaid"
        if open_amount == 0:
            return "Paid"
        return "Open" if open_amount == self.invoice.amount else "Partially paid"

    def as_dict(self) -> dict[str, Any]:
        inv = self.invoice
        return {
            "number": inv.number, "customer_id": inv.customer_id, "customer_name": self.customer.name,
            "issue_date": inv.issue_date.isoformat(), "due_date": inv.due_date.isoformat(),
            "amount": f"{inv.amount:.2f}", "open_amount": f"{self.open_amount:.2f}", "currency": inv.currency,
            "reference": inv.reference, "status": self.status, "settled_manually": inv.settled_manually,
            "payments": [p.payment_id for p in self.payments],
        }  # fmt: skip


class ErpState:
    def __init__(self, world: World) -> None:
        self.world = world
        self.reset()

    def reset(self) -> None:
        extra = self.reminder_world = build_reminder_world(self.world)
        customers = {c.customer_id: c for c in (*self.world.customers, *extra.customers)}
        self.customers = customers
        self.invoices = {
            i.number: InvoiceRecord(i, customers[i.customer_id])
            for i in (*self.world.invoices, *extra.invoices)
        }
        self.contacts: dict[str, Contact] = {c.customer_id: c for c in extra.contacts}
        self.statuses: dict[str, InvoiceStatus] = {s.invoice: s for s in extra.statuses}
        self.credits: list[Credit] = list(extra.credits)
        self.payments: list[Payment] = []
        self.notes: list[Note] = []
        self.counter = 0
        self.reminders: list[Reminder] = []
        for past in extra.history:
            self._add_reminder(
                past.invoice,
                past.level,
                past.sent_on,
                past.message_id,
                past.channel,
                past.sent_by,
                seeded=True,
            )

    def _tick(self) -> int:
        self.counter += 1
        return self.counter

    def search(self, number: str = "", customer: str = "", status: str = "") -> list[InvoiceRecord]:
        number, customer = number.strip().upper(), customer.strip().lower()
        return [
            record
            for record in self.invoices.values()
            if (not number or number in record.invoice.number)
            and (
                not customer
                or customer in record.customer.name.lower()
                or customer == record.customer.customer_id.lower()
            )
            and (not status or record.status == status)
        ]

    def record_payment(
        self, number: str, amount: Decimal, day: date, bank_reference: str, user: str
    ) -> Payment:
        """Post a payment. Like many old systems it never checks for an identical earlier posting."""
        record = self.invoices[number]
        created = self._tick()
        payment = Payment(
            payment_id=f"PAY-{len(self.payments) + 1:06d}",
            invoice=number,
            amount=amount,
            payment_date=day,
            bank_reference=bank_reference,
            created_at=created,
            recorded_by=user,
        )
        record.payments.append(payment)
        self.payments.append(payment)
        return payment

    def payments_by_reference(self, reference: str) -> list[Payment]:
        wanted = reference.strip().upper()
        return [p for p in self.payments if not wanted or wanted in p.bank_reference.upper()]

    def add_note(self, target: str, text: str, user: str) -> Note:
        note = Note(
            note_id=len(self.notes) + 1, target=target, text=text, author=user, created_at=self._tick()
        )
        self.notes.append(note)
        return note

    def notes_for(self, target: str) -> list[Note]:
        return [n for n in self.notes if n.target == target]

    def status_of(self, number: str) -> InvoiceStatus:
        return self.statuses.get(number) or InvoiceStatus(number)

    def credits_of(self, customer_id: str) -> list[Credit]:
        return [c for c in self.credits if c.customer_id == customer_id]

    def _add_reminder(
        self,
        number: str,
        level: str,
        sent_on: date,
        message_id: str,
        channel: str,
        user: str,
        *,
        seeded: bool,
    ) -> Reminder:
        reminder = Reminder(
            reminder_id=f"REM-{len(self.reminders) + 1:06d}", invoice=number, level=level, sent_on=sent_on,
            message_id=message_id, channel=channel, recorded_by=user, seeded=seeded,
            created_at=0 if seeded else self._tick(),  # seeding leaves the journal counter as it was
        )  # fmt: skip
        self.reminders.append(reminder)
        return reminder

    def record_reminder(
        self, number: str, level: str, sent_on: date, message_id: str, channel: str, user: str
    ) -> Reminder:
        """Note a reminder on an invoice. Like the payment form, it never refuses a repeat."""
        if number not in self.invoices:
            raise KeyError(number)
        return self._add_reminder(number, level, sent_on, message_id, channel, user, seeded=False)

    def reminders_for(self, number: str, message_id: str = "") -> list[Reminder]:
        """The invoice's reminders, oldest first; only those carrying ``message_id`` when given."""
        wanted = message_id.strip()
        return [r for r in self.reminders if r.invoice == number and (not wanted or r.message_id == wanted)]
