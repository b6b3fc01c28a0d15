"""How money received is laid onto the invoices it pays, and how any gap is typed against the caps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from .config import InvoiceMatchingConfig
from .model import WRITE_OFFS, ZERO, Allocation, Difference, DifferenceKind, OpenItem


class FitStatus(StrEnum):
    EXACT = "exact"  # cash equals what is open
    WRITTEN_OFF = "written_off"  # a rounding gap, bank fee or discount within its cap
    PARTIAL = "partial"  # less cash, within the partial cap: the rest stays open
    PARTIAL_OVER_CAP = "partial_over_cap"  # less cash, beyond every cap
    OVERPAID = "overpaid"  # more cash than open, beyond rounding


@dataclass(frozen=True, slots=True)
class Fit:
    """The allocation of one payment over invoices, and the gap's type."""

    status: FitStatus
    allocations: tuple[Allocation, ...]
    differences: tuple[Difference, ...]

    @property
    def settles(self) -> bool:
        """True when the cash (with a tolerated write-off) settles every invoice in full."""
        return self.status in (FitStatus.EXACT, FitStatus.WRITTEN_OFF)

    def consumed(self) -> dict[str, Decimal]:
        """What each invoice's open amount goes down by: the cash plus any written-off gap."""
        used = {a.invoice: a.amount for a in self.allocations}
        for d in self.differences:
            # A rounding gain (negative gap) does not reduce the invoice below zero.
            if d.kind in WRITE_OFFS and d.amount > 0:
                used[d.invoice] = used.get(d.invoice, ZERO) + d.amount
        return used


def fit_payment(
    paid: Decimal, items: Sequence[tuple[OpenItem, Decimal]], booked: date, config: InvoiceMatchingConfig
) -> Fit:
    """Lay ``paid`` onto ``items`` (each with its remaining open amount), oldest due date first."""
    if len(items) == 1 and items[0][1] == paid:  # the common case, kept cheap
        return Fit(FitStatus.EXACT, (Allocation(items[0][0].number, paid),), ())
    ordered = sorted(items, key=lambda pair: (pair[0].due_date, pair[0].number))
    total = sum((rem for _, rem in ordered), ZERO)
    gap = total - paid
    last = ordered[-1][0].number
    if gap == 0:
        return Fit(FitStatus.EXACT, tuple(Allocation(i.number, rem) for i, rem in ordered), ())
    if gap < 0:
        surplus = -gap
        full = tuple(Allocation(i.number, rem) for i, rem in ordered)
        if config.rounding.allows(surplus, total):
            # The few cents too many are kept on the last invoice's payment as a rounding gain.
            return Fit(FitStatus.WRITTEN_OFF, full, (Difference(DifferenceKind.ROUNDING, last, gap),))
        return Fit(FitStatus.OVERPAID, full, (Difference(DifferenceKind.OVERPAYMENT, last, surplus),))
    kind = _write_off_kind(gap, total, ordered, booked, config)
    if kind is not None:
        allocations = [Allocation(i.number, rem) for i, rem in ordered[:-1]]
        allocations.append(Allocation(last, ordered[-1][1] - gap))
        return Fit(
            FitStatus.WRITTEN_OFF,
            tuple(a for a in allocations if a.amount > 0),
            (Difference(kind, last, gap),),
        )
    return _partial(paid, gap, total, ordered, config)


def _write_off_kind(
    gap: Decimal,
    total: Decimal,
    ordered: Sequence[tuple[OpenItem, Decimal]],
    booked: date,
    config: InvoiceMatchingConfig,
) -> DifferenceKind | None:
    if gap > ordered[-1][1]:
        return None  # a write-off never exceeds the invoice it is booked on
    if config.rounding.allows(gap, total):
        return DifferenceKind.ROUNDING
    # A discount is checked before a fee: its date condition makes it the more specific reading.
    in_period = all(
        i.issue_date <= booked <= i.issue_date + timedelta(days=config.discount_days) for i, _ in ordered
    )
    if in_period and config.discount.allows(gap, total):
        return DifferenceKind.DISCOUNT
    if config.bank_fee.allows(gap, total):
        return DifferenceKind.BANK_FEE
    return None


def _partial(
    paid: Decimal,
    gap: Decimal,
    total: Decimal,
    ordered: Sequence[tuple[OpenItem, Decimal]],
    config: InvoiceMatchingConfig,
) -> Fit:
    allocations: list[Allocation] = []
    differences: list[Difference] = []
    cash = paid
    for item, rem in ordered:
        applied = min(rem, cash)
        cash -= applied
        if applied > 0:
            allocations.append(Allocation(item.number, applied))
        if applied < rem:
            differences.append(Difference(DifferenceKind.PARTIAL, item.number, rem - applied))
    status = FitStatus.PARTIAL if config.partial.allows(gap, total) else FitStatus.PARTIAL_OVER_CAP
    return Fit(status, tuple(allocations), tuple(differences))
