"""Lines never matched automatically: duplicates, reversals and what they reverse, debits, future dates."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from rpa.documents.statements.duplicates import find_duplicates
from rpa.documents.statements.model import BankLine

from .explain import sentence
from .index import cents
from .model import Decision, DecisionKind, Reason
from .references import normalize_iban, normalize_name, payment_id_key


def screen(lines: Sequence[BankLine], order: Sequence[int], today: date) -> dict[int, Decision]:
    """Decisions for the lines (by position) that must go to a person before any matching is tried."""
    decided: dict[int, Decision] = {}
    # The kit's rule, the same as for statements imported on an earlier day: lines of one statement are
    # never duplicates of each other, and a transfer between two of our accounts is two lines.
    for pos, (first, why) in find_duplicates(lines, order).items():
        text = why.format(lines[first].line_id)
        decided[pos] = _exception(lines[pos], Reason.DUPLICATE_LINE, f"{text}, already counted once")
    _reversals(lines, order, decided)
    for pos in order:
        if pos in decided:
            continue
        line = lines[pos]
        if line.amount < 0:
            decided[pos] = _exception(line, Reason.DEBIT_LINE, "money going out is not an invoice payment")
        elif line.amount == 0:
            decided[pos] = _exception(line, Reason.ZERO_AMOUNT, "a line of zero pays nothing")
        elif line.booking_date > today:
            decided[pos] = _exception(
                line,
                Reason.FUTURE_BOOKING,
                f"booked on {line.booking_date.isoformat()}, after today; check the statement",
            )
    return decided


def _reversals(lines: Sequence[BankLine], order: Sequence[int], decided: dict[int, Decision]) -> None:
    """Mark each reversal, and the earlier line it takes back when the payer or payment id shows which."""
    if not any(line.reversal for line in lines):
        return
    by_amount: dict[tuple[str, int], list[int]] = defaultdict(list)
    for pos in order:
        if pos not in decided and not lines[pos].reversal:
            by_amount[(lines[pos].currency, abs(cents(lines[pos].amount)))].append(pos)
    for pos in order:
        line = lines[pos]
        if pos in decided or not line.reversal:
            continue
        original = _reversed_line(
            line, by_amount.get((line.currency, abs(cents(line.amount))), []), lines, decided
        )
        target = (
            f"it takes back line {lines[original].line_id}"
            if original is not None
            else "the reversed line is not in this run"
        )
        decided[pos] = _exception(line, Reason.REVERSAL, f"the bank reversed an earlier booking; {target}")
        if original is not None:
            decided[original] = _exception(
                lines[original],
                Reason.REVERSED_LINE,
                f"the bank reversed this line with line {line.line_id}; nothing to post",
            )


def _reversed_line(
    reversal: BankLine, candidates: list[int], lines: Sequence[BankLine], decided: dict[int, Decision]
) -> int | None:
    e2e = payment_id_key(reversal.end_to_end_id)
    iban = normalize_iban(reversal.counterparty_iban)
    name = normalize_name(reversal.counterparty_name)
    best: int | None = None
    for pos in candidates:
        line = lines[pos]
        # A reversal entry carries its own direction: a debit takes back a credit and the other way round.
        if (
            pos in decided
            or line.booking_date > reversal.booking_date
            or (line.amount > 0) == (reversal.amount > 0)
        ):
            continue
        same = (
            (e2e and payment_id_key(line.end_to_end_id) == e2e)
            or (iban and normalize_iban(line.counterparty_iban) == iban)
            or (not iban and name and normalize_name(line.counterparty_name) == name)
        )
        if same:
            best = pos  # candidates are in booking order: keep the latest one before the reversal
    return best


def _exception(line: BankLine, reason: Reason, why: str) -> Decision:
    return Decision(
        line=line,
        kind=DecisionKind.EXCEPTION,
        reason_code=reason,
        score=0.0,
        explanation=sentence(0, [why]),
        method="screening",
    )
