"""The defect plan: which kinds of defect each dossier gets, dealt in turn from a seed.

A defect *kind* is one way of planting a finding code (an expired Kbis and an expired identity document
are two kinds of ``DOCUMENT_EXPIRED``). Dealing kinds in turn makes every code appear as soon as
``count * DEFECT_SHARE`` reaches the number of kinds (17: the default 30 dossiers give 18 defective).
"""

from __future__ import annotations

import random

from .model import (
    BIC_INVALID,
    DOCUMENT_EXPIRED,
    DUPLICATE_INVOICE,
    IBAN_INVALID,
    IDENTIFIER_MISMATCH,
    MISSING_DOCUMENT,
    MISSING_MENTION,
    NAME_MISMATCH,
    SIREN_INVALID,
    SIRET_INVALID,
    TOTALS_MISMATCH,
    UNREADABLE,
    VAT_NUMBER_INVALID,
)

DEFECT_SHARE = 0.6  # of the dossiers carry at least one planted defect
SECOND_DEFECT_SHARE = 0.3  # of those, this share carries a second, compatible one

# kind -> the code a careful person reports (None: a benign variation, a trap for false positives)
KINDS: dict[str, str | None] = {
    "iban_invalid": IBAN_INVALID,
    "bic_invalid": BIC_INVALID,
    "siren_invalid": SIREN_INVALID,
    "siret_invalid": SIRET_INVALID,
    "vat_number_invalid": VAT_NUMBER_INVALID,
    "totals_mismatch": TOTALS_MISMATCH,
    "missing_mention": MISSING_MENTION,
    "kbis_expired": DOCUMENT_EXPIRED,
    "identity_expired": DOCUMENT_EXPIRED,
    "duplicate_invoice": DUPLICATE_INVOICE,  # within the dossier
    "resubmitted_invoice": DUPLICATE_INVOICE,  # across two dossiers of the same client
    "name_mismatch": NAME_MISMATCH,  # another company's name
    "legal_form_differs": NAME_MISMATCH,  # same name, another legal form: a warning
    "legal_form_omitted": None,  # same name, no legal form: the same party, nothing to report
    "identifier_mismatch": IDENTIFIER_MISMATCH,
    "missing_document": MISSING_DOCUMENT,
    "unreadable": UNREADABLE,
}
# Kinds that cannot share a dossier: both would print the same identifier, or one hides the other.
_EXCLUSIVE = (
    {"siren_invalid", "identifier_mismatch"},  # a mismatch is only reported between valid SIRENs
    {"siren_invalid", "siret_invalid"},  # SIRET_INVALID means "SIREN fine, SIRET key wrong"
    {"duplicate_invoice", "resubmitted_invoice"},
    {"kbis_expired", "identity_expired"},
)
# Document kinds a defect kind needs present and readable (missing/unreadable pieces avoid them).
NEEDS: dict[str, frozenset[str]] = {
    "iban_invalid": frozenset({"rib"}),
    "bic_invalid": frozenset({"rib"}),
    "siren_invalid": frozenset({"kbis"}),
    "siret_invalid": frozenset({"kbis", "invoice"}),
    "vat_number_invalid": frozenset({"invoice"}),
    "totals_mismatch": frozenset({"invoice"}),
    "missing_mention": frozenset({"invoice"}),
    "kbis_expired": frozenset({"kbis"}),
    "identity_expired": frozenset({"identity"}),
    "duplicate_invoice": frozenset({"invoice"}),
    "resubmitted_invoice": frozenset({"invoice"}),
    "name_mismatch": frozenset({"kbis", "rib", "invoice"}),
    "legal_form_differs": frozenset({"kbis", "rib", "invoice"}),
    "legal_form_omitted": frozenset({"kbis", "rib", "invoice"}),
    "identifier_mismatch": frozenset({"kbis", "invoice"}),
}


# Judgement and benign cases stand alone in their dossier, so that the expected status shows them
# (needs_review, complete) instead of being decided by another defect.
ALONE = ("legal_form_differs", "legal_form_omitted")


def compatible(first: str, second: str) -> bool:
    if first in ALONE or second in ALONE:
        return False
    return first != second and not any({first, second} <= group for group in _EXCLUSIVE)


def plan_defects(seed: int, count: int) -> list[tuple[str, ...]]:
    """The defect kinds of each dossier (sorted; empty for a clean dossier). A dossier that re-submits
    an invoice needs an earlier clean dossier of the same client, so it is moved after one if needed."""
    rng = random.Random(f"docportal:{seed}:plan")
    order = list(range(count))
    rng.shuffle(order)
    kinds = tuple(KINDS)
    plan: list[tuple[str, ...]] = [() for _ in range(count)]
    for turn, index in enumerate(order[: round(count * DEFECT_SHARE)]):
        first = kinds[turn % len(kinds)]
        chosen = {first}
        if rng.random() < SECOND_DEFECT_SHARE and first not in ALONE:
            chosen.add(rng.choice([kind for kind in kinds if compatible(first, kind)]))
        plan[index] = tuple(sorted(chosen))
    for index in range(count):
        if "resubmitted_invoice" in plan[index] and not any(not plan[j] for j in range(index)):
            later_clean = [j for j in range(index + 1, count) if not plan[j]]
            if later_clean:  # swap with the last clean dossier: the first one stays clean before it
                target = later_clean[-1]
                plan[index], plan[target] = plan[target], plan[index]
            else:  # no clean dossier at all (tiny counts): no re-submission possible
                plan[index] = tuple(k for k in plan[index] if k != "resubmitted_invoice") or ("unreadable",)
    return plan


def resubmission_sources(seed: int, plan: list[tuple[str, ...]]) -> dict[int, int]:
    """For each re-submitting dossier, the earlier clean dossier of the same client (each used once)."""
    rng = random.Random(f"docportal:{seed}:resubmissions")
    sources: dict[int, int] = {}
    for index, kinds in enumerate(plan):
        if "resubmitted_invoice" in kinds:
            free = [j for j in range(index) if not plan[j] and j not in sources.values()]
            free = free or [j for j in range(index) if not plan[j]]
            sources[index] = rng.choice(free)
    return sources
