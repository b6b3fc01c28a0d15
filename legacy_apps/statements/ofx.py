"""OFX 1.x (SGML) statement writer, as French banks still offer for accounting software."""

from __future__ import annotations

from legacy_apps.statements.view import StatementView, ascii_text
from legacy_apps.world.model import BankLine

HEADER = (
    "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\n"
    "CHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
)
TRN_TYPES = {"RCDT": "CREDIT", "ICDT": "DEBIT", "DDBT": "DIRECTDEBIT", "CHRG": "SRVCHG"}


def _sgml(text: str) -> str:
    return ascii_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _transaction(line: BankLine) -> str:
    kind = "CREDIT" if line.reversal and line.amount > 0 else TRN_TYPES[line.family]
    if line.reversal and line.amount < 0:
        kind = "DEBIT"
    memo = " ".join(p for p in (line.creditor_reference, line.remittance) if p)
    parts = [
        "<STMTTRN>",
        f"<TRNTYPE>{kind}",
        f"<DTPOSTED>{line.booking_date:%Y%m%d}",
        f"<DTUSER>{line.value_date:%Y%m%d}",
        f"<TRNAMT>{line.amount:.2f}",
        f"<FITID>{line.bank_ref}",
    ]
    if line.end_to_end_id and line.end_to_end_id != "NOTPROVIDED":
        parts.append(f"<REFNUM>{line.end_to_end_id}")
    parts.append(f"<NAME>{_sgml(line.counterparty_name or memo or 'OPERATION')[:32]}")
    if memo:
        parts.append(f"<MEMO>{_sgml(memo)[:255]}")
    parts.append("</STMTTRN>")
    return "\r\n".join(parts)


def write_ofx(view: StatementView) -> bytes:
    """The statement as an OFX 1.02 SGML file (ASCII)."""
    iban = view.account.iban
    bank_id, branch_id, account_id = iban[4:9], iban[9:14], iban[14:25]
    stamp = view.created_at.strftime("%Y%m%d%H%M%S")
    body = [
        "<OFX>",
        "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS>",
        f"<DTSERVER>{stamp}<LANGUAGE>FRA</SONRS></SIGNONMSGSRSV1>",
        "<BANKMSGSRSV1><STMTTRNRS><TRNUID>0<STATUS><CODE>0<SEVERITY>INFO</STATUS>",
        f"<STMTRS><CURDEF>{view.account.currency}",
        f"<BANKACCTFROM><BANKID>{bank_id}<BRANCHID>{branch_id}<ACCTID>{account_id}<ACCTTYPE>CHECKING</BANKACCTFROM>",
        f"<BANKTRANLIST><DTSTART>{view.start:%Y%m%d}<DTEND>{view.end:%Y%m%d}",
        *(_transaction(line) for line in view.lines),
        "</BANKTRANLIST>",
        f"<LEDGERBAL><BALAMT>{view.closing_balance:.2f}<DTASOF>{view.end:%Y%m%d}</LEDGERBAL>",
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1>",
        "</OFX>",
    ]
    return (HEADER + "\r\n".join(body) + "\r\n").encode("ascii")
