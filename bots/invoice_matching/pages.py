"""Page objects of the bank portal and ERP screens invoice_matching uses; the only place for selectors."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlencode

from playwright.sync_api import Page

from rpa.audit.evidence import EvidenceStore
from rpa.browser.dialogs import accept_dialog
from rpa.browser.downloads import DownloadedFile, download
from rpa.browser.login import FormLogin, LoginFlow, fill_secret, totp_code
from rpa.browser.page_object import PageObject, posts, reads
from rpa.browser.preflight import Screen
from rpa.errors import BusinessRuleError, LegacyUiError
from rpa.money import AmountError, format_amount, parse_amount_guess
from rpa.settings import LegacyAppSettings

_AMOUNT = re.compile(r"-?[\d\s\u00a0\u202f.]*\d,\d{2}|-?\d+(?:\.\d{2})?")


def parse_money(text: str) -> Decimal:
    """The amount shown on a screen ('1 234,56 EUR', 'Open: 1234.56') as a Decimal."""
    match = _AMOUNT.search(text)
    if match is None:
        raise LegacyUiError(f"no amount in {text!r} on the screen", code="LEGACY_UI_UNEXPECTED_TEXT")
    try:
        return parse_amount_guess(match.group(0))
    except AmountError as exc:
        raise LegacyUiError(f"{text!r} on the screen: {exc}", code="LEGACY_UI_UNEXPECTED_TEXT") from exc


def french_amount(amount: Decimal) -> str:
    """How the ERP's forms want an amount typed: decimal comma, no grouping."""
    return format_amount(amount, ",", "", currency="EUR")


# --- bank portal ------------------------------------------------------------------------------------


class BankLogin:
    """Password, then the one-time code of the second factor."""

    USER, PASSWORD, CONTINUE = "#bank-user", "#bank-password", "#bank-login-submit"
    CODE, CONFIRM = "#bank-otp", "#bank-otp-submit"
    SENSITIVE: ClassVar[tuple[str, ...]] = (PASSWORD, CODE)
    SCREEN = Screen("bank login", "/login", {"user id": USER, "password": PASSWORD, "continue": CONTINUE})

    def is_login_page(self, page: Page) -> bool:
        return "/login" in page.url or "/otp" in page.url

    def login(self, page: Page, creds: LegacyAppSettings) -> None:
        if "/otp" not in page.url:
            page.locator(self.USER).fill(creds.username)
            fill_secret(page.locator(self.PASSWORD), creds.password)
            page.locator(self.CONTINUE).click()
            page.locator(self.CODE).wait_for()
        fill_secret(page.locator(self.CODE), totp_code(creds))
        page.locator(self.CONFIRM).click()
        page.wait_for_load_state()


class BankStatements(PageObject):
    """The statements screen: a date range, a format, a download."""

    SENSITIVE = BankLogin.SENSITIVE
    SCREENS: ClassVar[tuple[Screen, ...]] = (
        Screen("bank statements", "/statements", {
            "from": "#statement-from", "to": "#statement-to", "format": "#statement-format",
            "download": "#statement-submit"}),
    )  # fmt: skip

    def __init__(self, page: Page, app: LegacyAppSettings) -> None:
        super().__init__(page, LoginFlow(BankLogin(), app))
        self.base_url = app.url.rstrip("/")

    @reads("download statement", "#statement-submit")
    def download(
        self, start: date, end: date, fmt: str, workdir: Path, evidence: EvidenceStore
    ) -> DownloadedFile:
        """The statement of ``start``..``end`` in ``fmt`` (camt053, mt940, ofx, csv), kept as evidence."""
        self.goto(f"{self.base_url}/statements")
        self.page.get_by_label("From").fill(f"{start:%d/%m/%Y}")
        self.page.get_by_label("To").fill(f"{end:%d/%m/%Y}")
        self.page.get_by_label("Format").select_option(fmt)
        return download(
            self.page, lambda: self.page.get_by_role("button", name="Download").click(), workdir, evidence
        )


