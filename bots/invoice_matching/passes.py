"""Passes 1-3: the line's own references (payment ids, RF creditor references, invoice numbers in text)."""

from __future__ import annotations

from collections.abc import Sequence

from .combinations import find_combinations
from .competing import exact_readings
from .decide import Run, amount_phrase
from .differences import FitStatus, fit_payment
from .explain import invoices_text
from .index import cents
from .model import ZERO, Allocation, Decision, DecisionKind, OpenItem, Reason

_MAX_SUBSET_ITEMS = 12  # a remittance naming more invoices than this is not searched for a subset


def pass_payment_ids(run: Run, pos: int) -> Decision | None:
    ev = run.evidence(pos)
    if not ev.payment_ids:
        return None
    competing = [n for n in (*ev.creditor_refs, *ev.tokens) if n not in ev.payment_ids]
    return decide_references(
        run,
        pos,
        ev.payment_ids,
        pass_no=1,
        reason=Reason.MATCHED_PAYMENT_ID,
        base=0.99,
        source="our payment id",
        competing=competing,
    )


def pass_creditor_references(run: Run, pos: int) -> Decision | None:
    ev = run.evidence(pos)
    if not ev.creditor_refs:
        return None
    competing = [n for n in ev.tokens if n not in ev.creditor_refs]
    return decide_references(
        run,
        pos,
        ev.creditor_refs,
        pass_no=2,
        reason=Reason.MATCHED_CREDITOR_REFERENCE,
        base=0.98,
        source=f"creditor reference {ev.rf_found[0]} (valid checksum)",
        competing=competing,
    )


def pass_invoice_numbers(run: Run, pos: int) -> Decision | None:
    ev = run.evidence(pos)
    if ev.tokens:
        return decide_references(
            run,
            pos,
            ev.tokens,
            pass_no=3,
            reason=Reason.MATCHED_INVOICE_NUMBER,
            base=0.93,
            source="remittance text",
            competing=(),
        )
    if ev.cores:
        # Digits alone (a date could produce them too) only count when the amount settles exactly.
        return decide_references(
            run,
            pos,
            ev.cores,
            pass_no=3,
            reason=Reason.MATCHED_INVOICE_NUMBER,
            base=0.88,
            source="digits in the remittance",
            competing=(),
            weak=True,
        )
    return None


