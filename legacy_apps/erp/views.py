"""The ERP's screens as HTML: a frameset, a menu, dense grids and old-style forms."""

from __future__ import annotations

from urllib.parse import urlencode

from legacy_apps.erp.state import STATUSES, InvoiceRecord, Note, Payment
from legacy_apps.web.html import day, e, message, money, page, table
from legacy_apps.web.layout import Ui
from legacy_apps.world.model import Customer

PRODUCT = "GESTCOM 4.2"
PAGE_SIZE = 20


def banner(company: str) -> str:
    return f'<div class="title">{PRODUCT} &mdash; {e(company)}</div>'


def frameset(base: str, company: str) -> str:
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Frameset//EN" "http://www.w3.org/TR/html4/frameset.dtd">\n'
        f"<html><head><title>{PRODUCT} - {e(company)}</title></head>\n"
        f'<frameset cols="190,*" border="1"><frame name="menu" id="menu" src="{base}/menu" scrolling="auto">'
        f'<frame name="main" id="main" src="{base}/home">'
        "<noframes>Your browser must support frames.</noframes>"
        "</frameset></html>\n"
    )


def login(base: str, ui: Ui, csrf: str, *, error: str = "", info: str = "", user: str = "") -> str:
    body = (
        '<br><br><center><table border="2" cellpadding="6" bgcolor="#d4d0c8">'
        f'<tr><td class="title">{PRODUCT} - Sign in'
        f"</td></tr><tr><td>{message(error, 'error') if error else ''}{message(info) if info else ''}"
        f'<form method="post" action="{base}/login" target="_top" name="loginform">'
        f'<input type="hidden" name="csrf_token" value="{csrf}"><table>'
        f"{ui.field('login-user', 'username', value=user)}"
        f"{ui.field('login-password', 'password', kind='password')}"
        f"<tr><td></td><td>{ui.submit('login-submit')}</td></tr></table></form></td></tr></table></center>"
    )
    return page(f"{PRODUCT} - Sign in", body, bgcolor="#808080")


def menu(base: str, user: str) -> str:
    links = [("Home", "home"), ("Invoices", "invoices"), ("Payments", "payments"), ("Exports", "export")]
    items = "".join(
        f'<tr><td><a href="{base}/{href}" target="main">{e(text)}</a></td></tr>' for text, href in links
    )
    body = (
        f'<table width="100%" border="0" cellpadding="3"><tr><td class="title">{PRODUCT}</td></tr>{items}'
        f"<tr><td><hr>User: <b>{e(user)}</b><br>"
        f'<a href="{base}/logout" target="_top">Log out</a></td></tr></table>'
    )
    return page("Menu", body, bgcolor="#d4d0c8")


def home(company: str, open_count: int, open_total: str, today: str) -> str:
    body = (
        f"{banner(company)}<p>Accounting date: <b>{today}</b></p>"
        f'<table class="grid" id="summary"><tr><td class="lbl">Open invoices</td><td class="num">{open_count}'
        f'</td></tr><tr><td class="lbl">Open amount (EUR)</td><td class="num">{open_total}</td></tr></table>'
    )
    return page("Home", body)


def pager(base_path: str, params: dict[str, str], current: int, pages: int, ui: Ui) -> str:
    def link(target: int, key: str) -> str:
        query = urlencode({**params, "page": str(target)})
        rel = "next" if key == "page-next" else "prev"
        return f'<a href="{base_path}?{query}" id="{ui.id(key)}" rel="{rel}">{e(ui.label(key))}</a>'

    parts = []
    if current > 1:
        parts.append(link(current - 1, "page-previous"))
    parts.append(f'<span id="page-info">Page {current} of {pages}</span>')
    if current < pages:
        parts.append(link(current + 1, "page-next"))
    return '<p class="pager">' + " &nbsp; ".join(parts) + "</p>"


