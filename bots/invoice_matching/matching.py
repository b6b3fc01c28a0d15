"""The matching engine: bank lines against open items, strongest evidence first.

Each pass keeps what it decides; what an automatic decision allocates is no longer open.

Pure: no I/O and no clock (``today`` is passed in). Same input, same decisions, in the same order.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

from rpa.documents.statements.model import BankLine

from .config import InvoiceMatchingConfig
from .customer_passes import pass_amount_date_name, pass_customer_amount, pass_customer_combination
from .decide import Run
from .index import build_index
from .model import Decision, MatchResult, OpenItem
from .passes import pass_creditor_references, pass_invoice_numbers, pass_payment_ids
from .screening import screen


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector: the run builds millions of acyclic records, and its repeated full scans
    would otherwise double the run time. Reference counting still frees everything; the previous state
    is restored on the way out."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


Pass = Callable[[Run, int], Decision | None]

# Strongest evidence first: a line decided by an earlier pass is never looked at again, and what an
# automatic decision allocates is no longer open for the passes after it.
PASSES: tuple[Pass, ...] = (
    pass_payment_ids,
    pass_creditor_references,
    pass_invoice_numbers,
    pass_customer_amount,
    pass_customer_combination,
    pass_amount_date_name,
)


def match_lines(
    lines: Sequence[BankLine],
    items: Iterable[OpenItem],
    *,
    today: date,
    config: InvoiceMatchingConfig | None = None,
) -> MatchResult:
    """Decide every line: ``auto`` (to be posted), ``suggested`` or ``exception``.

    Lines are handled in booking order (then by line id), so when two lines claim the same invoice the
    earlier one wins whatever order the statements came in; decisions come back in that order.
    """
    config = config or InvoiceMatchingConfig()
    with _without_cycle_collection():
        return _match(lines, items, today, config)


def _match(
    lines: Sequence[BankLine], items: Iterable[OpenItem], today: date, config: InvoiceMatchingConfig
) -> MatchResult:
    index, problems = build_index(items)
    order = sorted(range(len(lines)), key=lambda i: (lines[i].booking_date, lines[i].line_id, i))
    decided = screen(lines, order, today)
    run = Run(lines, index, config)
    for match_pass in PASSES:
        for pos in order:
            if pos in decided:
                continue
            decision = match_pass(run, pos)
            if decision is not None:
                decided[pos] = decision
    return MatchResult(tuple(decided[pos] for pos in order), tuple(problems))
