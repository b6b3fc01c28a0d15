"""Passes 4-6, for lines without a usable reference: who paid, and which of their invoices the amount fits."""

from __future__ import annotations

from datetime import timedelta
from itertools import islice

from .combinations import CombinationSearch, find_combinations
from .customers import similarity
from .decide import Run, amount_phrase
from .differences import fit_payment
from .explain import invoices_text
from .index import cents
from .model import Allocation, Decision, DecisionKind, Reason
from .references import normalize_name

_SUGGESTION_SCAN = 500  # same-amount items looked at per line for a suggestion; ranked by name after


def pass_customer_amount(run: Run, pos: int) -> Decision | None:
    """Pass 4: the payer is a known customer with exactly one open item of this amount."""
    line, index, config = run.lines[pos], run.index, run.config
    payer = run.payer(pos)
    if payer.customer is None:
        return None
    customer = payer.customer
    score = 0.75 + 0.2 * payer.confidence
    exact = [
        n
        for n in index.customer_items_in_range(
            customer, line.currency, cents(line.amount), cents(line.amount)
        )
        if index.untouched(n)
    ]
    if len(exact) == 1:
        item = index.items[exact[0]]
        fit = fit_payment(line.amount, [(item, index.remaining[item.number])], line.booking_date, config)
        return run.finish(
            line,
            kind=DecisionKind.AUTO,
            reason=Reason.MATCHED_CUSTOMER_AMOUNT,
            score=score,
            pass_no=4,
            agreed=[payer.evidence, f"{item.number} is its only open item of {line.amount:,.2f}"],
            fit=fit,
        )
    if len(exact) > 1:
        return _ambiguous(
            run,
            pos,
            sorted(exact, key=lambda n: (index.items[n].due_date, n)),
            payer.evidence,
            f"{len(exact)} open items of the customer have this amount",
        )
    # No exact amount: an item the amount settles within the rounding, fee or discount caps.
    caps = max(config.rounding.absolute, config.bank_fee.absolute, config.discount.absolute)
    low, high = cents(line.amount - config.rounding.absolute), cents(line.amount + caps)
    near = []
    for number in index.customer_items_in_range(customer, line.currency, low, high):
        if not index.untouched(number):
            continue
        item = index.items[number]
        fit = fit_payment(line.amount, [(item, index.remaining[number])], line.booking_date, config)
        if fit.settles:
            near.append((number, fit))
    if len(near) == 1:
        number, fit = near[0]
        # A tolerance reading loses to nothing but must not hide an exact one: a combination that adds up.
        _, _, search = _combinations(run, pos, customer)
        if search is not None and search.solutions:
            return _ambiguous(run, pos, [number], payer.evidence,
                              "the amount also equals a combination of its open items")  # fmt: skip
        return run.finish(
            line,
            kind=DecisionKind.AUTO,
            reason=Reason.MATCHED_CUSTOMER_AMOUNT,
            score=score - 0.03,
            pass_no=4,
            agreed=[
                payer.evidence,
                f"{number} is its only open item the amount settles",
                amount_phrase(line.amount, index.remaining[number]),
            ],
            fit=fit,
        )
    if len(near) > 1:
        return _ambiguous(
            run,
            pos,
            [n for n, _ in near],
            payer.evidence,
            f"the amount settles {len(near)} of the customer's items within tolerance",
        )
    return None


def pass_customer_combination(run: Run, pos: int) -> Decision | None:
    """Pass 5: the payer is known and exactly one combination of their open items adds up to the amount."""
    line, index, config = run.lines[pos], run.index, run.config
    payer = run.payer(pos)
    if payer.customer is None:
        return None
    open_numbers, candidates, search = _combinations(run, pos, payer.customer)
    if search is None or not search.solutions:
        return None
    options = [[candidates[k] for k in sol] for sol in search.solutions]
    score = 0.70 + 0.15 * payer.confidence
    agreed = [payer.evidence]
    if len(options) > 1:
        alternatives = [run.alternative(o, score - 0.3, "adds up to the amount too") for o in options]
        return run.finish(
            line,
            kind=DecisionKind.EXCEPTION,
            reason=Reason.AMBIGUOUS_COMBINATION,
            score=0.0,
            pass_no=5,
            agreed=agreed,
            alternatives=alternatives,
            notes=["more than one combination of its open items adds up to the amount"],
        )
    chosen = options[0]
    items = [(index.items[n], index.remaining[n]) for n in chosen]
    fit = fit_payment(line.amount, items, line.booking_date, config)
    agreed.append(f"{invoices_text(chosen)} add up to {line.amount:,.2f}")
    truncated = len(open_numbers) > len(candidates)
    if search.exhausted or truncated:
        why = (
            "the search budget ran out"
            if search.exhausted
            else f"only the {len(candidates)} oldest of {len(open_numbers)} items were searched"
        )
        return run.finish(
            line,
            kind=DecisionKind.SUGGESTED,
            reason=Reason.COMBINATION_UNVERIFIED,
            score=score - 0.2,
            pass_no=5,
            agreed=agreed,
            fit=fit,
            notes=[f"no other combination is ruled out because {why}"],
        )
    return run.finish(
        line,
        kind=DecisionKind.AUTO,
        reason=Reason.MATCHED_CUSTOMER_COMBINATION,
        score=score,
        pass_no=5,
        agreed=[*agreed, "no other combination fits"],
        fit=fit,
    )


