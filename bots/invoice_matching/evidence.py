"""What a bank line's own references point at: payment ids, creditor references, invoice numbers in text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rpa.documents.statements.model import BankLine

from .index import ItemIndex
from .references import canonical, numeric_core, payment_id_key, remittance_keys, rf_candidates, rf_is_valid

_MIN_TEXT_KEY = 4  # a shorter key in free text ("12", "A1") is more often a quantity than an invoice


@dataclass(frozen=True, slots=True)
class Evidence:
    """Invoice numbers each kind of reference points at, in the order found."""

    payment_ids: tuple[str, ...] = ()
    creditor_refs: tuple[str, ...] = ()
    tokens: tuple[str, ...] = ()
    cores: tuple[str, ...] = ()
    rf_found: tuple[str, ...] = ()


def gather(line: BankLine, index: ItemIndex) -> Evidence:
    ids: list[str] = []
    # Only the end-to-end id is ours (set by us on direct debits); bank_reference is the bank's own.
    key = payment_id_key(line.end_to_end_id)
    if key:
        _add(ids, index.by_key(key))
    refs: list[str] = []
    rf_found = rf_candidates(line.creditor_reference, line.remittance)
    for rf in rf_found:
        _add(refs, index.by_key(canonical(rf)))
        _add(refs, index.by_key(canonical(rf[4:])))
    text = line.remittance
    if line.creditor_reference and not rf_is_valid(line.creditor_reference):
        text = f"{text} {line.creditor_reference}"  # a non-RF structured reference is read like text
    tokens: list[str] = []
    cores: list[str] = []
    keys = [key for key in remittance_keys(text) if len(key) >= _MIN_TEXT_KEY]
    for key in keys:
        _add(tokens, index.by_key(key))
    if not tokens:  # digits alone are only looked at when no invoice number was found as written
        for piece in remittance_keys(text, raw=True):
            core = numeric_core(piece)
            if core:
                _add(cores, index.by_core(core))
    return Evidence(tuple(ids), tuple(refs), tuple(tokens), tuple(cores), tuple(rf_found))


def _add(found: list[str], numbers: Iterable[str]) -> None:
    for number in numbers:
        if number not in found:
            found.append(number)
