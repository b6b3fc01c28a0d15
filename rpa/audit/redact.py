"""Make event details safe to keep for ten years: an allow-list per action, secrets and personal data out.

* **Allow-list** (:data:`ALLOWED`): each action (or action pattern) names the detail fields it may
  carry; any other field is dropped and logged (refused with an error when
  ``RPA_AUDIT_STRICT_DETAILS=1``, which the test suite sets).
* **Secrets** never enter: a field whose name looks like a secret, or a ``SecretStr``, becomes
  ``[REDACTED]``.
* **Personal data** appears as references: e-mail addresses inside any text become ``<email>``,
  IBANs are masked to ``FR76 **** **** 1234`` (:func:`mask_iban`). A personal value that must be
  kept is passed as :class:`Personal` and stored sealed with its subject's key (``rpa.audit.subjects``),
  so ``rpa audit forget SUBJECT`` makes it unreadable without breaking the chain.

Pure: no database, so bots may import :class:`Personal` and :func:`mask_iban`.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from loguru import logger
from pydantic import SecretStr

from rpa.errors import RpaError

REDACTED = "[REDACTED]"
STRICT_ENV = "RPA_AUDIT_STRICT_DETAILS"
DROPPED_KEY = "_dropped"
_SECRET_KEY = re.compile(
    r"pass(word|wd)?|secret|token|totp|otp|api[_-]?key|authori[sz]ation|cookie|seed", re.IGNORECASE
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IBAN = re.compile(r"\b([A-Z]{2}\d{2})((?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?)\b")

ANY = frozenset({"*"})
_ITEM = frozenset(
    {
        "attempt",
        "attempts",
        "claimed",
        "code",
        "message",
        "priority",
        "reason",
        "resolution",
        "resumed",
        "was",
        "result",
    }
)
_FINDING = frozenset({"code", "severity", "message", "source", "field"})

# action (fnmatch pattern) -> the detail fields it may carry. First match wins: exact names first.
ALLOWED: dict[str, frozenset[str]] = {
    # the kit: runs, items, effects
    "run.created": frozenset({"bot", "trigger", "schedule", "scheduled_for", "dry_run", "requested_by"}),
    "run.coalesced": frozenset({"schedule", "missed_runs", "missed_fires"}),
    "run.started": frozenset({"bot", "pid"}),
    "run.finished": ANY,  # the run summary: counters and each bot's own totals (no personal data)
    "run.timed_out": frozenset({"bot", "timeout_s", "pid"}),
    "run.interrupted": frozenset({"bot", "pid"}),
    "run.*": ANY,  # run.missed, run.skipped_*, run.blocked: bot, schedule, reason, ...
    "item.*": _ITEM,
    "exception.*": _ITEM,
    # the scheduler and alerts
    "scheduler.started": frozenset({"pid", "schedules"}),
    "scheduler.stopped": frozenset({"pid"}),
    "scheduler.leader_acquired": frozenset({"previous", "previous_heartbeat", "replay_since", "pid"}),
    "scheduler.leader_lost": frozenset({"pid"}),
    "worker.started": frozenset({"bots", "pid"}),
    "worker.stopped": frozenset({"pid"}),
    "watermark.advanced": frozenset({"from", "to"}),
    "effect.uncertain": frozenset(),
    "schedule.*": frozenset({"bot", "error", "fires", "grace_s", "policy", "reason"}),
    "alert.*": frozenset({"channel", "kind", "error"}),
    # the audit trail itself
    "audit.exported": frozenset(
        {"events", "evidence_files", "evidence_missing", "from", "to", "first_seq", "last_seq"}
    ),
    "audit.database_adopted": frozenset(
        {"events", "head_hash", "previous_size", "previous_root", "previous_file"}
    ),
    "audit.subject_forgotten": frozenset({"subject", "values_sealed"}),
    # invoice matching
    "bank.statement.downloaded": frozenset({"from", "to", "format", "bytes"}),
    "erp.open_items.exported": frozenset({"open_items", "unreadable_rows"}),
    "erp.open_items.row_rejected": _FINDING,
    "erp.open_items.noted": _FINDING,
    "matching.problem": _FINDING,
    "matching.decided": frozenset({"reason", "score", "method", "explanation", "invoices"}),
    "erp.payment.already_booked": frozenset({"payments"}),
    "erp.payment.posted": frozenset({"bank_line", "amount", "date"}),
    # client reminders
    "reminder.planned": frozenset({"customer", "reason", "level", "amount_due", "send_on", "explanation"}),
    "reminder.skipped": frozenset({"key", "reasons"}),
    "mail.refused": frozenset({"key", "message_id", "replies"}),
    "mail.sent": frozenset({"key", "message_id", "level", "language", "invoices", "approved"}),
    # document check
    "docs.dossier.downloaded": frozenset({"files", "portal_status"}),
    "doc.checked": frozenset({"document_type", "declared_kind", "source", "findings"}),
    "doc.finding": _FINDING,
    "dossier.decided": frozenset({"reason", "codes"}),
    "docs.status.set": frozenset({"reason", "findings"}),
    # the web console: a person's actions
    "console.login*": frozenset({"address", "reason"}),
    "console.logout": frozenset(),
    "user.*": frozenset({"role"}),
    "exception.proposed": frozenset({"resolution", "amount", "proposal"}),
    "exception.approved": frozenset({"proposal", "proposed_by", "note", "amount"}),
    "exception.rejected": frozenset({"proposal", "proposed_by", "note", "amount"}),
    "audit.exported_csv": frozenset({"from", "to", "actor", "action", "target"}),
    # every bot
    "report.written": frozenset(),
}


# The effect ledger (target type "effect") records "<bot's effect action>.<step>".
EFFECT_STEPS: dict[str, frozenset[str]] = {
    "intent": frozenset({"attempt"}),
    "dry_run": frozenset(),
    "checked": frozenset(),
    "confirmed": frozenset({"recovered", "result"}),
    "uncertain": frozenset(),
    "not_performed": frozenset({"error"}),
}


class DetailsRefused(RpaError):
    """An event carries a detail field its action's allow-list does not name (strict mode)."""

    code = "AUDIT_DETAILS_REFUSED"


