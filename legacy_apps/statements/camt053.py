"""ISO 20022 camt.053.001.08 (bank-to-customer statement) writer."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # building only: nothing outside is ever parsed here
from decimal import Decimal

from legacy_apps.statements.view import StatementView
from legacy_apps.world.model import BankLine

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
FAMILIES = {
    "RCDT": ("PMNT", "RCDT", "ESCT"),
    "ICDT": ("PMNT", "ICDT", "ESCT"),
    "DDBT": ("PMNT", "IDDT", "ESDD"),
    "CHRG": ("ACMT", "MDOP", "CHRG"),
}


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _path(parent: ET.Element, path: str, text: str | None = None) -> ET.Element:
    """Create nested elements 'A/B/C' and put ``text`` in the last one."""
    element = parent
    for tag in path.split("/"):
        element = _sub(element, tag)
    element.text = text
    return element


def _amount(parent: ET.Element, amount: Decimal, currency: str) -> None:
    _sub(parent, "Amt", f"{abs(amount):.2f}", Ccy=currency)


def _balance(stmt: ET.Element, code: str, amount: Decimal, currency: str, day: str) -> None:
    bal = _sub(stmt, "Bal")
    _path(bal, "Tp/CdOrPrtry/Cd", code)
    _amount(bal, amount, currency)
    _sub(bal, "CdtDbtInd", "CRDT" if amount >= 0 else "DBIT")
    _path(bal, "Dt/Dt", day)


def _entry(stmt: ET.Element, line: BankLine, currency: str) -> None:
    # A reversal of a credit is booked as a debit with RvslInd=true (the sign stays in CdtDbtInd).
    indicator = "CRDT" if line.amount > 0 else "DBIT"
    ntry = _sub(stmt, "Ntry")
    _sub(ntry, "NtryRef", line.bank_ref)
    _amount(ntry, line.amount, currency)
    _sub(ntry, "CdtDbtInd", indicator)
    if line.reversal:
        _sub(ntry, "RvslInd", "true")
    _path(ntry, "Sts/Cd", "BOOK")
    _path(ntry, "BookgDt/Dt", line.booking_date.isoformat())
    _path(ntry, "ValDt/Dt", line.value_date.isoformat())
    _sub(ntry, "AcctSvcrRef", line.bank_ref)
    domain, family, sub_family = FAMILIES[line.family]
    domn = _path(ntry, "BkTxCd/Domn")
    _sub(domn, "Cd", domain)
    fmly = _sub(domn, "Fmly")
    _sub(fmly, "Cd", family)
    _sub(fmly, "SubFmlyCd", sub_family)
    tx = _path(ntry, "NtryDtls/TxDtls")
    refs = _sub(tx, "Refs")
    _sub(refs, "AcctSvcrRef", line.bank_ref)
    _sub(refs, "EndToEndId", line.end_to_end_id or "NOTPROVIDED")
    _amount(tx, line.amount, currency)
    _sub(tx, "CdtDbtInd", indicator)
    if line.counterparty_name or line.counterparty_iban:
        parties = _sub(tx, "RltdPties")
        # Money in: the other side is the debtor; money out: the creditor.
        role = "Dbtr" if line.amount > 0 or line.reversal else "Cdtr"
        if line.counterparty_name:
            _path(parties, f"{role}/Pty/Nm", line.counterparty_name)
        if line.counterparty_iban:
            _path(parties, f"{role}Acct/Id/IBAN", line.counterparty_iban)
    if line.remittance or line.creditor_reference:
        rmt = _sub(tx, "RmtInf")
        if line.remittance:
            _sub(rmt, "Ustrd", line.remittance[:140])
        if line.creditor_reference:
            cdtr = _path(rmt, "Strd/CdtrRefInf")
            tp = _sub(cdtr, "Tp")
            _path(tp, "CdOrPrtry/Cd", "SCOR")
            _sub(tp, "Issr", "ISO")
            _sub(cdtr, "Ref", line.creditor_reference)
    if line.remittance:
        _sub(ntry, "AddtlNtryInf", line.remittance[:500])


def write_camt053(view: StatementView) -> bytes:
    """The statement as camt.053.001.08 XML (UTF-8)."""
    ET.register_namespace("", NAMESPACE)
    currency = view.account.currency
    created = view.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    root = ET.Element(f"{{{NAMESPACE}}}Document")
    report = _sub(root, "BkToCstmrStmt")
    header = _sub(report, "GrpHdr")
    _sub(header, "MsgId", f"MSG-{view.statement_id}")
    _sub(header, "CreDtTm", created)
    stmt = _sub(report, "Stmt")
    _sub(stmt, "Id", view.statement_id)
    _sub(stmt, "ElctrncSeqNb", str(view.sequence))
    _sub(stmt, "CreDtTm", created)
    period = _sub(stmt, "FrToDt")
    _sub(period, "FrDtTm", f"{view.start.isoformat()}T00:00:00Z")
    _sub(period, "ToDtTm", f"{view.end.isoformat()}T23:59:59Z")
    acct = _sub(stmt, "Acct")
    _path(acct, "Id/IBAN", view.account.iban)
    _sub(acct, "Ccy", currency)
    _path(acct, "Ownr/Nm", view.account.holder)
    _path(acct, "Svcr/FinInstnId/BICFI", view.account.bic)
    _balance(stmt, "OPBD", view.opening_balance, currency, view.start.isoformat())
    _balance(stmt, "CLBD", view.closing_balance, currency, view.end.isoformat())
    summary = _sub(stmt, "TxsSummry")
    totals = _sub(summary, "TtlNtries")
    _sub(totals, "NbOfNtries", str(len(view.lines)))
    _sub(totals, "Sum", f"{sum((abs(line.amount) for line in view.lines), start=Decimal('0.00')):.2f}")
    for line in view.lines:
        _entry(stmt, line, currency)
    ET.indent(root, space="  ")
    document: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return document + b"\n"
