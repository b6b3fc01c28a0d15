"""Small hand-made invoices and customers for the dunning tests, planned on a Monday morning in Paris."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bots.client_reminders.config import ClientRemindersConfig, LevelName
from bots.client_reminders.model import (
    Customer,
    CustomerCredit,
    InvoiceStatus,
    OpenInvoice,
    PendingMatch,
    ReminderPlan,
    SentReminder,
)
from bots.client_reminders.policy import plan_reminders

TODAY = date(2026, 3, 16)  # a Monday, no holiday
NOON_UTC = datetime(2026, 3, 16, 11, 0, tzinfo=UTC)  # 12:00 in Paris (CET): office hours are open


def customer(
    cid: str = "C1",
    *,
    language: str = "fr",
    zone: str = "Europe/Paris",
    do_not_remind: bool = False,
    reason: str = "",
    business: bool = True,
) -> Customer:
    return Customer(
        id=cid,
        name=f"Customer {cid}",
        email=f"{cid.lower()}@example.com",
        language=language,
        time_zone=zone,
        do_not_remind=do_not_remind,
        do_not_remind_reason=reason,
        business=business,
    )


def invoice(
    number: str,
    open_amount: str = "1000.00",
    *,
    days_overdue: int | None = None,
    due: date | None = None,
    cid: str = "C1",
    amount: str | None = None,
    currency: str = "EUR",
    status: InvoiceStatus = "open",
    promised_until: date | None = None,
    last: tuple[LevelName, date] | None = None,
    paid_since: str = "0",
    last_paid_on: date | None = None,
    today: date = TODAY,
) -> OpenInvoice:
    due_date = due if due is not None else today - timedelta(days=days_overdue or 0)
    return OpenInvoice(
        number=number,
        customer_id=cid,
        issue_date=due_date - timedelta(days=30),
        due_date=due_date,
        amount=Decimal(amount if amount is not None else open_amount),
        open_amount=Decimal(open_amount),
        currency=currency,
        status=status,
        promised_until=promised_until,
        last_reminder=SentReminder(last[0], last[1]) if last else None,
        paid_since_last_reminder=Decimal(paid_since),
        last_paid_on=last_paid_on,
    )


def plan(
    invoices: Sequence[OpenInvoice],
    customers: Sequence[Customer] | None = None,
    credits: Sequence[CustomerCredit] = (),
    pending: Sequence[PendingMatch] = (),
    *,
    as_of: date = TODAY,
    now: datetime = NOON_UTC,
    config: ClientRemindersConfig | None = None,
) -> ReminderPlan:
    return plan_reminders(
        invoices,
        customers if customers is not None else [customer()],
        credits,
        pending,
        as_of=as_of,
        now=now,
        config=config or ClientRemindersConfig(),
    )
