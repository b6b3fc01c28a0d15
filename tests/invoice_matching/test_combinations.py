"""The bounded combination search: limits on candidates, items per combination and search steps."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bots.invoice_matching.combinations import find_combinations
from bots.invoice_matching.config import InvoiceMatchingConfig
from bots.invoice_matching.model import DecisionKind, Reason

from .builders import item, line, one

IBAN = "DE89370400440532013000"


def test_finds_the_single_combination_and_stops_at_two() -> None:
    found = find_combinations([500, 300, 250, 100], 800, max_items=6, node_budget=10_000)
    assert found.solutions == ((0, 1),) and not found.exhausted
    two = find_combinations([500, 300, 200, 600], 800, max_items=6, node_budget=10_000)
    assert len(two.solutions) == 2


def test_never_uses_more_items_than_allowed() -> None:
    found = find_combinations([100] * 10, 700, max_items=6, node_budget=100_000)
    assert found.solutions == ()


def test_the_node_budget_is_respected_on_a_hard_instance() -> None:
    amounts = [1000 + 7 * i for i in range(25)]
    found = find_combinations(amounts, 1, max_items=6, node_budget=5_000)  # nothing fits: pruned at once
    assert found.nodes <= 5_000
    hard = find_combinations(
        [1000 + 7 * i for i in range(25)], 6 * 1000 + 7 * 60 + 1, max_items=6, node_budget=5_000
    )
    assert hard.nodes <= 5_001 and hard.exhausted and hard.solutions == ()


def test_a_combination_found_when_the_budget_ran_out_is_only_suggested() -> None:
    items = [item(f"INV-{i:02d}", f"{10 + i}.{i:02d}") for i in range(20)]
    target = sum((it.open_amount for it in items[:5]), Decimal(0))
    tight = InvoiceMatchingConfig(combination_node_budget=1_000)
    d = one([line("L1", str(target), counterparty_iban=IBAN)], items, tight)
    assert d.kind is not DecisionKind.AUTO


def test_only_the_oldest_candidates_are_searched_and_then_nothing_is_posted() -> None:
    config = InvoiceMatchingConfig(combination_max_candidates=25)
    base = date(2024, 3, 1)
    items = [item(f"INV-{i:02d}", f"{100 + i}.00", due=base + timedelta(days=i)) for i in range(27)]
    oldest = one([line("L1", "201.00", counterparty_iban=IBAN)], items, config)  # 100 + 101: among the oldest
    assert oldest.kind is DecisionKind.SUGGESTED and oldest.reason_code is Reason.COMBINATION_UNVERIFIED
    newest = one([line("L2", "251.00", counterparty_iban=IBAN)], items, config)  # 125 + 126: the two newest
    assert newest.kind is not DecisionKind.AUTO and not newest.allocations


def test_many_equal_items_make_a_payment_of_two_ambiguous() -> None:
    items = [item(f"INV-{i:02d}", "10.00") for i in range(8)]
    d = one([line("L1", "20.00", counterparty_iban=IBAN)], items)
    assert (d.kind, d.reason_code) == (DecisionKind.EXCEPTION, Reason.AMBIGUOUS_COMBINATION)
    assert len(d.alternatives) == 2
