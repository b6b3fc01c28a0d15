"""Lookup tables over the open items, so each bank line meets only its few plausible candidates.

Built once per run: by invoice key, numeric core, customer, amount (per customer, sorted, and overall),
payer IBAN and payer-name word. No lookup ever walks all items.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from rpa.findings import Finding, Severity

from .model import ZERO, OpenItem
from .references import canonical, name_tokens, normalize_iban, normalize_name, numeric_core


def cents(amount: Decimal) -> int:
    """Whole cents of an amount already quantized to cents (money in this engine always is)."""
    return int(amount * 100)


@dataclass
class ItemIndex:
    """The open items and the tables that find them; ``remaining`` is what this run has left open.

    Tables only some lines need (numeric cores, amounts) are built on first use.
    """

    items: dict[str, OpenItem] = field(default_factory=dict)
    remaining: dict[str, Decimal] = field(default_factory=dict)
    # Invoice number and reference keys: nearly all are unique, so the first number is kept as is and
    # only the rare collisions get a list (a million small lists cost seconds and hundreds of MB).
    _key_first: dict[str, str] = field(default_factory=dict)
    _key_more: dict[str, list[str]] = field(default_factory=dict)
    by_customer: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    customer_iban: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    customer_exact_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    name_word: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    customer_names: dict[str, str] = field(default_factory=dict)
    last_iban: dict[str, str] = field(default_factory=dict)
    _by_core: dict[str, list[str]] | None = None
    _by_amount: dict[tuple[str, int], list[str]] | None = None
    # Per customer and currency: ERP open amounts in cents, sorted, with their invoice numbers.
    _ladders: dict[tuple[str, str], tuple[list[int], list[str]]] = field(default_factory=dict)

    def by_key(self, key: str) -> tuple[str, ...]:
        """Items whose canonical number or reference is ``key``."""
        first = self._key_first.get(key)
        if first is None:
            return ()
        more = self._key_more.get(key)
        return (first,) if more is None else (first, *more)

    def add_key(self, key: str, number: str) -> None:
        first = self._key_first.setdefault(key, number)
        if first != number:
            self._key_more.setdefault(key, []).append(number)

    def is_open(self, number: str) -> bool:
        return self.remaining.get(number, ZERO) > 0

    def untouched(self, number: str) -> bool:
        """Still open for its full ERP open amount (no line of this run has paid on it)."""
        item = self.items[number]
        return item.open_amount > 0 and self.remaining[number] == item.open_amount

    def consume(self, used: dict[str, Decimal]) -> None:
        for number, amount in used.items():
            self.remaining[number] = max(ZERO, self.remaining[number] - amount)

    def by_core(self, core: str) -> list[str]:
        """Items whose number has this numeric core."""
        if self._by_core is None:
            table: dict[str, list[str]] = defaultdict(list)
            for number in self.items:
                item_core = numeric_core(number)
                if item_core:
                    table[item_core].append(number)
            self._by_core = table
        return self._by_core.get(core, [])

    def by_amount(self, currency: str, amount: int) -> list[str]:
        """Items with this ERP open amount (in cents), whoever the customer."""
        if self._by_amount is None:
            table: dict[tuple[str, int], list[str]] = defaultdict(list)
            for number, item in self.items.items():
                if item.open_amount > 0:
                    table[(item.currency, cents(item.open_amount))].append(number)
            self._by_amount = table
        return self._by_amount.get((currency, amount), [])

    def customer_items_in_range(self, customer: str, currency: str, low: int, high: int) -> list[str]:
        """Numbers of the customer's items whose ERP open amount is between ``low`` and ``high`` cents."""
        ladder = self._ladders.get((customer, currency))
        if ladder is None:
            pairs = sorted(
                (cents(self.items[n].open_amount), n)
                for n in self.by_customer.get(customer, ())
                if self.items[n].currency == currency
            )
            ladder = self._ladders[(customer, currency)] = ([a for a, _ in pairs], [n for _, n in pairs])
        amounts, numbers = ladder
        return numbers[bisect_left(amounts, low) : bisect_right(amounts, high)]

    def open_items_of(self, customer: str, currency: str) -> list[str]:
        return [
            n
            for n in self.by_customer.get(customer, ())
            if self.items[n].currency == currency and self.is_open(n)
        ]


def build_index(items: Iterable[OpenItem]) -> tuple[ItemIndex, list[Finding]]:
    """Index ``items``; unusable ones (duplicate number, negative or excessive open amount) are set aside."""
    index = ItemIndex()
    problems: list[Finding] = []
    all_items, remaining, by_customer = index.items, index.remaining, index.by_customer
    for item in items:
        number = item.number
        if number in all_items or item.open_amount < 0 or item.open_amount > item.amount > 0:
            problems.append(_problem(item, duplicate=number in all_items))
            continue
        all_items[number] = item
        remaining[number] = item.open_amount
        key = canonical(number)
        index.add_key(key, number)
        if item.reference:
            ref_key = canonical(item.reference)
            if ref_key != key:
                index.add_key(ref_key, number)
        _index_customer(index, item)
        if item.open_amount > 0:
            by_customer[item.customer_id].append(number)
    return index, problems


def _problem(item: OpenItem, *, duplicate: bool) -> Finding:
    """Why ``item`` cannot be used (the caller has found that it cannot); it is set aside, hence an error."""
    if duplicate:
        return Finding(
            "DUPLICATE_INVOICE",
            Severity.ERROR,
            f"Invoice {item.number} is listed twice; the first row is used, fix the export.",
            item.number,
            "number",
        )
    if item.open_amount < 0:
        return Finding(
            "NEGATIVE_OPEN_AMOUNT",
            Severity.ERROR,
            f"Invoice {item.number} has a negative open amount ({item.open_amount}); "
            "credit notes are not matched, settle it in the ERP.",
            item.number,
            "open_amount",
        )
    return Finding(
        "OPEN_EXCEEDS_AMOUNT",
        Severity.ERROR,
        f"Invoice {item.number} has more open ({item.open_amount}) than invoiced "
        f"({item.amount}); correct the open amount in the ERP.",
        item.number,
        "open_amount",
    )


def _index_customer(index: ItemIndex, item: OpenItem) -> None:
    customer = item.customer_id
    known = index.customer_names.get(customer)
    if known is not None and item.customer_iban == index.last_iban.get(customer):
        return  # the usual case: another invoice of a customer already indexed with this IBAN
    if item.customer_iban:
        index.last_iban[customer] = item.customer_iban
        index.customer_iban[normalize_iban(item.customer_iban)].add(customer)
    if known is not None:
        return
    name = normalize_name(item.customer_name)
    index.customer_names[customer] = name
    if name:
        index.customer_exact_name[name].add(customer)
    for word in name_tokens(name):
        index.name_word[word].add(customer)
