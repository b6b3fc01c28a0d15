"""How references are read: RF creditor references, invoice-number keys, remittance tokens, payer names.

Every key is canonical: upper case, separators removed, and the letters people and OCR confuse with
digits (O for 0, I for 1) folded onto the digit, on both sides of the comparison.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rpa.identifiers import normalize_iban, rf_from, rf_is_valid

# rf_from, rf_is_valid and normalize_iban are the kit's, re-exported for the bot's modules and tests.
__all__ = [
    "canonical",
    "name_tokens",
    "normalize_iban",
    "normalize_name",
    "numeric_core",
    "payment_id_key",
    "remittance_keys",
    "rf_candidates",
    "rf_from",
    "rf_is_valid",
]

# Separators that people put inside references and that carry no meaning.
_SEPARATORS = " -_./\\\u00a0"
_CANONICAL = str.maketrans({"O": "0", "I": "1", **dict.fromkeys(_SEPARATORS, None)})
# Remittance text is cut on these before looking for invoice numbers (kept inside: - / . _).
_TOKEN_SPLIT = re.compile(r"[\s,;:()\[\]{}#'\"*+=&|<>]+")
# "/" also separates several numbers ("INV-1/INV-2"), so tokens are read a second time cut on it.
_FINE_SPLIT = re.compile(r"[/]+")
_RF_IN_TEXT = re.compile(r"\bRF\s?\d{2}(?:\s?[A-Z0-9]){1,21}\b")
_DIGITS = re.compile(r"\d+")
_NOT_PROVIDED = frozenset({"", "NOTPROVIDED", "N0TPR0V1DED", "NONREF", "N0NREF"})
_MIN_CORE_DIGITS = 4  # shorter numeric cores ("42") would match amounts, days and house numbers
_MAX_WINDOW = 3  # an invoice number split by spaces rarely spans more than three pieces
_LEGAL_FORMS = frozenset((
    "sa", "sas", "sarl", "eurl", "sasu", "gmbh", "ag", "kg", "ohg", "ug", "bv", "nv", "ltd", "limited", "plc",
    "llc", "inc", "corp", "co", "cie", "srl", "spa", "sl", "ab", "as", "oy",
    "the", "et", "and", "und", "of", "de", "du", "des", "la", "le", "les",
))  # fmt: skip


def canonical(text: str) -> str:
    """The comparison key of a reference or invoice number: ``"inv-2O24/0042"`` → ``"1NV20240042"``."""
    return text.upper().translate(_CANONICAL)


def numeric_core(text: str) -> str:
    """The digits of a reference as written, without leading zeros; "" when too short to be telling.

    Read from the text as written, not the canonical key, where a letter I would count as a digit.
    """
    digits = "".join(_DIGITS.findall(text)).lstrip("0")
    return digits if len(digits) >= _MIN_CORE_DIGITS else ""


def payment_id_key(value: str) -> str:
    """Canonical key of an end-to-end or batch id, "" when the bank reported none."""
    key = canonical(value)
    return "" if key in _NOT_PROVIDED else key


def rf_candidates(line_reference: str, remittance: str) -> list[str]:
    """Valid RF references of a line: the structured field first, then any written in the text."""
    found: list[str] = []
    upper = remittance.upper()
    in_text = _RF_IN_TEXT.findall(upper) if "RF" in upper else []
    for raw in [line_reference, *in_text]:
        ref = raw.upper().replace(" ", "")
        if ref and rf_is_valid(ref) and ref not in found:
            found.append(ref)
    return found


def remittance_keys(text: str, *, raw: bool = False) -> list[str]:
    """Candidate invoice-number keys in free text: each token and runs of up to three adjacent tokens.

    Canonical keys, or with ``raw`` the pieces as written (for numeric cores).
    """
    coarse = _TOKEN_SPLIT.split(text)
    keys = _windows(coarse, raw)
    if "/" in text:
        keys += _windows([piece for t in coarse for piece in _FINE_SPLIT.split(t)], raw)
    return keys


def _windows(tokens: list[str], raw: bool) -> list[str]:
    pieces = [t.strip(".-_") if raw else t.upper().translate(_CANONICAL) for t in tokens]
    pieces = [p for p in pieces if p]
    keys: list[str] = []
    for start in range(len(pieces)):
        joined = ""
        for piece in pieces[start : start + _MAX_WINDOW]:
            joined += piece
            keys.append(joined)
    return keys


@lru_cache(maxsize=65_536)  # payers recur across lines; the cache keeps the per-line cost flat
def normalize_name(name: str) -> str:
    """A payer or customer name reduced to lower-case words, accents and legal forms removed."""
    plain = name.lower() if name.isascii() else _ascii(name).lower()
    words = re.findall(r"[a-z0-9]+", plain)
    kept = [w for w in words if w not in _LEGAL_FORMS and len(w) > 1]  # "S.A." leaves single letters
    return " ".join(kept or words)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def name_tokens(normalized: str) -> list[str]:
    """The words of a normalised name long enough to find candidates by."""
    return [w for w in normalized.split() if len(w) >= 3]
