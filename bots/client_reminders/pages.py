"""Page objects of the ERP screens client_reminders uses; the only place for selectors and ERP URLs.

Bulk reads (every overdue invoice with its customer, credits and reminder history) come from the ERP's
JSON under ``/erp/api/`` in the signed-in session: one request instead of two screens per invoice. The
checks just before sending and the "reminder sent" form use the HTML screens.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import urlencode

from playwright.sync_api import Page

from rpa.browser.login import FormLogin, LoginFlow
from rpa.browser.page_object import PageObject, posts, reads
from rpa.browser.preflight import Screen
from rpa.browser.retry import goto
from rpa.errors import BusinessRuleError, LegacyUiError, LegacyUiUnavailable
from rpa.money import AmountError, parse_amount_guess
from rpa.settings import LegacyAppSettings

_AMOUNT = re.compile(r"-?[\d\s\u00a0\u202f.]*\d,\d{2}|-?\d+(?:\.\d{2})?")
_DATA = "els => els.map(e => Object.assign({}, e.dataset))"


def _money(text: str) -> Decimal:
    match = _AMOUNT.search(text)
    if match is None:
        raise LegacyUiError(f"no amount in {text!r} on the screen", code="LEGACY_UI_UNEXPECTED_TEXT")
    try:
        return parse_amount_guess(match.group(0))
    except AmountError as exc:
        raise LegacyUiError(f"{text!r} on the screen: {exc}", code="LEGACY_UI_UNEXPECTED_TEXT") from exc


@dataclass(frozen=True, slots=True)
class ReminderRow:
    """One row of an invoice's reminder history."""

    level: str
    sent_on: date
    message_id: str
    channel: str


@dataclass(frozen=True, slots=True)
class InvoiceScreen:
    """What the invoice page shows now: open amount, status, collection block, payments, reminders."""

    number: str
    open_amount: Decimal
    status: str
    disputed: bool
    promised_until: date | None
    credit_notes: Decimal
    payments: tuple[tuple[date, Decimal], ...]
    reminders: tuple[ReminderRow, ...]


@dataclass(frozen=True, slots=True)
class CustomerScreen:
    """The customer page's dunning contact and credits (``data-*`` rows of ``#customer-credits``)."""

    customer_id: str
    email: str
    language: str
    time_zone: str
    do_not_remind: bool
    do_not_remind_reason: str
    credits: tuple[dict[str, str], ...]


# The ERP's login form (the same screen invoice_matching signs in on).
ErpLogin = FormLogin("erp login", "#login-user", "#login-password", "#login-submit")


