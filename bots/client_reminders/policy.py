"""The dunning policy: which reminder each open invoice is due, and one email per customer in office hours.

Pure: the ERP's rows, the exception queue's pending matches, ``as_of`` and ``now`` come in; a plan
comes out. The rules and the reason codes are described in the bot's README.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from bots.client_reminders.config import LEVEL_ORDER, ClientRemindersConfig, LevelName, ReminderLevel
from bots.client_reminders.interest import (
    HalfYear,
    InterestRateMissingError,
    late_interest,
    recovery_fee,
)
from bots.client_reminders.model import (
    ZERO,
    Action,
    Customer,
    CustomerCredit,
    CustomerReminder,
    InvoicePlan,
    OpenInvoice,
    PendingMatch,
    Reason,
    ReminderPlan,
)
from rpa.calendar import BusinessCalendar
from rpa.money import quantize


@dataclass(frozen=True, slots=True)
class _Run:
    """What every decision of one planning run shares."""

    as_of: date
    now: datetime
    config: ClientRemindersConfig
    calendar: BusinessCalendar
    rates: Mapping[HalfYear, Decimal]
    credits: tuple[CustomerCredit, ...]
    pending: Mapping[str, str]  # invoice number -> exception-queue item reference

    def opening(self, customer: Customer, day: date) -> datetime:
        """The first moment, not before ``now``, on or after ``day`` when an email may go to ``customer``."""
        zone = customer.zone
        moment = max(self.now, datetime.combine(day, time(0), tzinfo=zone))
        start, _ = self.calendar.office_window(
            moment, zone, self.config.office_opens, self.config.office_closes
        )
        return max(start, moment)


def plan_reminders(
    invoices: Iterable[OpenInvoice],
    customers: Iterable[Customer],
    credits: Iterable[CustomerCredit],
    pending_matches: Iterable[PendingMatch],
    *,
    as_of: date,
    now: datetime,
    config: ClientRemindersConfig,
) -> ReminderPlan:
    """Decide every invoice's reminder as of ``as_of`` and group the ones going out into one email per
    customer, sent within office hours around the aware instant ``now``."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime (UTC)")
    run = _Run(
        as_of=as_of,
        now=now.astimezone(UTC),
        config=config,
        calendar=config.calendar(),
        rates=config.rate_table(),
        credits=tuple(credits),
        pending={number: m.item_reference for m in pending_matches for number in sorted(m.invoices)},
    )
    by_id = {c.id: c for c in customers}
    decided = [
        _decide(invoice, by_id.get(invoice.customer_id), run)
        for invoice in sorted(invoices, key=lambda i: (i.customer_id, i.number))
    ]
    ready: dict[str, list[InvoicePlan]] = defaultdict(list)
    for plan in decided:
        if plan.action in (Action.SEND, Action.APPROVE):
            ready[plan.customer_id].append(plan)
    reminders = [_email(by_id[cid], plans, run) for cid, plans in sorted(ready.items())]
    final = {p.invoice: p for r in reminders for p in r.invoices}
    return ReminderPlan(invoices=tuple(final.get(p.invoice, p) for p in decided), reminders=tuple(reminders))


def _level_reached(days_overdue: int, config: ClientRemindersConfig) -> ReminderLevel | None:
    reached = [level for level in config.levels if level.offset_days <= days_overdue]
    return reached[-1] if reached else None


def _credit(invoice: OpenInvoice, run: _Run) -> tuple[Decimal, Decimal]:
    """(credit naming this invoice, the customer's unallocated credit), in the invoice's currency."""
    named = unallocated = ZERO
    for credit in run.credits:
        if credit.customer_id != invoice.customer_id or credit.currency != invoice.currency:
            continue
        if credit.invoice == invoice.number:
            named += credit.amount
        elif credit.invoice is None:
            unallocated += credit.amount
    return named, unallocated


