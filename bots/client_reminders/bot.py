"""Orchestration of client_reminders: read the ERP, plan, send one email per customer, note it, report.

``collect`` reads the overdue invoices with their customers, credits and reminder history, runs the
policy and makes one work item per customer email (its reference is the email's business key).
``process`` checks the ERP again, holds what needs approval, sends through the effect ledger and notes
the reminder on each invoice. ``finalize`` writes the plan and the emails' outcome as CSV.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, TemplateNotFound

from rpa.bot import Bot, RunContext, RunSummary, UiTarget
from rpa.errors import BusinessRuleError, ConfigError
from rpa.items import Item, ItemState, NewItem
from rpa.mail import Attachment, MailNotDeliveredError, build_message, message_id_for, send_message

from .config import LEVEL_ORDER, ClientRemindersConfig
from .model import (
    ZERO,
    Action,
    Customer,
    CustomerCredit,
    CustomerReminder,
    OpenInvoice,
    Reason,
    ReminderPlan,
    SentReminder,
)
from .offline import mail_domain, write_plan_csv
from .pages import CustomerScreen, ErpCollections, ErpLogin, InvoiceScreen
from .policy import plan_reminders
from .render import reminder_environment, reminder_key, render_reminder
from .statement import statement_filename, statement_pdf


@dataclass(frozen=True, slots=True)
class ReminderItem:
    """One customer's email as planned, with the ERP rows it was planned from."""

    reminder: CustomerReminder
    customer: Customer
    invoices: tuple[OpenInvoice, ...]
    approved: str = ""  # the note of the person who approved it, when it needed approval


Ctx = RunContext[ClientRemindersConfig, ReminderItem]
APPROVED_PREFIX = "approve"  # a resolution note starting so ("approved", "Approve: ok") approves
APPROVABLE = ("REMINDER_NEEDS_APPROVAL", "REMINDER_WINDOW_CLOSED")
PLAN_FILE = "plan.csv"


# --- reading the ERP --------------------------------------------------------------------------------


def _last_reminder(rows: Iterable[tuple[str, date]]) -> SentReminder | None:
    known = [(level, day) for level, day in rows if level in LEVEL_ORDER]
    if not known:
        return None
    level, day = max(known, key=lambda r: (LEVEL_ORDER.index(r[0]), r[1]))
    return SentReminder(level, day)


def _customer(contact: Mapping[str, Any], name: str) -> Customer:
    return Customer(
        id=str(contact["customer_id"]),
        name=name,
        email=str(contact["email"]),
        language=str(contact.get("language") or "fr"),
        time_zone=str(contact.get("time_zone") or "Europe/Paris"),
        do_not_remind=bool(contact.get("do_not_remind")),
        do_not_remind_reason=str(contact.get("do_not_remind_reason") or ""),
    )


def _credit(customer_id: str, row: Mapping[str, Any], currency: str = "EUR") -> CustomerCredit:
    return CustomerCredit(
        customer_id=customer_id,
        reference=str(row.get("number") or row.get("creditNumber")),
        amount=Decimal(str(row["amount"])),
        currency=currency,
        kind="credit_note" if row.get("kind") == "credit_note" else "payment",
        invoice=str(row.get("invoice") or "") or None,
    )


def _paid_since(
    amount: Decimal, open_amount: Decimal, last: SentReminder | None, payments: Iterable[tuple[date, Decimal]]
) -> tuple[Decimal, date | None]:
    """Money received since the last reminder (since issue when none) and the day of the latest one."""
    if open_amount >= amount:
        return ZERO, None
    since = [(day, paid) for day, paid in payments if last is None or day > last.sent_on]
    if not since:
        return ZERO, None
    return sum((p for _, p in since), start=ZERO), max(day for day, _ in since)