def pass_amount_date_name(run: Run, pos: int) -> Decision:
    """Pass 6, and the last word: same amount within the date window, ranked by name; never automatic."""
    line, index, config = run.lines[pos], run.index, run.config
    payer = run.payer(pos)
    name = normalize_name(line.counterparty_name)
    ranked: list[tuple[float, str]] = []
    for number in islice(index.by_amount(line.currency, cents(line.amount)), _SUGGESTION_SCAN):
        item = index.items[number]
        in_window = (
            item.issue_date - timedelta(days=config.window_days_before_issue)
            <= line.booking_date
            <= item.due_date + timedelta(days=config.window_days_after_due)
        )
        if not in_window or not index.untouched(number):
            continue
        likeness = (
            100.0
            if item.customer_id == payer.customer
            else similarity(name, index.customer_names[item.customer_id])
        )
        ranked.append((likeness, number))
    ranked.sort(key=lambda ln: (-ln[0], index.items[ln[1]].due_date, ln[1]))
    alternatives = [
        run.alternative([n], 0.3 + 0.3 * lk / 100, f"same amount, name {lk:.0f}% alike") for lk, n in ranked
    ]
    tried = "no payment id, creditor reference or invoice number of an open item found"
    if ranked and (len(ranked) == 1 or ranked[0][0] >= config.suggestion_min_name_similarity):
        likeness, number = ranked[0]
        return run.finish(
            line,
            kind=DecisionKind.SUGGESTED,
            reason=Reason.SUGGESTED_AMOUNT_DATE_NAME,
            score=0.3 + 0.3 * likeness / 100,
            pass_no=6,
            agreed=[
                f"{number} has the same amount and is due around the booking date",
                f"payer name {likeness:.0f}% alike",
            ],
            allocations=[Allocation(number, index.remaining[number])],
            alternatives=alternatives[1:],
            notes=[tried],
        )
    where = "none in the date window" if not ranked else "none with a clearly similar name"
    return run.finish(
        line,
        kind=DecisionKind.EXCEPTION,
        reason=Reason.NO_MATCH,
        score=0.0,
        pass_no=7,
        agreed=[tried, payer.evidence, f"open items of {line.amount:,.2f}: {where}"],
        alternatives=alternatives,
    )


def _combinations(run: Run, pos: int, customer: str) -> tuple[list[str], list[str], CombinationSearch | None]:
    """The customer's open items that fit under the amount, those searched, and the search (None: too few)."""
    line, index, config = run.lines[pos], run.index, run.config
    target = cents(line.amount)
    open_numbers = [
        n for n in index.open_items_of(customer, line.currency) if cents(index.remaining[n]) <= target
    ]
    if len(open_numbers) < 2:
        return open_numbers, [], None
    open_numbers.sort(key=lambda n: (index.items[n].due_date, n))
    candidates = open_numbers[: config.combination_max_candidates]  # customers usually pay the oldest first
    amounts = [cents(index.remaining[n]) for n in candidates]
    search = find_combinations(amounts, target, max_items=config.combination_max_items,
                               node_budget=config.combination_node_budget)  # fmt: skip
    return open_numbers, candidates, search


def _ambiguous(run: Run, pos: int, numbers: list[str], evidence: str, why: str) -> Decision:
    alternatives = [run.alternative([n], 0.5, "fits as well") for n in numbers]
    return run.finish(
        run.lines[pos],
        kind=DecisionKind.EXCEPTION,
        reason=Reason.AMBIGUOUS_MATCH,
        score=0.0,
        pass_no=4,
        agreed=[evidence],
        alternatives=alternatives,
        notes=[why],
    )
