"""How a person's decision on an exception-queue item is written in its resolution note.

The note is free text a person can read, with a machine-readable head a bot's next run acts on:

* ``match INV-1=120.00; INV-2=30.00 | comment``: post these amounts from the bank line to these invoices;
* ``approved | comment`` / ``cancelled | comment``: send or drop a message held for approval;
* ``findings DOC_EXPIRED=accepted; IBAN_INVALID=rejected | comment``: each finding of a dossier
  accepted (it stands) or rejected (a person overrules it); the dossier's status is set from it;
* anything else: settled by hand outside the bots (``rpa exceptions resolve --note``).

Pure: no database, no browser. Amounts are Decimals written as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from rpa.items import NewItem

SEPARATOR = " | "
FOLLOW_UP_SUFFIX = ":resolved"  # the work item that carries a person's decision out on the bot's next run
_INVOICE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_CODE = re.compile(r"^[A-Z0-9_]{1,64}$")


class ResolutionError(ValueError):
    """A decision that cannot be written (empty comment, malformed invoice or amount)."""


def _comment(comment: str) -> str:
    text = " ".join(comment.split())
    if not text:
        raise ResolutionError("a comment is mandatory: say why, it is kept in the audit trail")
    return text


def match_note(allocations: Sequence[tuple[str, Decimal]], comment: str) -> str:
    """``match INV=AMOUNT; ... | comment`` for a bank line settled against these invoices."""
    if not allocations:
        raise ResolutionError("choose at least one invoice")
    parts = []
    for invoice, amount in allocations:
        if not _INVOICE.match(invoice):
            raise ResolutionError(f"{invoice!r} is not an invoice number")
        if amount <= 0:
            raise ResolutionError(f"the amount for {invoice} must be positive, not {amount}")
        parts.append(f"{invoice}={amount}")
    return f"match {'; '.join(parts)}{SEPARATOR}{_comment(comment)}"


def parse_match(note: str) -> list[tuple[str, Decimal]] | None:
    """The allocations of a ``match`` note, or None when the note is not one."""
    head = note.split(SEPARATOR, 1)[0].strip()
    if not head.startswith("match "):
        return None
    found = []
    for part in head[len("match ") :].split(";"):
        invoice, _, amount = part.strip().partition("=")
        try:
            value = Decimal(amount)
        except InvalidOperation:
            return None
        if not _INVOICE.match(invoice) or value <= 0:
            return None
        found.append((invoice, value))
    return found or None


def approval_note(approved: bool, comment: str) -> str:
    """``approved | comment`` or ``cancelled | comment`` for a message held for approval."""
    return f"{'approved' if approved else 'cancelled'}{SEPARATOR}{_comment(comment)}"


def findings_note(verdicts: Mapping[str, bool], comment: str) -> str:
    """``findings CODE=accepted; CODE=rejected | comment`` for a dossier's findings."""
    if not verdicts:
        raise ResolutionError("accept or reject each finding")
    for code in verdicts:
        if not _CODE.match(code):
            raise ResolutionError(f"{code!r} is not a finding code")
    body = "; ".join(f"{c}={'accepted' if ok else 'rejected'}" for c, ok in sorted(verdicts.items()))
    return f"findings {body}{SEPARATOR}{_comment(comment)}"


def parse_findings(note: str) -> dict[str, bool] | None:
    head = note.split(SEPARATOR, 1)[0].strip()
    if not head.startswith("findings "):
        return None
    verdicts = {}
    for part in head[len("findings ") :].split(";"):
        code, _, verdict = part.strip().partition("=")
        if not _CODE.match(code) or verdict not in ("accepted", "rejected"):
            return None
        verdicts[code] = verdict == "accepted"
    return verdicts


def manual_note(comment: str) -> str:
    """A decision carried out by hand: the comment alone."""
    return _comment(comment)


def follow_up_payload(payload: Mapping[str, Any], note: str) -> dict[str, Any] | None:
    """The work item a ``match`` decision becomes for the bot's next run: the bank line's own decision,
    now automatic, with the invoices and amounts the person chose (posted through the effect ledger
    under the line's keys, checked against the ERP first like any posting). None for other notes."""
    allocations = parse_match(note)
    if allocations is None or not isinstance(payload.get("line"), Mapping) or "allocations" not in payload:
        return None
    return {
        **payload,
        "kind": "auto",
        "method": "person",
        "explanation": f"decided by a person: {note}",
        "allocations": [{"invoice": invoice, "amount": str(amount)} for invoice, amount in allocations],
        "differences": [],
        "alternatives": [],
    }


def _comment_of(note: str) -> str:
    return note.split(SEPARATOR, 1)[1].strip() if SEPARATOR in note else ""


def dossier_follow_up_payload(payload: Mapping[str, Any], note: str) -> dict[str, Any] | None:
    """The work item a ``findings`` decision becomes for the bot's next run: the dossier as checked, with
    the person's verdict on each finding (``decision``), from which the bot sets the portal status through
    the effect ledger. A finding the note does not name stands. None for other notes or payloads."""
    verdicts = parse_findings(note)
    findings = payload.get("findings")
    if verdicts is None or not payload.get("dossier_id") or not isinstance(findings, list):
        return None
    return {
        **payload,
        "decision": {
            "accepted": sorted(code for code, ok in verdicts.items() if ok),
            "rejected": sorted(code for code, ok in verdicts.items() if not ok),
            "comment": _comment_of(note),
        },
    }


def follow_up_item(
    reference: str, payload: Mapping[str, Any], note: str
) -> NewItem[Mapping[str, Any]] | None:
    """The work item that carries a decision out on the bot's next run (a chosen match, a verdict on a
    dossier's findings), or None when the note asks nothing of the bot."""
    follow = follow_up_payload(payload, note) or dossier_follow_up_payload(payload, note)
    return None if follow is None else NewItem(f"{reference}{FOLLOW_UP_SUFFIX}", follow, priority=2)