def read_erp(ctx: Ctx, erp: ErpCollections) -> tuple[list[OpenInvoice], list[Customer], list[CustomerCredit]]:
    """The overdue invoices (and those reaching the first level soon), their customers and credits."""
    horizon = max(0, -min(level.offset_days for level in ctx.config.levels))
    data = erp.overdue(horizon)
    invoices, customers, credits = [], {}, {}
    for row in data["invoices"]:
        cust = row["customer"]
        cid = str(cust["customer_id"])
        if cid not in customers:
            customers[cid] = _customer(
                cust["contact"], str(cust.get("name") or row.get("customer_name") or "")
            )
            for c in cust.get("credits", ()):
                credits[c["number"]] = _credit(cid, c, str(row.get("currency") or "EUR"))
        amount, open_amount = Decimal(row["amount"]), Decimal(row["open_amount"])
        last = _last_reminder((r["level"], date.fromisoformat(r["sent_on"])) for r in row["reminders"])
        # Only a partly paid invoice needs its page opened: the JSON lists no payment dates.
        payments = erp.invoice(row["number"]).payments if open_amount < amount else ()
        paid, paid_on = _paid_since(amount, open_amount, last, payments)
        promised = date.fromisoformat(row["promised_until"]) if row.get("promised_until") else None
        invoices.append(
            OpenInvoice(
                number=row["number"],
                customer_id=cid,
                issue_date=date.fromisoformat(row["issue_date"]),
                due_date=date.fromisoformat(row["due_date"]),
                amount=amount,
                open_amount=open_amount,
                currency=str(row.get("currency") or "EUR"),
                status="disputed" if row.get("disputed") else "promised" if promised else "open",
                promised_until=promised,
                last_reminder=last,
                paid_since_last_reminder=paid,
                last_paid_on=paid_on,
            )
        )
    return invoices, list(customers.values()), list(credits.values())


def _plan(
    ctx: Ctx,
    invoices: Iterable[OpenInvoice],
    customers: Iterable[Customer],
    credits: Iterable[CustomerCredit],
) -> ReminderPlan:
    # Pending matches live in invoice_matching's exception queue, which a bot cannot read: none passed.
    return plan_reminders(
        invoices, customers, credits, (), as_of=ctx.today(), now=ctx.now(), config=ctx.config
    )


# --- collect ----------------------------------------------------------------------------------------


def collect(ctx: Ctx) -> list[NewItem[ReminderItem]]:
    erp = ErpCollections(ctx.page(), ctx.app("erp"))
    invoices, customers, credits = read_erp(ctx, erp)
    plan = _plan(ctx, invoices, customers, credits)
    for p in plan.invoices:
        ctx.record(
            "reminder.planned",
            "invoice",
            p.invoice,
            outcome=p.action.value,
            details={
                "customer": p.customer_id,
                "reason": p.reason.value,
                "level": p.level,
                "amount_due": p.amount_due,
                "send_on": p.send_on.isoformat() if p.send_on else None,
                "explanation": p.explanation,
            },
        )
    ctx.report_dir.mkdir(parents=True, exist_ok=True)
    write_plan_csv(ctx.report_dir / PLAN_FILE, plan.invoices)  # the offline planner's columns
    by_customer = {c.id: c for c in customers}
    approvals = _approvals(ctx)
    found = []
    for reminder in plan.reminders:
        if reminder.action not in (Action.SEND, Action.APPROVE):
            continue  # outside office hours: planned again by a later run
        key = reminder_key(reminder)
        listed = {p.invoice for p in reminder.invoices}
        payload = ReminderItem(
            reminder, by_customer[reminder.customer_id], tuple(i for i in invoices if i.number in listed)
        )
        if key in approvals:
            found.append(NewItem(f"{key}:approved", replace(payload, approved=approvals[key]), priority=1))
        else:
            found.append(NewItem(key, payload, priority=0 if reminder.needs_approval else 1))
    return found


def _approvals(ctx: Ctx) -> dict[str, str]:
    """Emails a person approved: resolved exception items held for approval, resolved as approved."""
    return {
        reference: note
        for reference, (code, note) in ctx.items.resolved().items()
        if code in APPROVABLE and note.strip().lower().startswith(APPROVED_PREFIX)
    }


# --- process ----------------------------------------------------------------------------------------


