"""The accountant's first check on a statement: opening balance plus the lines gives the closing balance."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from rpa.documents.statements.model import Statement
from rpa.findings import Finding, Severity

UNBALANCED = "STATEMENT_UNBALANCED"
BALANCE_CURRENCY = "STATEMENT_BALANCE_CURRENCY"  # set by a reader whose balances are in two currencies


def balance_difference(statement: Statement) -> Decimal | None:
    """closing - (opening + lines); None when there is nothing to compare.

    Nothing to compare: a balance is missing, or the two are in different currencies (the reader said so
    in a ``STATEMENT_BALANCE_CURRENCY`` finding).
    """
    opening, closing = statement.opening_balance, statement.closing_balance
    if opening is None or closing is None or any(f.code == BALANCE_CURRENCY for f in statement.findings):
        return None
    return closing - (opening + sum((line.amount for line in statement.lines), Decimal(0)))


def balance_finding(statement: Statement) -> Finding | None:
    """A warning naming the difference when the statement does not balance, else None.

    The lines are still used: a missing or extra line is for a person to find, not a reason to drop
    the ones that were read.
    """
    difference = balance_difference(statement)
    if difference is None or difference == 0:
        return None
    opening, closing = statement.opening_balance, statement.closing_balance
    if opening is None or closing is None:  # balance_difference returned a number, so both are there
        return None
    moved = closing - difference - opening
    ccy = f" {statement.currency}" if statement.currency else ""
    return Finding(
        UNBALANCED,
        Severity.WARNING,
        f"statement {statement.statement_id} does not balance: opening {opening}{ccy} and"
        f" {len(statement.lines)} lines totalling {moved}{ccy} give {opening + moved}{ccy}, but the"
        f" closing balance is {closing}{ccy} (difference {difference}{ccy})"
        " — look for a missing or extra line, or download the statement again",
        statement.source,
    )


def with_balance_check(statement: Statement) -> Statement:
    """The statement with its balance finding added (unchanged when it balances or has no balances)."""
    finding = balance_finding(statement)
    if finding is None:
        return statement
    return replace(statement, findings=(*statement.findings, finding))