def invoice_list(
    base: str,
    ui: Ui,
    records: list[InvoiceRecord],
    filters: dict[str, str],
    current: int,
    pages: int,
    total: int,
) -> str:
    options = "".join(
        f'<option value="{e(s)}"{" selected" if filters.get("status") == s else ""}>{e(s)}</option>'
        for s in ("", *STATUSES)
    )
    form = (
        f'<form method="get" action="{base}/invoices" name="search"><table class="grid">'
        f"{ui.field('search-number', 'number', value=filters.get('number', ''))}"
        f"{ui.field('search-customer', 'customer', value=filters.get('customer', ''))}"
        f'<tr><td class="lbl"><label for="{ui.id("search-status")}">'
        f"{e(ui.label('search-status'))}</label></td>"
        f'<td><select id="{ui.id("search-status")}" name="status">{options}</select></td></tr>'
        f"<tr><td></td><td>{ui.submit('search-submit')}</td></tr></table></form>"
    )
    rows = [
        [
            f'<td><a href="{base}/invoice/{e(r.invoice.number)}">{e(r.invoice.number)}</a></td>',
            f'<td><a href="{base}/customer/{e(r.customer.customer_id)}">{e(r.customer.name)}</a></td>',
            f"<td>{day(r.invoice.issue_date)}</td><td>{day(r.invoice.due_date)}</td>",
            f'<td class="num">{money(r.invoice.amount)}</td><td class="num">{money(r.open_amount)}</td>',
            f"<td>{e(r.status)}</td>",
        ]
        for r in records
    ]
    headers = ["Number", "Customer", "Issue date", "Due date", "Amount", "Open amount", "Status"]
    grid = table(headers, rows, table_id=ui.id("invoices-table"), caption=ui.label("invoices-table"))
    body = (
        f"{banner('Invoice search')}{form}<p>{total} invoice(s) found</p>{grid}"
        f"{pager(f'{base}/invoices', filters, current, pages, ui)}"
    )
    return page("Invoices", body)


def payments_grid(base: str, ui: Ui, payments: list[Payment]) -> str:
    rows = [
        [
            f"<td>{e(p.payment_id)}</td>",
            f'<td><a href="{base}/invoice/{e(p.invoice)}">{e(p.invoice)}</a></td>',
            f'<td>{day(p.payment_date)}</td><td class="num">{money(p.amount)}</td>',
            f"<td>{e(p.bank_reference)}</td><td>{e(p.recorded_by)}</td>",
        ]
        for p in payments
    ]
    headers = ["Payment no.", "Invoice", "Date", "Amount", "Bank reference", "Recorded by"]
    return table(headers, rows, table_id=ui.id("payments-table"), caption=ui.label("payments-table"))


def notes_block(action: str, ui: Ui, csrf: str, notes: list[Note]) -> str:
    items = (
        "".join(f"<li>[{n.note_id}] {e(n.author)}: {e(n.text)}</li>" for n in notes)
        or "<li><i>No notes</i></li>"
    )
    return (
        f'<h4>Notes</h4><ul id="notes">{items}</ul><form method="post" action="{action}" name="noteform">'
        f'<input type="hidden" name="csrf_token" value="{csrf}"><table>'
        f'<tr><td class="lbl"><label for="{ui.id("note-text")}">{e(ui.label("note-text"))}</label></td>'
        f'<td><textarea id="{ui.id("note-text")}" name="text" rows="3" cols="50"></textarea></td></tr>'
        f"<tr><td></td><td>{ui.submit('note-submit')}</td></tr></table></form>"
    )


