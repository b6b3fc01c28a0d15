"""One-sentence explanations of decisions: which pass, which fields agreed, what was set aside."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from .model import Alternative, Difference, DifferenceKind

PASS_NAMES = {
    0: "screening",
    1: "payment id",
    2: "creditor reference",
    3: "invoice number in remittance",
    4: "customer and amount",
    5: "customer and combination",
    6: "amount, date and name",
    7: "no pass",
}

_DIFFERENCE_WORDS = {
    DifferenceKind.ROUNDING: "rounding gap",
    DifferenceKind.BANK_FEE: "bank fee",
    DifferenceKind.DISCOUNT: "early-payment discount",
    DifferenceKind.PARTIAL: "left open as a partial payment",
    DifferenceKind.OVERPAYMENT: "overpaid and not allocated",
}


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def invoices_text(numbers: Sequence[str]) -> str:
    return " + ".join(numbers) if numbers else "no invoice"


def differences_text(differences: Iterable[Difference]) -> list[str]:
    return [f"{money(abs(d.amount))} {_DIFFERENCE_WORDS[d.kind]} on {d.invoice}" for d in differences]


def alternatives_text(alternatives: Iterable[Alternative]) -> list[str]:
    return [f"{invoices_text(a.invoices)} ({a.note})" for a in alternatives]


def sentence(
    pass_no: int,
    agreed: Sequence[str],
    *,
    differences: Iterable[Difference] = (),
    notes: Sequence[str] = (),
    rejected: Iterable[Alternative] = (),
) -> str:
    """``"Pass 3 (invoice number in remittance): a, b; 2.00 bank fee on X; set aside: Y (why)."``"""
    head = (
        f"Pass {pass_no} ({PASS_NAMES[pass_no]})" if 1 <= pass_no <= 6 else PASS_NAMES[pass_no].capitalize()
    )
    parts = [", ".join(agreed)] if agreed else []
    parts += differences_text(differences)
    parts += list(notes)
    others = alternatives_text(rejected)
    if others:
        parts.append("set aside: " + ", ".join(others))
    body = "; ".join(p for p in parts if p)
    return f"{head}: {body}." if body else f"{head}."
