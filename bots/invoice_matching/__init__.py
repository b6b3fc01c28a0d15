"""Bank reconciliation: match incoming bank lines with open invoices and post what is certain."""

from rpa.bot import Bot, UiTarget

from . import bot as _steps
from .config import InvoiceMatchingConfig
from .pages import BankLogin, BankStatements, ErpInvoices, ErpLogin

BOT = Bot(
    id="invoice_matching",
    title="Bank reconciliation",
    config_model=InvoiceMatchingConfig,
    collect=_steps.collect,
    process=_steps.process,
    finalize=_steps.finalize,
    lanes=2,
    uses_browser=True,
    ui=(UiTarget("bank", (BankStatements,), BankLogin()), UiTarget("erp", (ErpInvoices,), ErpLogin())),
    description="Downloads statements, reads open items, matches, posts confident matches in the ERP.",
)
