"""ISO 20022 camt.052 / camt.053 / camt.054 (any version): statements, reports and notifications.

Elements are matched by local name, so versions 2 to 13 read alike. A batch entry whose
transaction details each carry an amount adding up to the entry becomes one line per detail.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import Element, tostring

from rpa.documents.statements.balances import BALANCE_CURRENCY
from rpa.documents.statements.common import (
    EMPTY,
    MALFORMED,
    UNSUPPORTED,
    clean,
    derived_line_id,
    make_line_ids_unique,
    statement_error,
)
from rpa.documents.statements.model import BankLine, Statement
from rpa.documents.statements.xmlsafe import child, children, first_text, local, namespace, parse_xml, text
from rpa.findings import Finding, Severity
from rpa.money import AmountError, pad, parse_amount

# message element → (record element, format name)
_MESSAGES = {
    "BkToCstmrStmt": ("Stmt", "camt.053"),
    "BkToCstmrAcctRpt": ("Rpt", "camt.052"),
    "BkToCstmrDbtCdtNtfctn": ("Ntfctn", "camt.054"),
}
# Pending, informational and future entries are not booked money: importing them would pay twice.
_NOT_BOOKED = {"PDNG", "INFO", "FUTR"}


@dataclass(frozen=True, slots=True)
class _Context:
    source: str
    statement_id: str
    account: str
    fallback_date: date | None


def parse_camt(data: bytes, source: str) -> list[Statement]:
    """Read every statement/report/notification in a camt file."""
    root = parse_xml(data, source)
    message = root if local(root.tag) in _MESSAGES else next(iter(root), None)
    if message is None or local(message.tag) not in _MESSAGES:
        found = local(message.tag) if message is not None else local(root.tag)
        raise statement_error(
            UNSUPPORTED,
            source,
            f"element /{local(root.tag)}",
            f"'{found}' is not a camt.052/053/054 message",
            "only bank-to-customer statements, reports and notifications are read",
        )
    record_name, fmt = _MESSAGES[local(message.tag)]
    version = namespace(root.tag).rsplit(":", 1)[-1]
    base = f"/{local(root.tag)}/{local(message.tag)}" if message is not root else f"/{local(root.tag)}"
    msg_id = text(message, "GrpHdr", "MsgId")
    records = children(message, record_name)
    if not records:
        raise statement_error(
            EMPTY,
            source,
            f"element {base}",
            f"no bank or card statement in this file (the {fmt} message has no <{record_name}>)",
            "download the statement again; if it stays empty, ask the bank",
        )
    statements = [
        _record(rec, f"{base}/{record_name}[{i}]", source, msg_id, i) for i, rec in enumerate(records, 1)
    ]
    label = version if version.startswith(fmt) else fmt  # e.g. camt.053.001.08
    return [replace(s, format=label) for s in statements]


def _record(rec: Element, path: str, source: str, msg_id: str, index: int) -> Statement:
    statement_id = text(rec, "Id") or f"{msg_id or 'camt'}/{index}"
    account = first_text(rec, ("Acct", "Id", "IBAN"), ("Acct", "Id", "Othr", "Id"))
    created = _date(text(rec, "CreDtTm"), source, f"{path}/CreDtTm") if text(rec, "CreDtTm") else None
    ctx = _Context(source, statement_id, account, created)
    opening = closing = None
    opening_ccy = closing_ccy = ""
    for i, bal in enumerate(children(rec, "Bal"), 1):
        code = first_text(bal, ("Tp", "CdOrPrtry", "Cd"), ("Tp", "CdOrPrtry", "Prtry"))
        amount, ccy = _amount(bal, f"{path}/Bal[{i}]", source)
        if code in {"OPBD", "PRCD"} and opening is None:
            opening, opening_ccy = amount, ccy
        elif code == "CLBD":
            closing, closing_ccy = amount, ccy
    balance_ccy = opening_ccy or closing_ccy
    findings: tuple[Finding, ...] = ()
    if opening is not None and closing is not None and opening_ccy != closing_ccy:
        findings = (
            Finding(
                BALANCE_CURRENCY,
                Severity.WARNING,
                f"statement {statement_id}: the opening balance is in {opening_ccy} but the closing balance"
                f" in {closing_ccy}, so the balances cannot be checked — ask the bank which is right",
                f"{source} {path}",
                "Bal",
            ),
        )
    lines: list[BankLine] = []
    for i, entry in enumerate(children(rec, "Ntry"), 1):
        lines.extend(_entry(entry, f"{path}/Ntry[{i}]", ctx, len(lines)))
    currency = text(rec, "Acct", "Ccy") or balance_ccy or (lines[0].currency if lines else "")
    return Statement(
        statement_id=statement_id,
        account_iban=account,
        currency=currency,
        lines=tuple(make_line_ids_unique(lines)),
        opening_balance=opening,
        closing_balance=closing,
        source=f"{source} {path}",
        format="camt",
        findings=findings,
    )


def _amount(element: Element, path: str, source: str) -> tuple[Decimal, str]:
    """Signed amount and currency of an element holding ``Amt`` and ``CdtDbtInd``."""
    amt = child(element, "Amt")
    if amt is None or not (amt.text or "").strip():
        raise statement_error(MALFORMED, source, f"element {path}/Amt", "the amount is missing")
    currency = amt.get("Ccy", "")
    try:
        value = parse_amount(amt.text or "")
    except AmountError as exc:
        raise statement_error(MALFORMED, source, f"element {path}/Amt", str(exc)) from exc
    indicator = text(element, "CdtDbtInd")
    if indicator not in {"CRDT", "DBIT"}:
        raise statement_error(
            MALFORMED,
            source,
            f"element {path}/CdtDbtInd",
            f"credit/debit indicator is {indicator or 'missing'!r}, expected CRDT or DBIT",
        )
    return pad(-value if indicator == "DBIT" else value, currency), currency


def _date(value: str, source: str, path: str) -> date:
    try:
        return date.fromisoformat(value[:10])  # DtTm keeps the bank's local date, which is the booking day
    except ValueError as exc:
        raise statement_error(MALFORMED, source, f"element {path}", f"{value!r} is not a date") from exc


def _entry_date(entry: Element, name: str, ctx: _Context, path: str) -> date | None:
    value = first_text(entry, (name, "Dt"), (name, "DtTm"))
    return _date(value, ctx.source, f"{path}/{name}") if value else None


def _entry(entry: Element, path: str, ctx: _Context, offset: int) -> list[BankLine]:
    status = first_text(entry, ("Sts", "Cd"), ("Sts",))
    if status in _NOT_BOOKED:
        return []
    amount, currency = _amount(entry, path, ctx.source)
    value_date = _entry_date(entry, "ValDt", ctx, path)
    booking = _entry_date(entry, "BookgDt", ctx, path) or value_date or ctx.fallback_date
    if booking is None:
        raise statement_error(
            MALFORMED, ctx.source, f"element {path}/BookgDt", "the entry has no date at all"
        )
    reversal = text(entry, "RvslInd").lower() in {"true", "1"}
    entry_ref = text(entry, "AcctSvcrRef") or text(entry, "NtryRef")
    details = [d for dtls in children(entry, "NtryDtls") for d in children(dtls, "TxDtls")]
    detail_paths = [
        f"{path}/NtryDtls[{i}]/TxDtls[{j}]"
        for i, dtls in enumerate(children(entry, "NtryDtls"), 1)
        for j, _ in enumerate(children(dtls, "TxDtls"), 1)
    ]
    split = _split_amounts(details, amount, currency, ctx, detail_paths)
    parts: list[tuple[Decimal, Element | None, str]]
    if split is not None:
        parts = [(a, d, p) for a, d, p in zip(split, details, detail_paths, strict=True)]
    else:
        parts = [(amount, details[0] if len(details) == 1 else None, path)]
    lines = []
    for n, (part_amount, detail, part_path) in enumerate(parts):
        info = _details(detail, part_amount > 0, ctx.account) if detail is not None else _merged(details)
        own_ref = text(detail, "Refs", "AcctSvcrRef") if detail is not None else ""
        bank_ref = own_ref or (f"{entry_ref}/{n + 1}" if entry_ref and len(parts) > 1 else entry_ref)
        position = offset + n + 1
        line_id = bank_ref or derived_line_id(ctx.statement_id, position, booking, part_amount, info[2])
        lines.append(
            BankLine(
                line_id=line_id,
                amount=part_amount,
                currency=currency,
                booking_date=booking,
                value_date=value_date,
                counterparty_name=info[0],
                counterparty_iban=info[1],
                remittance=info[2],
                creditor_reference=info[3],
                end_to_end_id=info[4],
                bank_reference=bank_ref,
                account_iban=ctx.account,
                statement_id=ctx.statement_id,
                reversal=reversal,
                raw=tostring(
                    detail if split is not None and detail is not None else entry, encoding="unicode"
                ),
                source=f"{ctx.source} {part_path}",
            )
        )
    return lines


def _split_amounts(
    details: list[Element], amount: Decimal, currency: str, ctx: _Context, paths: list[str]
) -> list[Decimal] | None:
    """Per-detail signed amounts when a batch can be split exactly, else None (one line for the entry)."""
    if len(details) < 2:
        return None
    amounts = []
    for detail, path in zip(details, paths, strict=True):
        amt = child(detail, "Amt")  # v3 and later
        if amt is None:
            amt = child(detail, "AmtDtls", "TxAmt", "Amt")  # v2
        if amt is None or amt.get("Ccy", currency) != currency:
            return None
        try:
            value = parse_amount(amt.text or "")
        except AmountError as exc:
            raise statement_error(MALFORMED, ctx.source, f"element {path}/Amt", str(exc)) from exc
        indicator = text(detail, "CdtDbtInd") or ("DBIT" if amount < 0 else "CRDT")
        amounts.append(pad(-value if indicator == "DBIT" else value, currency))
    # Details that do not add up to the entry (charges, other currency) are not split: the entry is the truth.
    return amounts if sum(amounts) == amount else None


def _party(details: Element, role: str) -> tuple[str, str]:
    parties = child(details, "RltdPties")
    name = first_text(parties, (role, "Pty", "Nm"), (role, "Nm"), (role, "Agt", "FinInstnId", "Nm"))
    iban = first_text(parties, (f"{role}Acct", "Id", "IBAN"), (f"{role}Acct", "Id", "Othr", "Id"))
    return clean(name), iban.replace(" ", "")


def _details(detail: Element, credit: bool, account: str) -> tuple[str, str, str, str, str]:
    """(counterparty name, counterparty IBAN, remittance, creditor reference, end-to-end id) of one detail."""
    # Money in: the other party is the debtor; money out: the creditor.
    name, iban = _party(detail, "Dbtr" if credit else "Cdtr")
    if not name and not iban:
        other_name, other_iban = _party(detail, "Cdtr" if credit else "Dbtr")
        if (
            other_iban and other_iban != account
        ):  # some banks fill only the side that is not the account owner
            name, iban = other_name, other_iban
    rmt = child(detail, "RmtInf")
    unstructured = " ".join(clean(u.text) for u in children(rmt, "Ustrd")) if rmt is not None else ""
    structured = children(rmt, "Strd") if rmt is not None else []
    creditor_ref = next(
        (text(s, "CdtrRefInf", "Ref") for s in structured if text(s, "CdtrRefInf", "Ref")), ""
    )
    extra = [clean(text(s, "AddtlRmtInf")) for s in structured] + [
        text(d, "Nb") for s in structured for d in children(s, "RfrdDocInf")
    ]
    remittance = unstructured or " ".join(e for e in extra if e) or clean(text(detail, "AddtlTxInf"))
    end_to_end = text(detail, "Refs", "EndToEndId")
    if end_to_end.upper() == "NOTPROVIDED":
        end_to_end = ""
    return name, iban, remittance, creditor_ref, end_to_end


def _merged(details: list[Element]) -> tuple[str, str, str, str, str]:
    """A batch that cannot be split: keep every remittance so a person can still match it."""
    texts = [clean(" ".join(u.text or "" for u in d.iter() if local(u.tag) == "Ustrd")) for d in details]
    return "", "", " | ".join(t for t in texts if t), "", ""
