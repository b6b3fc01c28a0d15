"""What a document is, from the words in its content: each type scores the evidence it has; the file
name is never looked at. Pure: text in, type and scores out."""

from __future__ import annotations

import re
import unicodedata

from rpa.documents.model import DocumentType

# (pattern, weight): a title-like phrase weighs more than a word any document may carry.
_EVIDENCE: dict[DocumentType, tuple[tuple[str, int], ...]] = {
    DocumentType.INVOICE: (
        (r"\bfacture\b", 3), (r"\binvoice\b", 3), (r"\brechnung\b", 3), (r"\btotal ttc\b", 3),
        (r"\bmontant ht\b", 2), (r"\btotal ht\b", 2), (r"\bamount due\b", 2), (r"\bnet a payer\b", 1),
        (r"\becheance\b|\bdue date\b", 1), (r"\bindemnite forfaitaire\b", 2), (r"\bsubtotal\b", 1),
    ),
    DocumentType.RIB: (
        (r"\breleve d'identite bancaire\b", 6), (r"\brib\b", 3), (r"\btitulaire du compte\b", 3),
        (r"\bcode banque\b", 2), (r"\bcode guichet\b", 2), (r"\bcle rib\b", 3), (r"\biban\b", 1),
        (r"\bbank details\b", 2), (r"\baccount holder\b", 2),
    ),
    DocumentType.KBIS: (
        (r"\bextrait k ?bis\b", 8), (r"\bregistre du commerce\b", 3), (r"\bgreffe\b", 2),
        (r"\bdate d'immatriculation\b", 3), (r"\bforme juridique\b", 2), (r"\bdenomination\b", 1),
    ),
    DocumentType.IDENTITY: (
        (r"\bcarte nationale d'identite\b", 6), (r"\bpasseport\b|\bpassport\b", 4), (r"\bidentity card\b", 5),
        (r"\bdate de naissance\b|\bdate of birth\b", 2), (r"\bnationalite\b|\bnationality\b", 2),
        (r"\bdate d'expiration\b|\bexpiry date\b", 1),
    ),
    DocumentType.PAYSLIP: (
        (r"\bbulletin de (?:paie|salaire)\b", 8), (r"\bpayslip\b|\bpay slip\b", 6), (r"\bsalaire brut\b", 3),
        (r"\bnet a payer avant impot\b", 3), (r"\bcotisations\b", 2),
        (r"\burssaf\b", 2), (r"\bgross pay\b", 3),
    ),
    DocumentType.BALANCE_SHEET: (
        (r"\bbilan\b", 3), (r"\bbalance sheet\b", 6), (r"\bactif\b", 1), (r"\bpassif\b", 2),
        (r"\bcapitaux propres\b", 3), (r"\bcompte de resultat\b", 3), (r"\bimmobilisations\b", 2),
        (r"\btotal assets\b|\bliabilities\b", 2),
    ),
}  # fmt: skip
_PATTERNS = {kind: tuple((re.compile(p), w) for p, w in rules) for kind, rules in _EVIDENCE.items()}
MIN_SCORE = 3  # below this no type has enough evidence: the document is "other"
_MAX_COUNTED = 3  # a word repeated on every page is one piece of evidence, not twenty


def _plain(text: str) -> str:
    """Lower case, accents removed, one kind of apostrophe: how the evidence patterns are written."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    return re.sub(r"\s+", " ", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def scores(text: str) -> dict[DocumentType, int]:
    """The evidence score of each type in ``text`` (each phrase counted at most a few times)."""
    plain = _plain(text)
    return {
        kind: sum(weight * min(len(pattern.findall(plain)), _MAX_COUNTED) for pattern, weight in patterns)
        for kind, patterns in _PATTERNS.items()
    }


def classify(text: str) -> DocumentType:
    """The type with the highest score, or ``other`` when none reaches MIN_SCORE."""
    ranked = scores(text)
    best = max(ranked, key=lambda kind: ranked[kind])
    return best if ranked[best] >= MIN_SCORE else DocumentType.OTHER
