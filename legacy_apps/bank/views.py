"""The bank portal's screens."""

from __future__ import annotations

from datetime import date

from legacy_apps.statements import FORMATS
from legacy_apps.web.html import day, e, message, money, page, table
from legacy_apps.web.layout import Ui
from legacy_apps.world.model import Account, BankLine

BANK = "Banque Démo — Espace Entreprises"


def header(base: str, signed_in: bool) -> str:
    links = (
        f' | <a href="{base}/account">Account</a> | <a href="{base}/statements">Statements</a>'
        f' | <a href="{base}/logout">Log out</a>'
        if signed_in
        else ""
    )
    return f'<div class="title">{e(BANK)}</div><p>{links.lstrip(" |")}</p>'


def login(base: str, ui: Ui, csrf: str, error: str = "") -> str:
    body = (
        f"<h3>Sign in</h3>{message(error, 'error') if error else ''}"
        f'<form method="post" action="{base}/login" name="login">'
        f'<input type="hidden" name="csrf_token" value="{csrf}">'
        f"<table>{ui.field('bank-user', 'user_id')}{ui.field('bank-password', 'password', kind='password')}"
        f"<tr><td></td><td>{ui.submit('bank-login-submit')}</td></tr></table></form>"
    )
    return page("Banque Démo - Sign in", header(base, False) + body, bgcolor="#f0f4f8")


def otp(base: str, ui: Ui, csrf: str, error: str = "") -> str:
    body = (
        f"<h3>Second factor</h3><p>Enter the 6-digit code shown by your authenticator application.</p>"
        f"{message(error, 'error') if error else ''}"
        f'<form method="post" action="{base}/otp" name="otp">'
        f'<input type="hidden" name="csrf_token" value="{csrf}">'
        f"<table>{ui.field('bank-otp', 'code', size=6, extra='maxlength=6 autocomplete=one-time-code')}"
        f"<tr><td></td><td>{ui.submit('bank-otp-submit')}</td></tr></table></form>"
    )
    return page("Banque Démo - Security code", header(base, False) + body, bgcolor="#f0f4f8")


def account(base: str, acct: Account, balance: str, lines: tuple[BankLine, ...]) -> str:
    rows = [
        [f"<td>{day(x.booking_date)}</td><td>{e(x.remittance or x.counterparty_name or 'OPERATION')}</td>",
         f"<td>{e(x.bank_ref)}</td><td class=\"num\">{money(x.amount)}</td>"]
        for x in lines
    ]  # fmt: skip
    body = (
        '<table class="grid" id="account-details">'
        f'<tr><td class="lbl">Holder</td><td>{e(acct.holder)}</td></tr>'
        f'<tr><td class="lbl">IBAN</td><td id="account-iban">{e(acct.iban)}</td></tr>'
        f'<tr><td class="lbl">BIC</td><td>{e(acct.bic)}</td></tr>'
        '<tr><td class="lbl">Booked balance</td>'
        f'<td class="num" id="account-balance">{balance} {acct.currency}</td></tr></table>'
        "<h4>Latest operations</h4>"
        f"{table(['Date', 'Label', 'Reference', 'Amount'], rows, table_id='latest')}"
    )
    return page("Banque Démo - Account", header(base, True) + body, bgcolor="#f0f4f8")


def statements(base: str, ui: Ui, start: date, end: date, error: str = "") -> str:
    options = "".join(f'<option value="{name}">{name.upper()}</option>' for name in FORMATS)
    body = (
        f"<h3>Download a statement</h3>{message(error, 'error') if error else ''}"
        f'<form method="get" action="{base}/statements/download" name="statement"><table>'
        f"{ui.field('statement-from', 'from', value=day(start), size=10)}"
        f"{ui.field('statement-to', 'to', value=day(end), size=10)}"
        f'<tr><td class="lbl"><label for="{ui.id("statement-format")}">'
        f"{e(ui.label('statement-format'))}</label></td>"
        f'<td><select id="{ui.id("statement-format")}" name="format">{options}</select></td></tr>'
        f"<tr><td></td><td>{ui.submit('statement-submit')}</td></tr></table></form>"
        f"<p>Operations are available from {day(start)} to {day(end)}.</p>"
    )
    return page("Banque Démo - Statements", header(base, True) + body, bgcolor="#f0f4f8")


def problem(base: str, title: str, text: str) -> str:
    return page(f"Banque Démo - {title}", header(base, False) + message(text, "error"), bgcolor="#f0f4f8")
