"""OFX bank, card and investment-cash statements, SGML (1.x, unclosed leaf tags) and XML (2.x).

No DTD is read and no entity but the five predefined XML ones is expanded. A file without a statement
is refused with the bank's own status (a sign-on or request the server refused) or, when the bank gave
none, with "no bank or card statement in this file".
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rpa.documents.statements.common import (
    BANK_ERROR,
    EMPTY,
    MALFORMED,
    clean,
    derived_line_id,
    make_line_ids_unique,
    statement_error,
)
from rpa.documents.statements.model import BankLine, Statement
from rpa.findings import Finding, Severity
from rpa.money import AmountError, pad, parse_amount

_TAG = re.compile(r"<(/?)([A-Za-z0-9._]+)\s*>")
_CHARSETS = {
    "1252": "cp1252",
    "ISO-8859-1": "latin-1",
    "8859-1": "latin-1",
    "UTF-8": "utf-8",
    "NONE": "cp1252",
}
_ENTITIES = re.compile(r"&(amp|lt|gt|quot|apos|#\d+|#x[0-9A-Fa-f]+);")
# statement element → (account element, transaction list element)
_STATEMENTS = {
    "STMTRS": ("BANKACCTFROM", "BANKTRANLIST"),
    "CCSTMTRS": ("CCACCTFROM", "BANKTRANLIST"),
    "INVSTMTRS": ("INVACCTFROM", "INVTRANLIST"),  # only its cash lines (INVBANKTRAN) are bank lines
}
_RESPONSES = ("STMTTRNRS", "CCSTMTTRNRS", "INVSTMTTRNRS")


@dataclass(slots=True)
class _Node:
    name: str
    line: int
    start: int
    text: str = ""
    end: int = 0
    children: list[_Node] = field(default_factory=list)

    def get(self, *path: str) -> str:
        node: _Node | None = self
        for name in path:
            node = next((c for c in node.children if c.name == name), None) if node else None
        return node.text if node else ""

    def find_all(self, name: str) -> list[_Node]:
        found = [c for c in self.children if c.name == name]
        for c in self.children:
            found.extend(c.find_all(name))
        return found


def parse_ofx(data: bytes, source: str) -> list[Statement]:
    """Read every bank (STMTRS) and credit-card (CCSTMTRS) statement of an OFX file."""
    content = _decode(data)
    if re.search(r"<!(DOCTYPE|ENTITY)", content, re.IGNORECASE):
        raise statement_error(
            MALFORMED,
            source,
            "header",
            "the OFX file declares a DOCTYPE or entities",
            "refused for safety; OFX never needs one",
        )
    root = _tree(content, source)
    nodes = sorted((n for name in _STATEMENTS for n in root.find_all(name)), key=lambda n: n.start)
    refusals = _refusals(root)
    if not nodes:
        if refusals:
            raise statement_error(
                BANK_ERROR,
                source,
                f"line {refusals[0][0]}",
                "the bank's server sent no statement: " + "; ".join(text for _, text in refusals),
                "download the statement again; if the status persists, ask the bank",
            )
        raise statement_error(
            EMPTY, source, "", "no bank or card statement in this file", "download the statement again"
        )
    notes = tuple(
        Finding(BANK_ERROR, Severity.WARNING, f"the bank's server says: {text}", source, f"line {line}")
        for line, text in refusals
    )
    return [_statement(node, content, source, notes) for node in nodes]


def _status(node: _Node) -> str:
    """'status 15500 (ERROR): Signon invalid' when the STATUS of ``node`` is not success, else ''."""
    code = node.get("STATUS", "CODE")
    if code in {"", "0"}:
        return ""
    severity, message = node.get("STATUS", "SEVERITY"), node.get("STATUS", "MESSAGE")
    return f"status {code}" + (f" ({severity})" if severity else "") + (f": {message}" if message else "")


def _refusals(root: _Node) -> list[tuple[int, str]]:
    """The sign-on and statement requests the server did not fulfil, as (line, what it said)."""
    found = [(n.line, f"sign-on refused, {_status(n)}") for n in root.find_all("SONRS") if _status(n)]
    for name in _RESPONSES:
        for n in root.find_all(name):
            if _status(n):
                account = n.get(
                    name.replace("TRNRS", "RS"), _STATEMENTS[name.replace("TRNRS", "RS")][0], "ACCTID"
                )
                label = f" for account {account}" if account else ""
                found.append((n.line, f"statement request{label} refused, {_status(n)}"))
    return found


def _decode(data: bytes) -> str:
    head = data[:600].decode("ascii", errors="replace")
    declared = re.search(r'encoding="([^"]+)"', head) or re.search(r"CHARSET:\s*(\S+)", head)
    encoding = _CHARSETS.get(declared.group(1).upper(), declared.group(1)) if declared else "utf-8"
    if re.search(r"ENCODING:\s*UTF-8", head, re.IGNORECASE):
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return data.decode("cp1252", errors="replace")  # old OFX servers lie about charsets; keep reading


def _tree(content: str, source: str) -> _Node:
    newlines = [i for i, ch in enumerate(content) if ch == "\n"]

    def line_of(offset: int) -> int:
        return bisect.bisect_right(newlines, offset) + 1

    root = _Node("#root", 0, 0)
    stack = [root]
    last_leaf = ""
    tokens = list(_TAG.finditer(content))
    for i, token in enumerate(tokens):
        closing, name = token.group(1) == "/", token.group(2).upper()
        following = tokens[i + 1].start() if i + 1 < len(tokens) else len(content)
        value = content[token.end() : following]
        if closing:
            if name == last_leaf:  # XML style </NAME> after a leaf value: already handled
                last_leaf = ""
                continue
            names = [n.name for n in stack]
            if name not in names[1:]:
                raise statement_error(
                    MALFORMED,
                    source,
                    f"line {line_of(token.start())}",
                    f"</{name}> closes an element that is not open",
                )
            while stack[-1].name != name:  # SGML leaves with no value never get closed
                stack.pop()
            stack.pop().end = token.end()
            last_leaf = ""
        elif value.strip() and not value.lstrip().startswith("<"):
            text = _ENTITIES.sub(lambda m: html.unescape(m.group(0)), value.strip())
            stack[-1].children.append(_Node(name, line_of(token.start()), token.start(), text, following))
            last_leaf = name
        else:
            node = _Node(name, line_of(token.start()), token.start())
            stack[-1].children.append(node)
            stack.append(node)
            last_leaf = ""
    unclosed = [n for n in stack[1:] if n.name in {"OFX", "STMTRS", "CCSTMTRS", "BANKTRANLIST", "STMTTRN"}]
    if unclosed:
        raise statement_error(
            MALFORMED,
            source,
            f"line {unclosed[-1].line}",
            f"<{unclosed[-1].name}> is never closed",
            "the file looks truncated",
        )
    return root


def _date(value: str, source: str, node: _Node, tag: str) -> date:
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8]))  # local date; time and zone ignored
    except ValueError as exc:
        raise statement_error(
            MALFORMED, source, f"line {node.line} <{tag}>", f"{value!r} is not an OFX date (YYYYMMDD…)"
        ) from exc


def _statement(node: _Node, content: str, source: str, notes: tuple[Finding, ...]) -> Statement:
    account_node, list_node = _STATEMENTS[node.name]
    account = node.get(account_node, "ACCTID").replace(" ", "")
    currency = node.get("CURDEF").upper()
    span = node.get(list_node, "DTSTART")[:8], node.get(list_node, "DTEND")[:8]
    statement_id = (
        f"{account}:{span[0]}-{span[1]}" if any(span) else f"{account}:{node.get('LEDGERBAL', 'DTASOF')[:8]}"
    )
    lines = []
    for position, trn in enumerate(node.find_all("STMTTRN"), 1):
        lines.append(_line(trn, content, source, statement_id, account, currency, position))
    closing = node.get("LEDGERBAL", "BALAMT")
    securities = _securities_note(node, source) if node.name == "INVSTMTRS" else None
    findings = (*notes, securities) if securities else notes
    return Statement(
        statement_id=statement_id,
        account_iban=account,
        currency=currency,
        lines=tuple(make_line_ids_unique(lines)),
        closing_balance=pad(_amount(closing, source, node, "BALAMT"), currency) if closing else None,
        source=f"{source}, line {node.line}",
        format="ofx",
        findings=findings,
    )


def _securities_note(node: _Node, source: str) -> Finding | None:
    """What an investment statement holds besides cash lines: said, since it is not read."""
    tranlist = next((c for c in node.children if c.name == "INVTRANLIST"), None)
    trades = (
        [c for c in tranlist.children if c.name not in {"INVBANKTRAN", "DTSTART", "DTEND"}]
        if tranlist
        else []
    )
    if not trades:
        return None
    kinds = ", ".join(sorted({t.name for t in trades}))
    return Finding(
        "STATEMENT_NOT_CASH",
        Severity.INFO,
        f"{len(trades)} securities transactions ({kinds}) are not bank lines and were not read;"
        " the cash lines (INVBANKTRAN) were",
        source,
        f"line {node.line}",
    )


def _amount(value: str, source: str, node: _Node, tag: str) -> Decimal:
    try:
        # Some European servers write a decimal comma.
        return parse_amount(value, decimal_separator="," if "," in value and "." not in value else ".")
    except AmountError as exc:
        raise statement_error(MALFORMED, source, f"line {node.line} <{tag}>", str(exc)) from exc


def _line(
    trn: _Node, content: str, source: str, statement_id: str, account: str, currency: str, position: int
) -> BankLine:
    raw_amount, posted = trn.get("TRNAMT"), trn.get("DTPOSTED")
    if not raw_amount or not posted:
        missing = "TRNAMT" if not raw_amount else "DTPOSTED"
        raise statement_error(
            MALFORMED, source, f"line {trn.line} <STMTTRN>", f"the transaction has no <{missing}>"
        )
    line_currency = (trn.get("CURRENCY", "CURSYM") or currency).upper()
    amount = pad(_amount(raw_amount, source, trn, "TRNAMT"), line_currency)
    booking = _date(posted, source, trn, "DTPOSTED")
    available = trn.get("DTAVAIL")
    remittance = clean(trn.get("MEMO"))
    fitid = trn.get("FITID")
    return BankLine(
        line_id=fitid or derived_line_id(statement_id, position, booking, amount, remittance),
        amount=amount,
        currency=line_currency,
        booking_date=booking,
        value_date=_date(available, source, trn, "DTAVAIL") if available else None,
        counterparty_name=clean(trn.get("NAME") or trn.get("PAYEE", "NAME") or trn.get("PAYEEID")),
        counterparty_iban=trn.get("BANKACCTTO", "ACCTID").replace(" ", ""),
        remittance=remittance,
        end_to_end_id=trn.get("REFNUM"),
        bank_reference=fitid,
        account_iban=account,
        statement_id=statement_id,
        raw=content[trn.start : trn.end],
        source=f"{source}, line {trn.line}",
    )