def process(ctx: Ctx, item: Item[ReminderItem]) -> dict[str, Any]:
    payload = item.payload
    reminder = payload.reminder
    key = reminder_key(reminder)
    numbers = [p.invoice for p in reminder.invoices]
    if reminder.needs_approval and not payload.approved:
        raise BusinessRuleError(
            f"the {reminder.level} email to {reminder.customer_id} ({reminder.customer_name}) for "
            f"{', '.join(numbers)} ({_totals(reminder)}) needs a person's approval; to send it, resolve this "
            f"item with a note starting 'approved' (rpa exceptions resolve client_reminders {item.reference} "
            "--note 'approved ...'): the next run sends it if the invoices are still due",
            code="REMINDER_NEEDS_APPROVAL",
            item_key=item.reference,
        )
    erp = ErpCollections(ctx.page(), ctx.app("erp"))
    mail = ctx.mail_settings()
    message_id = message_id_for(key, mail_domain(mail.sender))
    screens = {n: erp.invoice(n) for n in numbers}
    already_out = any(r.message_id == message_id for s in screens.values() for r in s.reminders)
    if not already_out:  # a resumed item whose email went out is finished, whatever changed since
        skipped = _recheck(ctx, erp, payload, screens)
        if skipped is not None:
            return skipped

    def noted() -> list[str]:
        return [n for n, s in screens.items() if any(r.message_id == message_id for r in s.reminders)]

    def in_erp() -> dict[str, Any] | None:
        # The ERP's reminder history is the only place that can say the email went out (noted after
        # sending). Not noted: it may have been sent all the same, and the mailbox cannot be asked.
        nonlocal screens
        screens = {n: erp.invoice(n) for n in numbers}
        if noted():
            return {"message_id": message_id, "noted_on": noted(), "recovered": True}
        raise BusinessRuleError(
            f"the {reminder.level} email {message_id} to {reminder.customer_id} was being sent when an "
            "earlier attempt stopped, and no invoice notes it: it may have been delivered. A person checks "
            "the sent mail; it is never sent again by the bot",
            code="REMINDER_DELIVERY_UNCERTAIN",
            item_key=item.reference,
        )

    env = _environment(ctx)
    if ctx.dry_run:
        msg = _message(ctx, env, payload, message_id, mail.sender)
        outbox = ctx.workdir / "outbox"
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{hashlib.sha256(key.encode()).hexdigest()[:12]}-{reminder.customer_id}.eml"
        path.write_bytes(msg.as_bytes())
        ctx.effects.once(key, lambda: None, item_reference=item.reference, action="mail.reminder")
        return {"dry_run": True, "outbox": str(path), "message_id": message_id}

    def send() -> dict[str, Any]:
        msg = _message(ctx, env, payload, message_id, mail.sender)
        sha = ctx.evidence.put_bytes(msg.as_bytes(), ".eml")
        result = send_message(mail, msg)
        return {"message_id": message_id, "to": list(result.accepted), "eml": sha}

    try:
        sent = ctx.effects.once(
            key, send, check=in_erp, item_reference=item.reference, action="mail.reminder"
        )
    except MailNotDeliveredError as exc:
        refused = {str(a): str(r) for a, r in dict(exc.details.get("refused") or {}).items()}
        if not refused or not all(r.startswith("5") for r in refused.values()):
            raise  # unreachable server or a temporary refusal (4xx): retried, safe (nothing was sent)
        ctx.record(
            "mail.refused",
            "customer",
            reminder.customer_id,
            outcome="refused",
            # The server's replies quote the address: the trail keeps the customer id, not the e-mail.
            details={
                "key": key,
                "message_id": message_id,
                "replies": [re.sub(r"[^\s<>]+@[^\s<>]+", "<address>", r) for r in refused.values()],
            },
        )
        raise BusinessRuleError(
            f"the mail server refused {reminder.email} for the {reminder.level} email to "
            f"{reminder.customer_id} ({'; '.join(refused.values())}): correct the customer's reminder "
            "e-mail in the ERP; nothing was sent",
            code="REMINDER_RECIPIENT_REFUSED",
            item_key=item.reference,
        ) from exc
    if sent.performed:
        ctx.record(
            "mail.sent",
            "customer",
            reminder.customer_id,
            details={
                "key": key,
                "message_id": message_id,
                "level": reminder.level,
                "language": reminder.language,
                "invoices": numbers,
                "approved": payload.approved or None,
            },
            evidence=[str(sent.result["eml"])],
        )
    notes = [_note(ctx, erp, item, screens[n], message_id) for n in numbers]
    return {"message_id": message_id, "sent": sent.performed, "level": reminder.level, "notes": notes}


