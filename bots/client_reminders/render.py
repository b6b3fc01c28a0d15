"""The reminder email of one customer: subject, plain text and HTML from the level's templates.

Pure: the Jinja environment comes in (an edge module gives it a loader), amounts and dates are written
for the reader's language with Babel. Data is passed to the templates as variables, never as template
text, and the HTML is autoescaped, so an invoice number or a name cannot change what the email says.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from jinja2 import BaseLoader, Environment, StrictUndefined, select_autoescape

from bots.client_reminders.config import CompanyInfo
from bots.client_reminders.model import Customer, CustomerReminder, OpenInvoice

TEMPLATE_FOLDER = "reminders"
# The Babel locale each template language is written for: British English writes "15 January 2026"
# and "€1,234.56", which European business customers read without doubt (US English would not).
LOCALES = {"fr": "fr_FR", "en": "en_GB"}
_DATE_FORMAT = "long"  # "15 janvier 2026": no day/month order to misread
_KEY_READABLE_MAX = 120  # a longer Message-ID key (many invoices) is shortened to a digest


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    """A reminder ready to be put in a message: one-line subject, plain-text body, HTML body."""

    subject: str
    text: str
    html: str
    language: str


def reminder_environment(loader: BaseLoader) -> Environment:
    """The Jinja environment the reminder templates are rendered with: HTML autoescaped (by the
    ``.html`` extension), undefined variables refused, block tags without stray blank lines."""
    return Environment(
        loader=loader,
        autoescape=select_autoescape(enabled_extensions=("html", "htm"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def template_names(template: str, language: str) -> tuple[str, str, str]:
    """(subject, text, html) template names of a level's ``template`` in ``language``."""
    stem = f"{TEMPLATE_FOLDER}/{template}.{language}"
    return f"{stem}.subject.txt", f"{stem}.txt", f"{stem}.html"


def reminder_key(reminder: CustomerReminder) -> str:
    """A stable business key of the email: customer, level and the invoices it lists.

    Also the Message-ID's local part, so a person finds the email by it; with many invoices the list
    is replaced by a digest to keep the header short.
    """
    numbers = sorted(p.invoice for p in reminder.invoices)
    listed = "+".join(numbers)
    key = f"reminder:{reminder.customer_id}:{reminder.level}:{listed}"
    if len(key) <= _KEY_READABLE_MAX:
        return key
    digest = hashlib.sha256("\n".join(numbers).encode()).hexdigest()[:16]
    return f"reminder:{reminder.customer_id}:{reminder.level}:{len(numbers)}-invoices-{digest}"


def one_line(text: str) -> str:
    """``text`` with every line break, tab and control character turned into a single space."""
    cleaned = "".join(
        " " if (ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u2029") else c for c in text
    )
    return " ".join(cleaned.split())


def money(amount: Decimal, currency: str, language: str) -> str:
    """``amount`` as the reader of ``language`` writes it: ``1 234,56 €`` (fr), ``€1,234.56`` (en)."""
    return format_currency(amount, currency, locale=_locale(language))


def long_date(day: date, language: str) -> str:
    """``day`` spelled out for ``language``: ``15 janvier 2026`` (fr), ``15 January 2026`` (en)."""
    return format_date(day, format=_DATE_FORMAT, locale=_locale(language))


def render_reminder(
    env: Environment,
    reminder: CustomerReminder,
    invoices: Iterable[OpenInvoice],
    customer: Customer,
    *,
    company: CompanyInfo,
    as_of: date,
    recovery_fee: Decimal = Decimal("40.00"),
    language: str | None = None,
) -> RenderedEmail:
    """The email of ``reminder`` in ``language`` (default: the reminder's), from its level's templates.

    ``invoices`` are the ERP rows the reminder's invoices come from (for their issue and due dates);
    ``as_of`` is the day the late interest is counted to; ``recovery_fee`` the indemnity per invoice
    quoted in the wording. Raises jinja2's TemplateNotFound when a template is missing.
    """
    lang = language or reminder.language
    context = _context(reminder, invoices, customer, company, as_of, recovery_fee, lang)
    subject_name, text_name, html_name = template_names(reminder.template, lang)
    subject = one_line(env.get_template(subject_name).render(context))
    context["subject"] = subject
    text = env.get_template(text_name).render(context)
    html = env.get_template(html_name).render(context)
    return RenderedEmail(subject=subject, text=text, html=html, language=lang)


def _context(
    reminder: CustomerReminder,
    invoices: Iterable[OpenInvoice],
    customer: Customer,
    company: CompanyInfo,
    as_of: date,
    recovery_fee: Decimal,
    lang: str,
) -> dict[str, Any]:
    by_number = {i.number: i for i in invoices}
    rows = []
    for plan in reminder.invoices:
        erp = by_number.get(plan.invoice)
        if erp is None:
            raise KeyError(f"invoice {plan.invoice} of the reminder is not among the invoices given")
        cur = plan.currency
        rows.append(
            {
                "number": one_line(plan.invoice),
                "issue_date": long_date(erp.issue_date, lang),
                "due_date": long_date(erp.due_date, lang),
                "days_overdue": plan.days_overdue,
                "currency": cur,
                "amount_due": money(plan.amount_due, cur, lang),
                "late_interest": money(plan.late_interest, cur, lang),
                "recovery_fee": money(plan.recovery_fee, cur, lang),
                "total": money(plan.amount_due + plan.late_interest + plan.recovery_fee, cur, lang),
            }
        )
    return {
        "customer": {"id": one_line(customer.id), "name": one_line(customer.name or reminder.customer_name)},
        "company": {
            "name": one_line(company.name),
            "address": one_line(company.address),
            "phone": one_line(company.phone),
            "email": one_line(company.email),
            "siren": company.siren,
        },
        "level": reminder.level,
        "as_of": long_date(as_of, lang),
        "invoices": rows,
        "many": len(rows) > 1,
        "charges": any(p.late_interest or p.recovery_fee for p in reminder.invoices),
        "recovery_fee": money(recovery_fee, "EUR", lang),
        "totals": [money(amount, cur, lang) for cur, amount in reminder.totals],
    }


def _locale(language: str) -> str:
    return LOCALES.get(language, language)