def _decide(invoice: OpenInvoice, customer: Customer | None, run: _Run) -> InvoicePlan:
    config, cur = run.config, invoice.currency
    days = (run.as_of - invoice.due_date).days

    def plan(
        action: Action,
        reason: Reason,
        why: str,
        *,
        level: LevelName | None = None,
        amount_due: Decimal | None = None,
        interest: Decimal = ZERO,
        fee: Decimal = ZERO,
        send_on: datetime | None = None,
    ) -> InvoicePlan:
        return InvoicePlan(
            invoice=invoice.number,
            customer_id=invoice.customer_id,
            level=level,
            action=action,
            reason=reason,
            explanation=why,
            days_overdue=days,
            amount_due=quantize(max(invoice.open_amount, ZERO), cur) if amount_due is None else amount_due,
            currency=cur,
            late_interest=interest,
            recovery_fee=fee,
            send_on=send_on,
        )

    if invoice.open_amount <= 0:
        return plan(Action.SKIP, Reason.PAID, "Nothing is open on the invoice any more.")
    if customer is None:
        return plan(
            Action.SKIP, Reason.UNKNOWN_CUSTOMER, f"Customer {invoice.customer_id} is not in the ERP's list."
        )
    if customer.do_not_remind:
        why = customer.do_not_remind_reason or "no reason given"
        return plan(Action.SKIP, Reason.DO_NOT_REMIND, f"The customer is marked do-not-remind ({why}).")
    if invoice.status == "disputed":
        return plan(Action.SKIP, Reason.DISPUTED, "The invoice is disputed: a person settles the dispute.")
    named, unallocated = _credit(invoice, run)
    due = quantize(max(invoice.open_amount - named, ZERO), cur)
    if due <= 0:
        return plan(
            Action.SKIP,
            Reason.COVERED_BY_CREDIT,
            f"A credit of {named} {cur} names the invoice and covers its open amount.",
            amount_due=due,
        )
    if unallocated >= due:
        return plan(
            Action.SKIP,
            Reason.COVERED_BY_CREDIT,
            f"The customer has {unallocated} {cur} of unallocated credit, enough to settle {due} {cur}: "
            "allocate it in the ERP.",
            amount_due=due,
        )
    if due < config.minimum_amount:
        return plan(
            Action.SKIP,
            Reason.BELOW_MINIMUM,
            f"{due} {cur} is below the minimum of {config.minimum_amount} for a reminder.",
            amount_due=due,
        )
    level = _level_reached(days, config)
    if level is None:
        first = config.levels[0]
        on = invoice.due_date + timedelta(days=first.offset_days)
        return plan(
            Action.SKIP,
            Reason.NOT_DUE,
            f"No level reached yet: {first.name} is reached on {on.isoformat()}.",
            amount_due=due,
        )
    last = invoice.last_reminder
    if last is not None and last.rank >= LEVEL_ORDER.index(level.name):
        return plan(
            Action.SKIP,
            Reason.ALREADY_SENT,
            f"The {last.level} reminder was sent on {last.sent_on.isoformat()}; "
            f"{level.name} is the level reached; the next level is not reached yet.",
            level=level.name,
            amount_due=due,
        )
    interest, fee = ZERO, ZERO
    if level.claims_late_charges and customer.business:
        try:
            interest = late_interest(due, invoice.due_date, run.as_of, run.rates, cur)
        except InterestRateMissingError as exc:
            return plan(Action.SKIP, Reason.INTEREST_RATE_MISSING, str(exc), level=level.name, amount_due=due)
        fee = recovery_fee(config.recovery_fee, business=customer.business, currency=cur)

    name = level.name

    def held(reason: Reason, why: str, send_on: datetime | None = None) -> InvoicePlan:
        return plan(
            Action.WAIT,
            reason,
            why,
            level=name,
            amount_due=due,
            interest=interest,
            fee=fee,
            send_on=send_on,
        )

    delay = config.delay_before(level.name)
    if invoice.number in run.pending:
        return held(
            Reason.PENDING_MATCH,
            f"A payment may settle it: exception item {run.pending[invoice.number]} is being worked.",
        )
    promised = invoice.promised_until if invoice.status == "promised" else None
    if promised is not None and promised >= run.as_of:
        after = promised + timedelta(days=1)
        return held(
            Reason.PROMISED,
            f"The customer promised to pay by {promised.isoformat()}.",
            run.opening(customer, after),
        )
    if invoice.paid_since_last_reminder > 0 and invoice.last_paid_on is not None:
        resume = invoice.last_paid_on + timedelta(days=delay)
        if resume > run.as_of:
            return held(
                Reason.PARTLY_PAID,
                f"{invoice.paid_since_last_reminder} {cur} was paid on {invoice.last_paid_on.isoformat()}"
                f" since the last reminder; {level.name} waits {delay} days from that payment.",
                run.opening(customer, resume),
            )
    if last is not None:
        resume = last.sent_on + timedelta(days=delay)
        if resume > run.as_of:
            return held(
                Reason.TOO_SOON,
                f"The {last.level} reminder of {last.sent_on.isoformat()} is recent; "
                f"{level.name} needs {delay} days since it.",
                run.opening(customer, resume),
            )
    action, reason = (
        (Action.APPROVE, Reason.APPROVAL_REQUIRED)
        if level.needs_approval
        else (Action.SEND, Reason.LEVEL_DUE)
    )
    return plan(
        action, reason, f"{level.name} is due.", level=level.name, amount_due=due, interest=interest, fee=fee
    )


def _email(customer: Customer, plans: list[InvoicePlan], run: _Run) -> CustomerReminder:
    config = run.config
    top = config.level(max((p.level for p in plans if p.level), key=LEVEL_ORDER.index))
    start, end = run.calendar.office_window(run.now, customer.zone, config.office_opens, config.office_closes)
    open_now = start <= run.now
    local = start.astimezone(customer.zone).strftime("%Y-%m-%d %H:%M")
    if top.needs_approval:
        action, reason = Action.APPROVE, Reason.APPROVAL_REQUIRED
        note = f"In the {top.name} email, which a person approves before it is sent."
    elif open_now:
        action, reason, note = Action.SEND, Reason.LEVEL_DUE, f"In the {top.name} email sent now."
    else:
        action, reason = Action.WAIT, Reason.OUTSIDE_WINDOW
        note = f"In the {top.name} email, held until office hours open ({local} {customer.time_zone})."
    send_on = max(start, run.now)
    listed = tuple(
        replace(p, action=action, reason=reason, explanation=f"{p.explanation} {note}", send_on=send_on)
        for p in plans
    )
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for p in listed:
        totals[p.currency] += p.amount_due + p.late_interest + p.recovery_fee
    language = customer.language if customer.language in config.languages else config.default_language
    return CustomerReminder(
        customer_id=customer.id,
        customer_name=customer.name,
        email=customer.email,
        language=language,
        level=top.name,
        template=top.template,
        needs_approval=top.needs_approval,
        action=action,
        invoices=listed,
        send_on=send_on,
        send_until=end,
        totals=tuple(sorted(totals.items())),
    )