def _note(
    ctx: Ctx, erp: ErpCollections, item: Item[ReminderItem], screen: InvoiceScreen, message_id: str
) -> str:
    """Note the reminder on one invoice (second effect), checked by Message-ID in its history."""
    # Each invoice is noted at its own level (the email's template is the highest of them), so its
    # escalation goes on from where it stands.
    number = screen.number
    level = next(p.level for p in item.payload.reminder.invoices if p.invoice == number) or "first"
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:16]

    def in_erp() -> dict[str, Any] | None:
        rows = erp.reminders_with_message_id(number, message_id)
        return {"invoice": number, "already_noted": True} if rows else None

    def post() -> dict[str, Any]:
        # The page read just before sending says whether someone noted it already: never noted twice.
        if any(r.message_id == message_id for r in screen.reminders):
            return {"invoice": number, "already_noted": True}
        erp.record_reminder(number, level, ctx.today(), message_id)
        return {"invoice": number, "level": level}

    ctx.effects.once(
        f"erp:reminder-note:{number}:{level}:{digest}",
        post,
        check=in_erp,
        item_reference=item.reference,
        action="erp.reminder_note",
    )
    return number


def _recheck(
    ctx: Ctx, erp: ErpCollections, payload: ReminderItem, screens: Mapping[str, InvoiceScreen]
) -> dict[str, Any] | None:
    """Plan the email again from the ERP as it is now; None when it still goes out unchanged."""
    reminder = payload.reminder
    contact = erp.customer(reminder.customer_id)
    customer = _fresh_customer(payload.customer, contact)
    invoices = [_fresh_invoice(i, screens[i.number]) for i in payload.invoices]
    credits = [_credit(reminder.customer_id, c) for c in contact.credits]
    plan = _plan(ctx, invoices, [customer], credits)
    fresh = plan.for_customer(reminder.customer_id)
    if fresh is not None and reminder_key(fresh) == reminder_key(reminder):
        if fresh.action == Action.WAIT:
            raise BusinessRuleError(
                f"the {reminder.level} email to {reminder.customer_id} is due but office hours are closed "
                f"for the customer now ({customer.time_zone}); resolve this item as 'approved' to have the "
                "next run send it within office hours",
                code="REMINDER_WINDOW_CLOSED",
                item_key=reminder_key(reminder),
            )
        return None
    reasons = {p.invoice: p.reason.value for p in plan.invoices}
    changed = {n: r for n, r in reasons.items() if r not in (Reason.LEVEL_DUE, Reason.APPROVAL_REQUIRED)}
    ctx.record(
        "reminder.skipped",
        "customer",
        reminder.customer_id,
        outcome="skipped",
        details={"key": reminder_key(reminder), "reasons": changed or reasons},
    )
    return {"skipped": True, "reasons": changed or reasons}


def _fresh_customer(planned: Customer, screen: CustomerScreen) -> Customer:
    return replace(
        planned,
        email=screen.email or planned.email,
        language=screen.language or planned.language,
        time_zone=screen.time_zone or planned.time_zone,
        do_not_remind=screen.do_not_remind,
        do_not_remind_reason=screen.do_not_remind_reason,
    )


def _fresh_invoice(planned: OpenInvoice, screen: InvoiceScreen) -> OpenInvoice:
    last = _last_reminder((r.level, r.sent_on) for r in screen.reminders)
    paid, paid_on = _paid_since(planned.amount, screen.open_amount, last, screen.payments)
    promised = screen.promised_until
    return replace(
        planned,
        open_amount=ZERO if screen.status == "Settled manually" else screen.open_amount,
        status="disputed" if screen.disputed else "promised" if promised else "open",
        promised_until=promised,
        last_reminder=last,
        paid_since_last_reminder=paid,
        last_paid_on=paid_on,
    )