# --- ERP --------------------------------------------------------------------------------------------


ErpLogin = FormLogin("erp login", "#login-user", "#login-password", "#login-submit")


class ErpInvoices(PageObject):
    """Invoice page with its record-payment form, the payments journal and the open-items export.

    The ERP is a frameset (menu + main); its main-frame screens are opened directly by URL.
    """

    SENSITIVE = ErpLogin.SENSITIVE
    SCREENS: ClassVar[tuple[Screen, ...]] = (
        Screen("erp export", "/export", {"xlsx": "#export-xlsx", "csv": "#export-csv"}),
        Screen("erp payments journal", "/payments", {"reference": "#payments-search-reference",
                                                     "search": "#payments-search-submit"}),
        Screen("erp invoice list", "/invoices", {"number": "#search-number", "table": "#invoices-table",
                                                 "next page": "#page-next"}),
    )  # fmt: skip

    def __init__(self, page: Page, app: LegacyAppSettings) -> None:
        super().__init__(page, LoginFlow(ErpLogin, app))
        self.base_url = app.url.rstrip("/")

    @reads("export open items", "#export-xlsx")
    def export_open_items(self, workdir: Path, evidence: EvidenceStore) -> DownloadedFile:
        self.goto(f"{self.base_url}/export")
        return download(self.page, lambda: self.page.locator("#export-xlsx").click(), workdir, evidence)

    @reads("open invoice {number}", "#invoice-open-amount")
    def invoice_state(self, number: str) -> tuple[Decimal, str]:
        """The invoice's open amount and status as the ERP shows them now (the invoice page stays open)."""
        self.goto(f"{self.base_url}/invoice/{number}")
        open_amount = parse_money(self.page.locator("#invoice-open-amount").inner_text())
        return open_amount, self.page.locator("#invoice-status").inner_text().strip()

    @reads("search payments journal", "#payments-table")
    def payments_with_reference(self, bank_reference: str) -> list[tuple[str, Decimal]]:
        """(invoice, amount) of every payment recorded with ``bank_reference`` (the payments journal)."""
        # The journal's search form is a GET form: asking by URL saves a page load per check.
        self.goto(f"{self.base_url}/payments?{urlencode({'bank_reference': bank_reference})}")
        self.page.locator("#payments-count").wait_for()
        rows = self.page.locator("#payments-table tr:has(td)")
        found = []
        for n in range(rows.count()):
            cells = rows.nth(n).locator("td").all_inner_texts()
            if len(cells) >= 5 and cells[4].strip() == bank_reference:
                found.append((cells[1].strip(), parse_money(cells[3])))
        return found

    @posts("record payment on {number}", "#pay-submit")
    def record_payment(self, number: str, amount: Decimal, day: date, bank_reference: str) -> None:
        """Fill and submit the record-payment form of the invoice page currently open; confirm the dialog."""
        self.page.get_by_label("Amount", exact=True).fill(french_amount(amount))
        self.page.get_by_label("Payment date").fill(f"{day:%d/%m/%Y}")
        self.page.get_by_label("Bank reference").fill(bank_reference)
        accept_dialog(
            self.page,
            lambda: self.page.get_by_role("button", name="Record payment").click(),
            f"Record this payment on invoice {number}",
        )
        outcome = self.page.get_by_role("status").or_(self.page.locator("span.error[role=alert]")).first
        outcome.wait_for()
        errors = self.page.locator("span.error[role=alert]").all_inner_texts()
        if errors:
            raise BusinessRuleError(
                f"the ERP refused the payment on {number}: {' / '.join(errors)}",
                code="ERP_VALIDATION_REFUSED",
                item_key=number,
            )
        if "recorded" not in outcome.inner_text():
            raise LegacyUiError(
                f"no confirmation after recording a payment on {number}: {outcome.inner_text()!r}",
                code="LEGACY_UI_UNEXPECTED_TEXT",
            )
