"""Who paid: the customer behind a bank line, from the payer's IBAN or, failing that, the payer's name."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from rpa.documents.statements.model import BankLine

from .config import InvoiceMatchingConfig
from .index import ItemIndex
from .references import name_tokens, normalize_iban, normalize_name


@dataclass(frozen=True, slots=True)
class Payer:
    """The identified customer (or None), how sure we are (0-1), and what the identification rests on."""

    customer: str | None
    confidence: float
    evidence: str


UNKNOWN = Payer(None, 0.0, "payer not identified")


def identify_payer(
    line: BankLine, index: ItemIndex, config: InvoiceMatchingConfig, *, fuzzy: bool = True
) -> Payer:
    """The customer behind ``line``: known IBAN, else exact name, else (``fuzzy``) a clear name lead."""
    iban = normalize_iban(line.counterparty_iban)
    if iban:
        owners = index.customer_iban.get(iban)
        if owners is not None and len(owners) == 1:
            customer = next(iter(owners))
            return Payer(customer, 1.0, f"payer IBAN belongs to customer {customer}")
        if owners:
            return Payer(None, 0.0, f"payer IBAN is shared by customers {', '.join(sorted(owners))}")
    name = normalize_name(line.counterparty_name)
    if not name:
        return UNKNOWN
    exact = index.customer_exact_name.get(name)
    if exact is not None and len(exact) == 1:
        customer = next(iter(exact))
        return Payer(customer, 0.95, f"payer name equals customer {customer}'s name")
    if exact:
        return Payer(None, 0.0, f"payer name fits customers {', '.join(sorted(exact))} equally")
    if not fuzzy:
        return UNKNOWN
    return _fuzzy(name, index, config)


def _fuzzy(name: str, index: ItemIndex, config: InvoiceMatchingConfig) -> Payer:
    candidates: set[str] = set()
    for word in name_tokens(name):
        owners = index.name_word.get(word)
        # A word shared by very many customers ("services", "france") says nothing about who paid.
        if owners is not None and len(owners) <= config.name_candidate_limit:
            candidates |= owners
    if not candidates:
        return UNKNOWN
    scored = sorted(
        ((similarity(name, index.customer_names[c]), c) for c in candidates), key=lambda sc: (-sc[0], sc[1])
    )
    best, customer = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best < config.name_min_similarity:
        return Payer(None, 0.0, f"closest customer name {customer} is only {best:.0f}% alike")
    if best - runner_up < config.name_min_lead:
        return Payer(
            None, 0.0, f"payer name fits {customer} ({best:.0f}%) and {scored[1][1]} ({runner_up:.0f}%)"
        )
    confidence = 0.80 + 0.15 * (best - config.name_min_similarity) / max(
        1.0, 100.0 - config.name_min_similarity
    )
    return Payer(
        customer, min(confidence, 0.95), f"payer name is {best:.0f}% alike customer {customer}'s name"
    )


def similarity(a: str, b: str) -> float:
    """Name likeness 0-100: word order ignored, and a name that is a clear part of the other counts."""
    # A name inside the other ("Industries" in "Gamma Industries") is capped below the default threshold.
    return float(max(fuzz.token_sort_ratio(a, b), 0.85 * fuzz.token_set_ratio(a, b)))