# --- the email ----------------------------------------------------------------------------------------


def _environment(ctx: Ctx) -> Any:
    folder = (ctx.config_dir or Path("config")) / "templates"
    if not folder.is_dir():
        raise ConfigError(
            f"no email templates at {folder}: the reminder templates live in config/templates/reminders/",
            code="REMINDER_TEMPLATES_MISSING",
        )
    return reminder_environment(FileSystemLoader(str(folder)))


def _message(ctx: Ctx, env: Any, payload: ReminderItem, message_id: str, sender: str) -> Any:
    reminder, cfg = payload.reminder, ctx.config
    try:
        email = render_reminder(
            env,
            reminder,
            payload.invoices,
            payload.customer,
            company=cfg.company,
            as_of=ctx.today(),
            recovery_fee=cfg.recovery_fee,
        )
    except TemplateNotFound as exc:
        raise BusinessRuleError(
            f"template {exc.name} is missing for the {reminder.level} email to {reminder.customer_id}: "
            "add it under config/templates/",
            code="REMINDER_TEMPLATE_MISSING",
            item_key=reminder_key(reminder),
        ) from exc
    pdf = statement_pdf(reminder, payload.invoices, company=cfg.company.name or "", as_of=ctx.today())
    return build_message(
        sender=sender,
        to=[reminder.email],
        subject=email.subject,
        text=email.text,
        html=email.html,
        message_id=message_id,
        reply_to=cfg.company.email or None,
        attachments=[Attachment(statement_filename(reminder, ctx.today()), pdf, "application/pdf")],
    )


def _totals(reminder: CustomerReminder) -> str:
    return ", ".join(f"{amount} {currency}" for currency, amount in reminder.totals)


# --- finalize ---------------------------------------------------------------------------------------


def finalize(ctx: Ctx, summary: RunSummary) -> dict[str, Any]:
    rows = ctx.items.collected()
    folder = ctx.report_dir
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "emails.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(("reference", "customer", "level", "invoices", "state", "code", "language"))
        for r in rows:
            rem = r.payload.reminder
            out.writerow((r.reference, rem.customer_id, rem.level, " ".join(p.invoice for p in rem.invoices),
                          r.state.value, r.error_code or "", rem.language))  # fmt: skip
    planned: dict[str, int] = {}
    if (folder / PLAN_FILE).exists():
        with (folder / PLAN_FILE).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                planned[row["action"]] = planned.get(row["action"], 0) + 1
        ctx.record(
            "report.written",
            "report",
            str(folder / PLAN_FILE),
            evidence=[
                ctx.evidence.put_file(folder / PLAN_FILE),
                ctx.evidence.put_file(folder / "emails.csv"),
            ],
        )
    codes = [r.error_code for r in rows if r.state != ItemState.DONE]
    return {
        "report": str(folder / PLAN_FILE),
        "invoices_planned": sum(planned.values()),
        **{f"invoices_{action}": n for action, n in sorted(planned.items())},
        "emails": len(rows),
        "emails_done": sum(1 for r in rows if r.state == ItemState.DONE),
        "waiting_approval": codes.count("REMINDER_NEEDS_APPROVAL"),
        "recipients_refused": codes.count("REMINDER_RECIPIENT_REFUSED"),
    }


BOT: Bot[ClientRemindersConfig, ReminderItem] = Bot(
    id="client_reminders",
    title="Payment reminders",
    config_model=ClientRemindersConfig,
    collect=collect,
    process=process,
    finalize=finalize,
    payload_type=ReminderItem,
    lanes=1,  # one customer at a time: the ERP notes and the mail server see a steady, ordered flow
    uses_browser=True,
    ui=(UiTarget("erp", (ErpCollections,), ErpLogin),),
    description="Plans payment reminders from the ERP, emails one per customer, notes them in the ERP.",
)