class ErpCollections(PageObject):
    """The ERP's collection data: overdue invoices (JSON), invoice and customer pages, the reminder form."""

    SENSITIVE = ErpLogin.SENSITIVE
    SCREENS: ClassVar[tuple[Screen, ...]] = ()  # its screens need an invoice or customer number
    INVOICE = "#invoice-open-amount"
    COLLECTION = "#invoice-collection"
    REMINDERS = "#reminders-table td[data-level]"
    FORM = "#reminder-form"

    def __init__(self, page: Page, app: LegacyAppSettings) -> None:
        super().__init__(page, LoginFlow(ErpLogin, app))
        self.base_url = app.url.rstrip("/")

    def _api(self, path: str) -> Any:
        """GET a JSON document in the browser's signed-in session; a 401 means the session expired."""
        response = self.page.request.get(f"{self.base_url}/api{path}")
        if response.status == 401:
            # Show the login form so the login flow signs in again and repeats the read.
            goto(self.page, f"{self.base_url}/home")
            raise LegacyUiError(f"ERP session expired reading {path}", code="LEGACY_SESSION_EXPIRED")
        if response.status >= 500:
            raise LegacyUiUnavailable(
                f"ERP answered {response.status} to {path}", code="LEGACY_UI_HTTP_ERROR"
            )
        if not response.ok:
            raise LegacyUiError(
                f"ERP answered {response.status} to {path}: {response.text()[:200]}",
                code="LEGACY_UI_UNEXPECTED_TEXT",
            )
        try:
            return response.json()
        except (json.JSONDecodeError, ValueError) as exc:
            raise LegacyUiError(f"ERP sent no JSON for {path}", code="LEGACY_UI_UNEXPECTED_TEXT") from exc

    @reads("read overdue invoices", "/erp/api/overdue")
    def overdue(self, horizon_days: int) -> dict[str, Any]:
        """Open invoices due by the accounting date + ``horizon_days``, each with customer and history."""
        self.goto(f"{self.base_url}/home")  # signs in first when needed
        found: dict[str, Any] = self._api(f"/overdue?{urlencode({'horizon_days': horizon_days})}")
        return found

    @reads("open invoice {number}", "#invoice-collection")
    def invoice(self, number: str) -> InvoiceScreen:
        self.goto(f"{self.base_url}/invoice/{number}")
        page = self.page
        page.locator(self.COLLECTION).wait_for()
        open_amount = _money(page.locator(self.INVOICE).inner_text())
        promised = page.locator("#invoice-promised-until").get_attribute("data-date") or ""
        credits = page.locator("#invoice-credit-notes").get_attribute("data-amount") or "0"
        payments = []
        for cells in page.locator("#payments-table tr:has(td)").evaluate_all(
            "rows => rows.map(r => [...r.querySelectorAll('td')].map(c => c.innerText))"
        ):
            if len(cells) >= 4:
                day, month, year = cells[2].strip().split("/")
                payments.append((date(int(year), int(month), int(day)), _money(cells[3])))
        return InvoiceScreen(
            number=number,
            open_amount=open_amount,
            status=page.locator("#invoice-status").inner_text().strip(),
            disputed=page.locator("#invoice-disputed").get_attribute("data-disputed") == "true",
            promised_until=date.fromisoformat(promised) if promised else None,
            credit_notes=Decimal(credits),
            payments=tuple(payments),
            reminders=tuple(
                ReminderRow(
                    r["level"], date.fromisoformat(r["sentOn"]), r.get("messageId", ""), r.get("channel", "")
                )
                for r in page.locator(self.REMINDERS).evaluate_all(_DATA)
            ),
        )

    @reads("open customer {customer_id}", "#customer-contact")
    def customer(self, customer_id: str) -> CustomerScreen:
        self.goto(f"{self.base_url}/customer/{customer_id}")
        page = self.page
        page.locator("#customer-contact").wait_for()
        return CustomerScreen(
            customer_id=customer_id,
            email=page.locator("#contact-email").get_attribute("data-email") or "",
            language=page.locator("#contact-language").get_attribute("data-language") or "",
            time_zone=page.locator("#contact-time-zone").get_attribute("data-time-zone") or "",
            do_not_remind=page.locator("#contact-do-not-remind").get_attribute("data-do-not-remind")
            == "true",
            do_not_remind_reason=page.locator("#contact-do-not-remind-reason").inner_text().strip(),
            credits=tuple(page.locator("#customer-credits td[data-credit-number]").evaluate_all(_DATA)),
        )

    @reads("look for reminder {message_id} on {number}", "#reminders-table")
    def reminders_with_message_id(self, number: str, message_id: str) -> list[ReminderRow]:
        """The rows of the invoice's reminder history noted with ``message_id`` (empty: not noted)."""
        return [r for r in self.invoice(number).reminders if r.message_id == message_id]

    @posts("note {level} reminder on {number}", "#reminder-submit")
    def record_reminder(self, number: str, level: str, sent_on: date, message_id: str) -> None:
        """Fill and submit the invoice's "reminder sent" form (e-mail channel)."""
        self.goto(f"{self.base_url}/invoice/{number}")
        form = self.page.locator(self.FORM)
        form.locator("#reminder-level").select_option(level)
        form.locator("#reminder-sent-on").fill(f"{sent_on:%d/%m/%Y}")
        form.locator("#reminder-message-id").fill(message_id)
        form.locator("#reminder-channel").select_option("email")
        form.locator("#reminder-submit").click()
        self.page.wait_for_load_state()
        errors = self.page.locator("span.error[role=alert]").all_inner_texts()
        if errors:
            raise BusinessRuleError(
                f"the ERP refused the {level} reminder note on {number}: {' / '.join(errors)}",
                code="ERP_VALIDATION_REFUSED",
                item_key=number,
            )
        noted = self.page.locator(f'{self.REMINDERS}[data-message-id="{message_id}"]')
        if noted.count() == 0:
            raise LegacyUiError(
                f"no {level} reminder with {message_id} in the history of {number} after noting it",
                code="LEGACY_UI_UNEXPECTED_TEXT",
            )
