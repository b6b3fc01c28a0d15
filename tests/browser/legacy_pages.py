"""Page objects of the simulated ERP and bank portal, written the way a bot's ``pages.py`` is.

Login forms are found by their field names, which survive the "changed layout" upgrade; the business
screens use the element ids a first version of a bot would use, so preflight can catch the upgrade.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import Page, expect

from rpa.audit.evidence import EvidenceStore
from rpa.browser import DownloadedFile, PageObject, Screen, download, fill_secret, goto, totp_code, ui_step
from rpa.browser.dialogs import accept_dialog
from rpa.settings import LegacyAppSettings

ERP_LOGIN_FORM = "form[name=loginform]"


class ErpLogin:
    def is_login_page(self, page: Page) -> bool:
        # An expired session shows the sign-in form wherever the user was, frames included.
        return any(frame.locator(ERP_LOGIN_FORM).count() for frame in page.frames)

    def login(self, page: Page, creds: LegacyAppSettings) -> None:
        frame = next(f for f in page.frames if f.locator(ERP_LOGIN_FORM).count())
        form = frame.locator(ERP_LOGIN_FORM)
        form.locator("input[name=username]").fill(creds.username)
        fill_secret(form.locator("input[name=password]"), creds.password)
        form.locator("input[type=submit]").click()  # the form targets _top: the whole window navigates
        page.wait_for_load_state()


class BankLogin:
    SENSITIVE = ("input[name=code]",)

    def is_login_page(self, page: Page) -> bool:
        return page.locator("form[name=login], form[name=otp]").count() > 0

    def login(self, page: Page, creds: LegacyAppSettings) -> None:
        if page.locator("form[name=login]").count():
            page.locator("input[name=user_id]").fill(creds.username)
            fill_secret(page.locator("input[name=password]"), creds.password)
            page.locator("form[name=login] input[type=submit]").click()
        # The second factor, or the first form again when the password was refused.
        expect(page.locator("form[name=otp]").or_(page.locator("form[name=login]"))).to_be_visible()
        if page.locator("form[name=otp]").count():
            fill_secret(page.locator("input[name=code]"), totp_code(creds))
            page.locator("form[name=otp] input[type=submit]").click()
            page.wait_for_load_state()


def _open_first_invoice(page: Page, erp_url: str) -> None:
    goto(page, f"{erp_url}/invoices")
    page.locator("a[href*='/invoice/']").first.click()


class ErpInvoices(PageObject):
    SCREENS = (
        Screen(
            "invoice list",
            "/invoices",
            {
                "invoice number filter": "#search-number",
                "invoice table": "#invoices-table",
                "next page": "#page-next",
                "page info": "#page-info",
            },
        ),
        Screen("home", "/home", {"accounting date": "text=Accounting date"}),
    )

    def __init__(self, page: Page, erp_url: str) -> None:
        super().__init__(page)
        self.erp_url = erp_url

    def accounting_date(self) -> date:
        goto(self.page, f"{self.erp_url}/home", step_name="open ERP home")
        with self.step("read accounting date", "p b"):
            text = self.page.locator("p", has_text="Accounting date").locator("b").inner_text()
        return datetime.strptime(text, "%d/%m/%Y").date()

    def open(self) -> None:
        goto(self.page, f"{self.erp_url}/invoices", step_name="open invoice list")

    @ui_step("read invoice rows", selector="#invoices-table tr")
    def numbers_on_page(self) -> list[str]:
        table = self.page.locator("#invoices-table")
        expect(table).to_be_visible()
        return table.locator("a[href*='/invoice/']").all_inner_texts()

    def all_numbers(self) -> list[str]:
        self.open()
        found = self.numbers_on_page()
        while self.page.locator("#page-next").count():
            with self.step("next invoice page", "#page-next"):
                self.page.locator("#page-next").click()
            found += self.numbers_on_page()
        return found


class ErpInvoice(PageObject):
    SCREENS = (
        Screen(
            "invoice",
            _open_first_invoice,
            {
                "amount": "#pay-amount",
                "payment date": "#pay-date",
                "bank reference": "#pay-reference",
                "record button": "#pay-submit",
                "open amount": "#invoice-open-amount",
            },
        ),
    )

    def __init__(self, page: Page, erp_url: str) -> None:
        super().__init__(page)
        self.erp_url = erp_url

    def open(self, number: str) -> bool:
        """Open the invoice; False when the login form came instead (the session expired)."""
        goto(self.page, f"{self.erp_url}/invoice/{number}", step_name=f"open invoice {number}")
        with self.step("wait for invoice", "#pay-amount"):
            expect(self.page.locator("#pay-amount").or_(self.page.locator(ERP_LOGIN_FORM))).to_be_visible()
        return self.page.locator("#pay-amount").count() > 0

    def record_payment(self, number: str, amount: Decimal, day: date, reference: str) -> None:
        if not self.open(number):
            return
        with self.step("record payment", "#pay-submit"):
            self.page.locator("#pay-amount").fill(f"{amount:.2f}")
            self.page.locator("#pay-date").fill(f"{day:%d/%m/%Y}")
            self.page.locator("#pay-reference").fill(reference)
            accept_dialog(self.page, lambda: self.page.locator("#pay-submit").click(), f"invoice {number}?")
            expect(self.page.locator(".info").or_(self.page.locator(ERP_LOGIN_FORM))).to_be_visible()

    def payment_references(self) -> list[str]:
        with self.step("read payments", "#payments-table"):
            return self.page.locator("#payments-table tr td:nth-child(5)").all_inner_texts()


class ErpExports(PageObject):
    SCREENS = (
        Screen("exports", "/export", {"open items CSV": "#export-csv", "open items XLSX": "#export-xlsx"}),
    )

    def __init__(self, page: Page, erp_url: str) -> None:
        super().__init__(page)
        self.erp_url = erp_url

    def open_items(self, workdir: Path, evidence: EvidenceStore, fmt: str = "csv") -> DownloadedFile:
        goto(self.page, f"{self.erp_url}/export", step_name="open exports")
        with self.step(f"download open items ({fmt})", f"#export-{fmt}"):
            return download(self.page, lambda: self.page.locator(f"#export-{fmt}").click(), workdir, evidence)


class BankStatements(PageObject):
    SENSITIVE = ("#account-iban",)
    SCREENS = (
        Screen("statements", "/statements", {"from": "#statement-from", "download": "#statement-submit"}),
    )