def decide_references(
    run: Run,
    pos: int,
    numbers: Sequence[str],
    *,
    pass_no: int,
    reason: Reason,
    base: float,
    source: str,
    competing: Sequence[str],
    weak: bool = False,
) -> Decision | None:
    """Decide a line whose references name ``numbers``; ``weak`` evidence yields None unless it settles."""
    line, index = run.lines[pos], run.index
    items = [index.items[n] for n in sorted(set(numbers))]
    named = f"{source} names {invoices_text([i.number for i in items])}"
    same_currency = [i for i in items if i.currency == line.currency]
    live = [i for i in same_currency if index.is_open(i.number)]
    if not live:
        if weak:
            return None
        if not same_currency:
            return run.finish(
                line,
                kind=DecisionKind.EXCEPTION,
                reason=Reason.CURRENCY_MISMATCH,
                score=0.0,
                pass_no=pass_no,
                agreed=[named],
                notes=[f"the line is in {line.currency}, the invoice in {items[0].currency}"],
            )
        paid_here = [i.number for i in same_currency if i.open_amount > 0]
        if paid_here:
            return run.finish(
                line,
                kind=DecisionKind.EXCEPTION,
                reason=Reason.INVOICE_ALREADY_ALLOCATED,
                score=0.0,
                pass_no=pass_no,
                agreed=[named],
                notes=[f"{invoices_text(paid_here)} already paid by an earlier line of this run"],
            )
        return run.finish(
            line,
            kind=DecisionKind.EXCEPTION,
            reason=Reason.INVOICE_ALREADY_SETTLED,
            score=0.0,
            pass_no=pass_no,
            agreed=[named],
            notes=["the invoice is already settled in the ERP"],
        )
    pairs = [(i, index.remaining[i.number]) for i in live]
    open_total = sum((rem for _, rem in pairs), ZERO)
    fit = fit_payment(line.amount, pairs, line.booking_date, run.config)
    agreed = [named, amount_phrase(line.amount, open_total)]
    live_numbers = {i.number for i in live}
    notes = [f"{i.number} left out (no longer open)" for i in same_currency if i.number not in live_numbers]
    if fit.settles or (fit.status is FitStatus.PARTIAL and len(live) == 1):
        if weak and not fit.settles:
            return None
        score = base - (0.02 if fit.status is FitStatus.WRITTEN_OFF else 0.0)
        score -= 0.05 if fit.status is FitStatus.PARTIAL else 0.0
        kind, final_reason = DecisionKind.AUTO, reason
        payer = run.payer(pos, fuzzy=False)
        customers = {i.customer_id for i in live}
        others = [n for n in dict.fromkeys(competing) if index.is_open(n)]
        alternatives = [run.alternative([n], 0.5, "also referenced by the line") for n in others]
        if alternatives:
            kind, final_reason = DecisionKind.SUGGESTED, Reason.CONFLICTING_REFERENCES
            score = min(score, 0.6)
        if payer.customer is not None and payer.customer in customers:
            agreed.append(payer.evidence)
        elif payer.customer is not None:
            # An unknown account may be a third party paying for the customer; another known customer's
            # account quoting this invoice has more often mistyped its own number: a person decides.
            score = min(score - 0.15, 0.6)
            owner = ", ".join(sorted(customers))
            notes.append(f"but the {payer.evidence}, not to the invoice's customer {owner}")
            if not alternatives:
                kind, final_reason = DecisionKind.SUGGESTED, Reason.PAYER_MISMATCH
            chosen = [a.invoice for a in fit.allocations]
            own = exact_readings(line, index, run.config, [payer.customer], chosen)
            alternatives[:0] = [run.alternative(r.invoices, 0.5, r.note) for r in own.readings]
        return run.finish(
            line,
            kind=kind,
            reason=final_reason,
            score=score,
            pass_no=pass_no,
            agreed=agreed,
            fit=fit,
            alternatives=alternatives,
            notes=notes,
        )
    if weak:
        return None
    if len(live) > 1:
        return _subset(run, pos, live, pass_no=pass_no, agreed=agreed, base=base)
    if fit.status is FitStatus.PARTIAL_OVER_CAP:
        return run.finish(
            line,
            kind=DecisionKind.SUGGESTED,
            reason=Reason.PARTIAL_OVER_CAP,
            score=base - 0.3,
            pass_no=pass_no,
            agreed=agreed,
            fit=fit,
            notes=notes,
        )
    if not index.untouched(live[0].number):
        return run.finish(
            line,
            kind=DecisionKind.EXCEPTION,
            reason=Reason.OVER_ALLOCATION,
            score=0.0,
            pass_no=pass_no,
            agreed=agreed,
            notes=[*notes, f"an earlier line of this run already paid part of {live[0].number}"],
        )
    return run.finish(
        line,
        kind=DecisionKind.SUGGESTED,
        reason=Reason.OVERPAYMENT,
        score=base - 0.3,
        pass_no=pass_no,
        agreed=agreed,
        fit=fit,
        notes=notes,
    )


def _subset(
    run: Run, pos: int, live: list[OpenItem], *, pass_no: int, agreed: list[str], base: float
) -> Decision:
    """Several invoices named but not all paid: offer the one subset that adds up, if there is exactly one."""
    line, index = run.lines[pos], run.index
    solutions: tuple[tuple[int, ...], ...] = ()
    if len(live) <= _MAX_SUBSET_ITEMS:
        search = find_combinations(
            [cents(index.remaining[i.number]) for i in live],
            cents(line.amount),
            max_items=len(live),
            node_budget=run.config.combination_node_budget,
            min_items=1,
        )
        solutions = search.solutions
    options = [[live[k].number for k in sol] for sol in solutions]
    alternatives = [run.alternative(o, base - 0.4, "adds up to the amount") for o in options]
    if len(options) == 1:
        allocations = [Allocation(n, index.remaining[n]) for n in options[0]]
        return run.finish(
            line,
            kind=DecisionKind.SUGGESTED,
            reason=Reason.SUGGESTED_SUBSET_OF_REFERENCES,
            score=base - 0.3,
            pass_no=pass_no,
            agreed=agreed,
            allocations=allocations,
            notes=[f"only {invoices_text(options[0])} of the invoices named add up to the amount"],
        )
    note = "several subsets add up to the amount" if options else "no subset of them adds up to the amount"
    return run.finish(
        line,
        kind=DecisionKind.EXCEPTION,
        reason=Reason.AMOUNT_MISMATCH,
        score=0.0,
        pass_no=pass_no,
        agreed=agreed,
        alternatives=alternatives,
        notes=[note],
    )
