"""Company names compared as a back office does: case, accents, punctuation and the legal form set
aside, so "ATELIER MOREAU" on a Kbis and "Atelier Moreau SARL" on an invoice are one party. Pure."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

# Legal forms as written after (or before) a company name, folded (lower case, no dots, no accents).
LEGAL_FORMS = (
    "sarl", "sas", "sasu", "sa", "eurl", "snc", "sci", "scop", "selarl", "selas", "scp", "sca", "gie",
    "ei", "eirl", "micro entreprise", "auto entrepreneur", "association",
    "societe a responsabilite limitee", "societe par actions simplifiee", "societe anonyme",
    "ltd", "limited", "plc", "llp", "llc", "inc", "incorporated", "corp", "corporation", "co",
    "gmbh", "ag", "kg", "ohg", "ug", "bv", "nv", "spa", "srl", "sl", "sprl", "sarlu", "oy", "ab", "as",
)  # fmt: skip
_FORM = re.compile(r"(?:^|\s)(" + "|".join(sorted(LEGAL_FORMS, key=len, reverse=True)) + r")(?=\s|$)")
SIMILAR = 0.88  # above this ratio two different spellings are likely one name with a typo


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, ``&`` as ``et``, one space between words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("&", " et "))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = re.sub(r"(?<=\b\w)\.(?=\w\b)", "", plain)  # S.A.R.L. -> SARL
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def split_legal_form(name: str) -> tuple[str, str]:
    """(the name without its legal form, the legal form folded, or ``""``)."""
    folded = fold(name)
    forms = [m for m in _FORM.finditer(folded)]
    # A legal form is a first or last word; "SA" inside "Transports Sa Ville" is not one.
    edge = [m for m in forms if m.start(1) == 0 or m.end(1) == len(folded)]
    if not edge or len(folded.split()) == 1:
        return folded, ""
    found = edge[-1]
    core = (folded[: found.start(1)] + folded[found.end(1) :]).strip()
    return " ".join(core.split()), found.group(1)


class Sameness(StrEnum):
    """How two written names relate."""

    SAME = "same"  # one name (legal form absent from one of them, or the same)
    LEGAL_FORM_DIFFERS = "legal_form_differs"  # same name, two different legal forms: a person looks
    SIMILAR = "similar"  # close spellings (a typo, a missing word): a person looks
    DIFFERENT = "different"


@dataclass(frozen=True, slots=True)
class NameComparison:
    sameness: Sameness
    left: str  # the folded names without legal form, for the message
    right: str
    ratio: float


def compare_names(left: str, right: str) -> NameComparison:
    """How ``left`` and ``right`` relate as company names."""
    core_left, form_left = split_legal_form(left)
    core_right, form_right = split_legal_form(right)
    ratio = SequenceMatcher(None, core_left, core_right).ratio()
    if core_left == core_right or core_left.replace(" ", "") == core_right.replace(" ", ""):
        if form_left and form_right and form_left != form_right:
            return NameComparison(Sameness.LEGAL_FORM_DIFFERS, core_left, core_right, 1.0)
        return NameComparison(Sameness.SAME, core_left, core_right, 1.0)
    if ratio >= SIMILAR:
        return NameComparison(Sameness.SIMILAR, core_left, core_right, ratio)
    return NameComparison(Sameness.DIFFERENT, core_left, core_right, ratio)