def invoice_page(
    base: str, ui: Ui, record: InvoiceRecord, csrf: str, notes: list[Note], *,
    errors: dict[str, str] | None = None, values: dict[str, str] | None = None, info: str = "",
    collection: str = "",
) -> str:  # fmt: skip
    inv, customer, errors, values = record.invoice, record.customer, errors or {}, values or {}
    details = [
        ("Invoice number", e(inv.number)),
        ("Customer", f'<a href="{base}/customer/{e(customer.customer_id)}">{e(customer.name)}</a>'),
        ("Issue date", day(inv.issue_date)), ("Due date", day(inv.due_date)),
        ("Amount", f'<span id="invoice-amount">{money(inv.amount)}</span>'),
        ("Open amount", f'<span id="invoice-open-amount">{money(record.open_amount)}</span>'),
        ("Currency", inv.currency), ("Creditor reference", e(inv.reference) or "&nbsp;"),
        ("Status", f'<span id="invoice-status">{e(record.status)}</span>'),
    ]  # fmt: skip
    if inv.settled_manually:
        details.append(("Settlement note", e(inv.settled_note)))
    rows = "".join(f'<tr><td class="lbl">{label}</td><td>{value}</td></tr>' for label, value in details)
    header = (
        f'<table class="grid" id="{ui.id("invoice-details")}">'
        f"<caption>{e(ui.label('invoice-details'))}</caption>{rows}</table>"
    )

    def err(field: str) -> str:
        text = errors.get(field)
        return (
            f'<tr><td></td><td><span class="error" role="alert" id="{field}-error">{e(text)}</span></td></tr>'
            if text
            else ""
        )

    confirm = f"return confirm('Record this payment on invoice {inv.number}? This cannot be undone.');"
    form = (
        f"<h4>Record payment</h4>{message('Please correct the errors below.', 'error') if errors else ''}"
        f'<form method="post" action="{base}/invoice/{e(inv.number)}/payments" name="payform"'
        f' onsubmit="{confirm}">'
        f'<input type="hidden" name="csrf_token" value="{csrf}"><table>'
        f"{ui.field('pay-amount', 'amount', value=values.get('amount', ''), size=12)}{err('amount')}"
        f"{ui.field('pay-date', 'payment_date', value=values.get('payment_date', ''), size=10)}"
        f"{err('payment_date')}"
        f"{ui.field('pay-reference', 'bank_reference', value=values.get('bank_reference', ''), size=35)}"
        f"{err('bank_reference')}<tr><td></td><td>{ui.submit('pay-submit')}"
        " <small>(dd/mm/yyyy, amount 1234,56)</small>"
        "</td></tr></table></form>"
    )
    body = (
        f"{banner('Invoice ' + inv.number)}{message(info) if info else ''}{header}"
        f"<h4>{e(ui.label('payments-table'))}</h4>"
        f"{payments_grid(base, ui, record.payments)}{form}{collection}"
        f"{notes_block(f'{base}/invoice/{e(inv.number)}/notes', ui, csrf, notes)}"
        f'<p><a href="javascript:history.back()">Back</a> | <a href="{base}/invoices">Invoice search</a></p>'
    )
    return page(f"Invoice {inv.number}", body)


def customer_page(
    base: str, ui: Ui, records: list[InvoiceRecord], customer: Customer, csrf: str, notes: list[Note],
    collection: str = "",
) -> str:  # fmt: skip
    c = customer
    fields = [
        ("Customer no.", c.customer_id), ("Name", c.name), ("SIREN", c.siren), ("SIRET", c.siret),
        ("IBAN", c.iban), ("Address", f"{c.address}, {c.postcode} {c.city}"), ("E-mail", c.email),
    ]  # fmt: skip
    rows = "".join(f'<tr><td class="lbl">{e(k)}</td><td>{e(v)}</td></tr>' for k, v in fields)
    grid = [
        [f'<td><a href="{base}/invoice/{e(r.invoice.number)}">{e(r.invoice.number)}</a></td>',
         f'<td>{day(r.invoice.due_date)}</td><td class="num">{money(r.open_amount)}</td>',
         f"<td>{e(r.status)}</td>"]
        for r in records
    ]  # fmt: skip
    body = (
        f'{banner("Customer " + c.customer_id)}<table class="grid" id="customer-details">{rows}</table>'
        "<h4>Invoices</h4>"
        f"{table(['Number', 'Due date', 'Open amount', 'Status'], grid, table_id='customer-invoices')}"
        f"{collection}{notes_block(f'{base}/customer/{e(c.customer_id)}/notes', ui, csrf, notes)}"
    )
    return page(f"Customer {c.customer_id}", body)


def payments_page(
    base: str, ui: Ui, payments: list[Payment], reference: str, current: int, pages: int, total: int
) -> str:
    form = (
        f'<form method="get" action="{base}/payments" name="paysearch"><table class="grid">'
        f"{ui.field('payments-search-reference', 'bank_reference', value=reference, size=35)}"
        f"<tr><td></td><td>{ui.submit('payments-search-submit')}</td></tr></table></form>"
    )
    body = (
        f'{banner("Payments journal")}{form}<p id="payments-count">{total} payment(s) found</p>'
        f"{payments_grid(base, ui, payments)}"
        f"{pager(f'{base}/payments', {'bank_reference': reference}, current, pages, ui)}"
    )
    return page("Payments", body)


def export_page(base: str) -> str:
    body = (
        f'{banner("Exports")}<table class="grid"><tr><th>Report</th><th>Formats</th></tr>'
        "<tr><td>Open items</td>"
        f'<td><a id="export-csv" href="{base}/export/open-items.csv">CSV</a> | '
        f'<a id="export-xlsx" href="{base}/export/open-items.xlsx">Excel (XLSX)</a></td></tr></table>'
    )
    return page("Exports", body)


def simple(title: str, text: str, kind: str = "error") -> str:
    return page(title, f"{banner(title)}{message(text, kind)}")
