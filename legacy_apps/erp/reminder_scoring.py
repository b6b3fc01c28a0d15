"""Score the reminders a bot noted in the ERP, and the e-mails the mailbox received, against the truth.

Counts reminders sent when due, sent when they must not be (paid, disputed, promised, do-not-remind, …:
must be 0), sent too early, duplicates (same invoice and level twice, one Message-ID twice on an invoice
or twice in the mailbox: must be 0) and due reminders missed. Reminders seeded in the ERP's history are
not the bot's and are not scored.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from legacy_apps.erp.reminder_truth import FORBIDDEN

TRUTH_FILE = "reminders.json"
APPROVAL_LEVELS = frozenset({"formal_notice", "collection"})  # need a person's approval by default


def load_reminders_truth(truth_dir_or_file: Path) -> dict[str, Any] | None:
    """reminders.json beside ground_truth.json (or in the folder given); None when there is none."""
    path = Path(truth_dir_or_file)
    candidate = path / TRUTH_FILE if path.is_dir() else path.with_name(TRUTH_FILE)
    if not candidate.is_file():
        return None
    truth: dict[str, Any] = json.loads(candidate.read_text(encoding="utf-8"))
    return truth


def score_reminders(
    truth: dict[str, Any], reminders: list[dict[str, Any]], messages: list[dict[str, Any]]
) -> dict[str, Any]:
    """``reminders``: the ERP's history (``/_admin/erp/reminders``); ``messages``: what the mailbox received
    (``/_admin/mail/messages``). Plain JSON values out."""
    expected: dict[str, Any] = truth["invoices"]
    done = [r for r in reminders if not r.get("seeded")]
    history_levels = Counter((r["invoice"], r["level"]) for r in reminders)
    correct: list[dict[str, str]] = []
    forbidden: list[dict[str, str]] = []
    early: list[dict[str, str]] = []
    wrong_level: list[dict[str, str]] = []
    unknown: list[dict[str, str]] = []
    for r in done:
        row = {"invoice": r["invoice"], "level": r["level"], "message_id": r["message_id"]}
        entry = expected.get(r["invoice"])
        if entry is None:
            unknown.append(row)
        elif entry["send"] and r["level"] == entry["level"]:
            correct.append(row)
        elif any(reason in FORBIDDEN for reason in entry["reasons"]):
            forbidden.append({**row, "reason": next(x for x in entry["reasons"] if x in FORBIDDEN)})
        elif not entry["send"]:
            early.append({**row, "reason": entry["reason"]})
        else:
            wrong_level.append({**row, "expected_level": entry["level"]})
    # A level noted twice on one invoice is a duplicate when the bot wrote at least one of the two.
    duplicate_levels = [
        {"invoice": invoice, "level": level, "times": times}
        for (invoice, level), times in sorted(history_levels.items())
        if times > 1 and (invoice, level) in {(r["invoice"], r["level"]) for r in done}
    ]
    # One email may list several invoices of a customer (it is then noted on each): a Message-ID noted
    # twice on the same invoice, or received twice by the mailbox, is the duplicate.
    noted_ids = Counter((r["invoice"], r["message_id"]) for r in reminders if r["message_id"])
    mailed_ids = Counter(m["message_id"] for m in messages if m.get("message_id"))
    duplicate_ids = sorted(
        {i for (_, i), n in noted_ids.items() if n > 1} | {i for i, n in mailed_ids.items() if n > 1}
    )
    sent_pairs = {(r["invoice"], r["level"]) for r in done}
    missed = [
        {"invoice": number, "level": entry["level"]}
        for number, entry in sorted(expected.items())
        if entry["send"] and (number, entry["level"]) not in sent_pairs
    ]
    # A formal notice or a hand-over to collection waits for a person's approval, and so does every
    # invoice listed in the same email (one email per customer): missed for now, not by mistake.
    held_customers = {expected[m["invoice"]]["customer_id"] for m in missed if m["level"] in APPROVAL_LEVELS}
    held = [m for m in missed if expected[m["invoice"]]["customer_id"] in held_customers]
    recipients = {number: entry["email"].lower() for number, entry in expected.items()}
    by_id = {m["message_id"]: m for m in messages if m.get("message_id")}
    wrong_recipient = [
        {"invoice": r["invoice"], "message_id": r["message_id"], "to": by_id[r["message_id"]]["envelope_to"]}
        for r in done
        if r["message_id"] in by_id
        and r["invoice"] in recipients
        and recipients[r["invoice"]] not in [a.lower() for a in by_id[r["message_id"]]["envelope_to"]]
    ]
    due = sum(1 for entry in expected.values() if entry["send"])
    precision = len(correct) / len(done) if done else 0.0
    recall = len(correct) / due if due else 0.0
    return {
        "as_of": truth["as_of"],
        "due": due,
        "noted": len(done),
        "emails": len(messages),
        "sent_when_due": len(correct),
        "sent_when_forbidden": len(forbidden),
        "forbidden_by_reason": dict(sorted(Counter(f["reason"] for f in forbidden).items())),
        "sent_too_early": len(early),
        "wrong_level": len(wrong_level),
        "unknown_invoice": len(unknown),
        "duplicates": sum(d["times"] - 1 for d in duplicate_levels) + len(duplicate_ids),
        "missed": len(missed),
        "missed_held_for_approval": len(held),
        "emails_not_noted": sorted(set(mailed_ids) - {i for _, i in noted_ids}),
        "noted_without_email": sorted(
            r["message_id"] for r in done if r["channel"] == "email" and r["message_id"] not in mailed_ids
        ),
        "wrong_recipient": wrong_recipient,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "forbidden_sends": forbidden,
        "early_sends": early,
        "wrong_levels": wrong_level,
        "duplicate_levels": duplicate_levels,
        "duplicate_message_ids": duplicate_ids,
        "missed_reminders": missed,
    }


def fetch_json(base_url: str, path: str, key: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{base_url.rstrip('/')}{path}", timeout=30)
    response.raise_for_status()
    rows: list[dict[str, Any]] = response.json()[key]
    return rows


def score_from_server(truth_dir_or_file: Path, base_url: str) -> dict[str, Any] | None:
    """The reminders section of ``rpa legacy score``: None when the truth folder has no reminders.json."""
    truth = load_reminders_truth(truth_dir_or_file)
    if truth is None:
        return None
    reminders = fetch_json(base_url, "/_admin/erp/reminders", "reminders")
    messages = fetch_json(base_url, "/_admin/mail/messages", "messages")
    still_open = fetch_json(base_url, "/_admin/erp/overdue?horizon_days=3650", "invoices")
    return score_reminders(paid_since(truth, {row["number"] for row in still_open}), reminders, messages)


def paid_since(truth: dict[str, Any], still_open: set[str]) -> dict[str, Any]:
    """The truth with the invoices paid since it was written (e.g. by a reconciliation run the same
    morning) turned into "paid": a reminder to them is then forbidden, not missed."""
    invoices = {
        number: entry
        if number in still_open or not entry["send"]
        else {**entry, "send": False, "reason": "paid", "reasons": ["paid"]}
        for number, entry in truth["invoices"].items()
    }
    return {**truth, "invoices": invoices}