@dataclass(frozen=True, slots=True)
class Personal:
    """A personal value (a name, an e-mail, an IBAN) that must be kept: stored encrypted with the key of
    ``subject`` (e.g. ``customer:C042``) and unreadable once the subject is forgotten."""

    subject: str
    value: str

    def __repr__(self) -> str:  # never the value in a log line or a traceback
        return f"Personal({self.subject!r}, ***)"


def fields_for(action: str, target_type: str = "", outcome: str = "") -> frozenset[str] | None:
    """The allow-list entry of ``action``; None when the action has none. An effect's steps and a
    finding (``ctx.record_findings``) have fixed fields whatever the bot names the action."""
    exact = ALLOWED.get(action)
    if exact is not None:
        return exact
    if target_type == "effect" and "." in action:
        step = EFFECT_STEPS.get(action.rsplit(".", 1)[1])
        if step is not None:
            return step
    if outcome == "finding":
        return _FINDING
    for pattern, fields in ALLOWED.items():
        if "*" in pattern and fnmatch.fnmatchcase(action, pattern):
            return fields
    return None


def strict() -> bool:
    return os.environ.get(STRICT_ENV, "") not in ("", "0", "false")


def allowed_details(
    action: str, details: Mapping[str, Any], *, target_type: str = "", outcome: str = ""
) -> dict[str, Any]:
    """``details`` reduced to what the allow-list of ``action`` names; dropped field names are kept
    (names only) under ``_dropped`` so the trail says something was left out."""
    fields = fields_for(action, target_type, outcome)
    if fields is None:
        if strict():
            raise DetailsRefused(f"audit action {action!r} has no allow-list entry in rpa/audit/redact.py")
        logger.warning("audit action {} has no allow-list entry: details kept, personal data masked", action)
        return dict(details)
    if fields is ANY:
        return dict(details)
    dropped = sorted(k for k in details if k not in fields)
    if not dropped:
        return dict(details)
    if strict():
        raise DetailsRefused(f"audit action {action!r}: fields {dropped} are not in its allow-list")
    logger.warning("audit action {}: fields {} dropped (not in its allow-list)", action, dropped)
    kept = {k: v for k, v in details.items() if k in fields}
    kept[DROPPED_KEY] = dropped
    return kept


def mask_iban(iban: str) -> str:
    """``FR7630006000011234567890189`` -> ``FR76 **** **** 0189``: country, check digits, last four."""
    compact = re.sub(r"\s", "", iban)
    if len(compact) < 8:
        return "****"
    return f"{compact[:4]} **** **** {compact[-4:]}"


def mask_text(text: str) -> str:
    """E-mail addresses and IBANs inside free text replaced by ``<email>`` and a masked IBAN."""
    if "@" in text:
        text = _EMAIL.sub("<email>", text)
    return _IBAN.sub(_mask_match, text) if any(c.isdigit() for c in text) else text


def _mask_match(m: re.Match[str]) -> str:
    whole = m.group(0)
    compact = whole.replace(" ", "")
    return mask_iban(whole) if iban_valid(compact) else whole


def iban_valid(compact: str) -> bool:
    """ISO 13616 check digits (mod 97): only real IBANs are masked, not every long reference."""
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    try:
        return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1
    except ValueError:
        return False


def sanitize(value: Any, key: str = "") -> Any:
    """Turn ``value`` into plain JSON (no floats: RFC 8785 hashing must be exact) with secrets removed and
    personal data masked in text."""
    if key and _SECRET_KEY.search(key):
        return REDACTED
    if isinstance(value, SecretStr):
        return REDACTED
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return sanitize(value.value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Personal):
        return "[PERSONAL]"  # only reached when not sealed: never the value
    if isinstance(value, Mapping):
        if set(value) == {"subject", "sealed"}:  # a sealed personal value: kept as it is
            return {"subject": str(value["subject"]), "sealed": str(value["sealed"])}
        return {str(k): sanitize(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [sanitize(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return mask_text(str(value))
