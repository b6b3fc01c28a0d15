"""Readings that explain a line without any difference, looked for before a decision leaves one.

A partial payment, a bank fee, a discount or a rounding gap is a guess about why the cash differs from
the invoice. When another open item of the same customer has exactly the amount, or a combination of
its open items adds up to it, a reading that needs no guess competes: a person must choose.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from rpa.documents.statements.model import BankLine

from .combinations import find_combinations
from .config import InvoiceMatchingConfig
from .explain import money
from .index import ItemIndex, cents
from .references import canonical, remittance_keys

_DIGITS = re.compile(r"\d")
_FOUR_DIGITS = re.compile(r"\d{4}")


@dataclass(frozen=True, slots=True)
class ExactReading:
    """Invoices whose open amounts add up to the line's amount exactly, and what they are."""

    invoices: tuple[str, ...]
    note: str


@dataclass(frozen=True, slots=True)
class ExactSearch:
    """The exact readings found (best first), and a phrase saying what was searched."""

    readings: tuple[ExactReading, ...]
    searched: str


def exact_readings(
    line: BankLine,
    index: ItemIndex,
    config: InvoiceMatchingConfig,
    customers: Iterable[str],
    chosen: Collection[str],
) -> ExactSearch:
    """Open items of ``customers`` other than ``chosen`` that settle ``line`` with no difference: one item
    still open for exactly the amount, or a combination (2 or more items) adding up to it."""
    target = cents(line.amount)
    wanted = set(chosen)
    readings: list[ExactReading] = []
    cut_short: list[str] = []
    names = sorted(set(customers))
    for customer in names:
        for number in index.customer_items_in_range(customer, line.currency, target, target):
            if number not in wanted and index.untouched(number):
                note = f"exactly the amount, another open item of customer {customer}"
                readings.append(ExactReading((number,), note))
        open_numbers = [
            n for n in index.open_items_of(customer, line.currency) if cents(index.remaining[n]) <= target
        ]
        if len(open_numbers) < 2:
            continue
        open_numbers.sort(key=lambda n: (index.items[n].due_date, n))
        candidates = open_numbers[: config.combination_max_candidates]
        search = find_combinations(
            [cents(index.remaining[n]) for n in candidates],
            target,
            max_items=config.combination_max_items,
            node_budget=config.combination_node_budget,
        )
        for solution in search.solutions:
            numbers = tuple(candidates[k] for k in solution)
            if set(numbers) != wanted:
                note = f"open items of customer {customer} adding up to exactly the amount"
                readings.append(ExactReading(numbers, note))
        if search.exhausted or len(open_numbers) > len(candidates):
            cut_short.append(customer)
    who = f"customer {', '.join(names)}" if names else "no identified customer"
    searched = f"no open item or combination of {who} is exactly {money(line.amount)}"
    if cut_short:
        searched += f" (search cut short for {', '.join(cut_short)})"
    return ExactSearch(tuple(readings), searched)


def quoted_elsewhere(line: BankLine, chosen: Collection[str]) -> list[str]:
    """Keys in the remittance shaped like the chosen invoices' numbers (same letters, as many digits)
    that are none of them: the payer quoted an invoice that is not open (settled, or not ours to match)."""
    if not _FOUR_DIGITS.search(line.remittance):
        return []
    own = {canonical(n) for n in chosen}
    shapes = {_DIGITS.sub("9", key) for key in own}
    quoted: dict[str, str] = {}
    for piece in remittance_keys(line.remittance, raw=True):
        key = canonical(piece)
        if key not in own and key not in quoted and _DIGITS.sub("9", key) in shapes:
            quoted[key] = piece
    return list(quoted.values())
