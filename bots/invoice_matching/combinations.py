"""Bounded exact search for the invoices of one customer that add up to a payment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CombinationSearch:
    """The combinations found (as positions in the input), and whether the search was cut short."""

    solutions: tuple[tuple[int, ...], ...]
    nodes: int
    exhausted: bool  # the node budget ran out: more solutions may exist


def find_combinations(
    amounts: Sequence[int],
    target: int,
    *,
    max_items: int,
    node_budget: int,
    max_solutions: int = 2,
    min_items: int = 2,
) -> CombinationSearch:
    """Up to ``max_solutions`` sets of ``min_items``..``max_items`` amounts (cents) summing to ``target``.

    Depth-first over amounts in decreasing order, pruned when even the largest remaining amounts
    cannot reach the target; every step counts against ``node_budget`` so one line never stalls a run.
    Two solutions are enough to know the payment is ambiguous, so the search stops there.
    """
    order = sorted((i for i, a in enumerate(amounts) if 0 < a <= target), key=lambda i: (-amounts[i], i))
    values = [amounts[i] for i in order]
    prefix = [0]
    for v in values:
        prefix.append(prefix[-1] + v)
    n = len(values)
    solutions: list[tuple[int, ...]] = []
    chosen: list[int] = []
    nodes = 0
    exhausted = False

    def walk(start: int, rest: int) -> None:
        nonlocal nodes, exhausted
        for i in range(start, n):
            if exhausted or len(solutions) >= max_solutions:
                return
            nodes += 1
            if nodes > node_budget:
                exhausted = True
                return
            value = values[i]
            if value > rest:
                continue
            slots = max_items - len(chosen)
            # The best this branch can still do: the largest `slots` amounts from here on.
            if prefix[min(n, i + slots)] - prefix[i] < rest:
                return
            chosen.append(i)
            if value == rest:
                if len(chosen) >= min_items:
                    solutions.append(tuple(sorted(order[j] for j in chosen)))
            elif len(chosen) < max_items:
                walk(i + 1, rest - value)
            chosen.pop()

    if target > 0:
        walk(0, target)
    return CombinationSearch(tuple(solutions), nodes, exhausted)
