"""Small hand-made open items and bank lines for the matching tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bots.invoice_matching.config import InvoiceMatchingConfig
from bots.invoice_matching.matching import match_lines
from bots.invoice_matching.model import Decision, MatchResult, OpenItem
from rpa.documents.statements.model import BankLine

TODAY = date(2024, 4, 30)


def item(
    number: str,
    amount: str,
    *,
    customer: str = "C1",
    name: str = "Alpha Trading GmbH",
    iban: str = "DE89370400440532013000",
    open_amount: str | None = None,
    reference: str = "",
    currency: str = "EUR",
    issued: date = date(2024, 3, 1),
    due: date = date(2024, 3, 31),
) -> OpenItem:
    return OpenItem(
        number=number,
        customer_id=customer,
        customer_name=name,
        customer_iban=iban,
        issue_date=issued,
        due_date=due,
        amount=Decimal(amount),
        open_amount=Decimal(open_amount if open_amount is not None else amount),
        currency=currency,
        reference=reference,
    )


def line(line_id: str, amount: str, *, booked: date = date(2024, 4, 10), **fields: Any) -> BankLine:
    fields.setdefault("currency", "EUR")
    return BankLine(line_id=line_id, amount=Decimal(amount), booking_date=booked, **fields)


def run(
    lines: list[BankLine], items: list[OpenItem], config: InvoiceMatchingConfig | None = None
) -> MatchResult:
    return match_lines(lines, items, today=TODAY, config=config)


def by_id(result: MatchResult) -> dict[str, Decision]:
    return {d.line_id: d for d in result.decisions}


def one(
    lines: list[BankLine], items: list[OpenItem], config: InvoiceMatchingConfig | None = None
) -> Decision:
    decisions = run(lines, items, config).decisions
    assert len(decisions) == len(lines)
    return decisions[0]
