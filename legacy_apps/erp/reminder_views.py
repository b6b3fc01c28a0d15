"""Screens' collection blocks: a customer's contact and credits, an invoice's status, reminder history and
the 'reminder sent' form. Ids and ``data-*`` attributes are stable (the layout fault leaves them alone)."""

from __future__ import annotations

from decimal import Decimal

from legacy_apps.erp.reminders import LEVEL_LABELS, Reminder
from legacy_apps.web.html import day, e, message, money, table
from legacy_apps.world.reminder_model import CHANNELS, CREDIT_NOTE, LEVELS, Contact, Credit, InvoiceStatus

CREDIT_KINDS = {CREDIT_NOTE: "Credit note", "unallocated_payment": "Unallocated payment"}


def _yes_no(flag: bool) -> str:
    return "Yes" if flag else "No"


def span(element_id: str, text: str, **data: str) -> str:
    """A value with a stable id and its machine-readable form in ``data-*`` attributes."""
    attributes = "".join(f' data-{k.replace("_", "-")}="{e(v)}"' for k, v in data.items())
    return f'<span id="{element_id}"{attributes}>{e(text) if text else "&nbsp;"}</span>'


def _rows(rows: list[tuple[str, str]]) -> str:
    return "".join(f'<tr><td class="lbl">{e(label)}</td><td>{value}</td></tr>' for label, value in rows)


def contact_block(contact: Contact) -> str:
    blocked = "true" if contact.do_not_remind else "false"
    rows = [
        ("Contact", span("contact-name", contact.contact_name)),
        ("Reminder e-mail", span("contact-email", contact.email, email=contact.email)),
        ("Language", span("contact-language", contact.language, language=contact.language)),
        ("Time zone", span("contact-time-zone", contact.time_zone, time_zone=contact.time_zone)),
        (
            "Do not remind",
            span("contact-do-not-remind", _yes_no(contact.do_not_remind), do_not_remind=blocked),
        ),
        ("Reason", span("contact-do-not-remind-reason", contact.do_not_remind_reason)),
    ]
    return (
        f'<h4>Dunning contact</h4><table class="grid" id="customer-contact"'
        f' data-customer-id="{e(contact.customer_id)}" data-do-not-remind="{blocked}">{_rows(rows)}</table>'
    )


def credits_block(base: str, credits: list[Credit]) -> str:
    rows = [
        [
            f'<td data-credit-number="{e(c.number)}" data-kind="{e(c.kind)}" data-amount="{c.amount:.2f}"'
            f' data-invoice="{e(c.invoice)}" data-issued-on="{c.issued_on.isoformat()}">{e(c.number)}</td>',
            f"<td>{e(CREDIT_KINDS.get(c.kind, c.kind))}</td><td>{day(c.issued_on)}</td>",
            f'<td class="num">{money(c.amount)}</td>',
            f'<td><a href="{base}/invoice/{e(c.invoice)}">{e(c.invoice)}</a></td>'
            if c.invoice
            else "<td><i>Unallocated</i></td>",
            f"<td>{e(c.label)}</td>",
        ]
        for c in credits
    ]
    headers = ["Number", "Kind", "Date", "Amount", "Against invoice", "Label"]
    return f"<h4>Credits</h4>{table(headers, rows, table_id='customer-credits')}"


def status_block(status: InvoiceStatus, credits: list[Credit]) -> str:
    promised = status.promised_until
    covering = sum((c.amount for c in credits), start=Decimal("0.00"))
    numbers = [c.number for c in credits]
    disputed = "true" if status.disputed else "false"
    listed = ", ".join(numbers)
    rows = [
        ("Disputed", span("invoice-disputed", _yes_no(status.disputed), disputed=disputed)),
        ("Dispute reason", span("invoice-dispute-reason", status.dispute_reason)),
        (
            "Payment promised until",
            span("invoice-promised-until", day(promised) if promised else "",
                 date=promised.isoformat() if promised else ""),
        ),
        (
            "Credit notes against it",
            span("invoice-credit-notes", listed, amount=f"{covering:.2f}", numbers=" ".join(numbers)),
        ),
    ]  # fmt: skip
    return f'<h4>Collection</h4><table class="grid" id="invoice-collection">{_rows(rows)}</table>'


def reminders_grid(reminders: list[Reminder]) -> str:
    rows = [
        [
            f'<td data-reminder-id="{e(r.reminder_id)}" data-level="{e(r.level)}"'
            f' data-sent-on="{r.sent_on.isoformat()}" data-message-id="{e(r.message_id)}"'
            f' data-channel="{e(r.channel)}" data-recorded-by="{e(r.recorded_by)}">'
            f"{e(LEVEL_LABELS[r.level])}</td>",
            f'<td>{day(r.sent_on)}</td><td class="message-id">{e(r.message_id)}</td>',
            f"<td>{e(r.channel)}</td><td>{e(r.recorded_by)}</td>",
        ]
        for r in reminders
    ]
    headers = ["Level", "Sent on", "Message-ID", "Channel", "Recorded by"]
    return table(headers, rows, table_id="reminders-table", caption="Reminders sent")


def _select(element_id: str, name: str, options: tuple[str, ...], chosen: str, labels: dict[str, str]) -> str:
    items = "".join(
        f'<option value="{e(o)}"{" selected" if o == chosen else ""}>{e(labels.get(o, o))}</option>'
        for o in ("", *options)
    )
    return f'<select id="{element_id}" name="{name}">{items}</select>'


def reminder_form(
    action: str, csrf: str, *, errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
    info: str = "",
) -> str:  # fmt: skip
    errors, values = errors or {}, values or {}

    def err(field: str) -> str:
        text = errors.get(field)
        return (
            f'<tr><td></td><td><span class="error" role="alert" id="reminder-{field}-error">{e(text)}</span>'
            "</td></tr>"
            if text
            else ""
        )

    def row(element_id: str, label: str, control: str, field: str) -> str:
        return (
            f'<tr><td class="lbl"><label for="{element_id}">{e(label)}</label></td><td>{control}</td></tr>'
            f"{err(field)}"
        )

    def text(element_id: str, name: str, size: int) -> str:
        value = e(values.get(name, ""))
        return f'<input type="text" id="{element_id}" name="{name}" value="{value}" size="{size}">'

    message_id = text("reminder-message-id", "message_id", 60)
    levels = _select("reminder-level", "level", LEVELS, values.get("level", ""), LEVEL_LABELS)
    channels = _select("reminder-channel", "channel", CHANNELS, values.get("channel", "email"), {})
    return (
        f"<h4>Record a reminder sent</h4>{message(info) if info else ''}"
        f"{message('Please correct the errors below.', 'error') if errors else ''}"
        f'<form method="post" action="{action}" name="reminderform" id="reminder-form">'
        f'<input type="hidden" name="csrf_token" value="{csrf}"><table>'
        f"{row('reminder-level', 'Level', levels, 'level')}"
        f"{row('reminder-sent-on', 'Date sent', text('reminder-sent-on', 'sent_on', 10), 'sent_on')}"
        f"{row('reminder-message-id', 'Message-ID', message_id, 'message_id')}"
        f"{row('reminder-channel', 'Channel', channels, 'channel')}"
        '<tr><td></td><td><input type="submit" id="reminder-submit" value="Record reminder">'
        " <small>(dd/mm/yyyy)</small></td></tr></table></form>"
    )
