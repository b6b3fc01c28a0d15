"""The state of one matching run, and how every pass turns its findings into a decision."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from rpa.documents.statements.model import BankLine

from .competing import exact_readings, quoted_elsewhere
from .config import InvoiceMatchingConfig
from .customers import Payer, identify_payer
from .differences import Fit
from .evidence import Evidence, gather
from .explain import PASS_NAMES, differences_text, sentence
from .index import ItemIndex
from .model import ZERO, Allocation, Alternative, Decision, DecisionKind, Reason


class Run:
    """Lines, indexed open items and settings of one run, with per-line caches of evidence and payer."""

    def __init__(self, lines: Sequence[BankLine], index: ItemIndex, config: InvoiceMatchingConfig) -> None:
        self.lines = lines
        self.index = index
        self.config = config
        self._evidence: dict[int, Evidence] = {}
        self._payers: dict[tuple[int, bool], Payer] = {}

    def evidence(self, pos: int) -> Evidence:
        found = self._evidence.get(pos)
        if found is None:
            found = self._evidence[pos] = gather(self.lines[pos], self.index)
        return found

    def payer(self, pos: int, *, fuzzy: bool = True) -> Payer:
        key = (pos, fuzzy)
        found = self._payers.get(key)
        if found is None:
            found = self._payers[key] = identify_payer(self.lines[pos], self.index, self.config, fuzzy=fuzzy)
        return found

    def alternative(self, numbers: Iterable[str], score: float, note: str) -> Alternative:
        ordered = tuple(numbers)
        split = tuple(Allocation(n, self.index.remaining[n]) for n in ordered)
        amount = sum((a.amount for a in split), ZERO)
        return Alternative(ordered, amount, round(max(0.0, min(1.0, score)), 3), note, split)

    def finish(
        self,
        line: BankLine,
        *,
        kind: DecisionKind,
        reason: Reason,
        score: float,
        pass_no: int,
        agreed: Sequence[str],
        fit: Fit | None = None,
        allocations: Sequence[Allocation] | None = None,
        alternatives: Sequence[Alternative] = (),
        notes: Sequence[str] = (),
    ) -> Decision:
        """Build the decision; an automatic one must clear the currency and score bars, then consumes."""
        notes = list(notes)
        if kind is DecisionKind.AUTO and line.currency not in self.config.auto_currencies:
            kind, reason = DecisionKind.SUGGESTED, Reason.CURRENCY_NOT_AUTO
            notes.append(f"{line.currency} lines are never posted automatically")
        elif kind is DecisionKind.AUTO and score < self.config.auto_min_score:
            kind, reason = DecisionKind.SUGGESTED, Reason.LOW_CONFIDENCE
            notes.append(f"score {score:.2f} is below the {self.config.auto_min_score:.2f} needed to post")
        others = list(alternatives)
        placed = allocations if allocations is not None else (fit.allocations if fit is not None else ())
        quoted = (
            quoted_elsewhere(line, [a.invoice for a in placed])
            if kind is DecisionKind.AUTO and pass_no >= 4
            else []
        )
        if quoted:
            # The amount fits here, but the payer wrote another invoice's number: a double payment of a
            # settled invoice, or a typo a person must read.
            kind, reason, score = DecisionKind.SUGGESTED, Reason.QUOTED_INVOICE_NOT_OPEN, min(score, 0.5)
            notes.append(f"not posted: the remittance quotes {', '.join(quoted)}, which is not an open item")
        elif kind is DecisionKind.AUTO and fit is not None and fit.differences:
            kind, reason, score = self._compete(line, fit, kind, reason, score, others, notes)
        elif kind is DecisionKind.AUTO and not others:
            notes.append("no competing candidate")
        if kind is DecisionKind.AUTO and fit is not None:
            self.index.consume(fit.consumed())
        chosen = (
            tuple(allocations) if allocations is not None else (fit.allocations if fit is not None else ())
        )
        differences = fit.differences if fit is not None else ()
        kept = tuple(others[: self.config.max_alternatives])
        return Decision(
            line=line,
            kind=kind,
            reason_code=reason,
            score=round(max(0.0, min(1.0, score)), 3),
            explanation=sentence(pass_no, agreed, differences=differences, notes=notes, rejected=kept),
            method=PASS_NAMES[pass_no],
            allocations=chosen,
            differences=differences,
            alternatives=kept,
        )

    def _compete(
        self,
        line: BankLine,
        fit: Fit,
        kind: DecisionKind,
        reason: Reason,
        score: float,
        alternatives: list[Alternative],
        notes: list[str],
    ) -> tuple[DecisionKind, Reason, float]:
        """Before posting a reading that leaves a difference, look for one that explains the line exactly:
        if there is one, the line goes to a person with both (the exact readings first among the others)."""
        chosen = [a.invoice for a in fit.allocations]
        customers = {self.index.items[n].customer_id for n in chosen}
        payer = identify_payer(line, self.index, self.config, fuzzy=False)
        if payer.customer is not None:
            customers.add(payer.customer)
        search = exact_readings(line, self.index, self.config, customers, chosen)
        if not search.readings:
            notes.append(f"no reading without a difference: {search.searched}")
            return kind, reason, score
        guess = " and ".join(differences_text(fit.differences))
        notes.append(f"not posted: {guess} is a guess, and another reading needs none")
        exact = [self.alternative(r.invoices, 0.6, r.note) for r in search.readings]
        alternatives[:0] = exact
        return DecisionKind.SUGGESTED, Reason.COMPETING_EXACT_READING, min(score, 0.6)


def amount_phrase(paid: Decimal, open_total: Decimal) -> str:
    if paid == open_total:
        return f"amount {paid:,.2f} equals the open amount"
    return f"amount {paid:,.2f} against {open_total:,.2f} open"
