"""Score what a bot posted in the ERP against the ground truth.

Precision, recall, wrong postings, missed lines, duplicates created.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

MATCH = "match"


def load_truth(path: Path) -> dict[str, Any]:
    """ground_truth.json, given the file or the folder holding it."""
    path = Path(path)
    if path.is_dir():
        path = path / "ground_truth.json"
    truth: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return truth


def fetch_payments(base_url: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{base_url.rstrip('/')}/_admin/erp/payments", timeout=30)
    response.raise_for_status()
    payments: list[dict[str, Any]] = response.json()["payments"]
    return payments


def _cents(value: str) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def score_payments(truth: dict[str, Any], payments: list[dict[str, Any]]) -> dict[str, Any]:
    """Per bank line: the set of (invoice, amount) posted under its reference must equal the truth's.

    A line the truth says must not be auto-matched counts as wrong when anything is posted for it;
    posting the same (invoice, amount) twice under one reference counts as a duplicate.
    """
    lines: dict[str, Any] = truth["bank_lines"]
    posted: dict[str, Counter[tuple[str, Decimal]]] = defaultdict(Counter)
    for payment in payments:
        posted[payment["bank_reference"]][(payment["invoice"], _cents(payment["amount"]))] += 1
    expected = {
        ref: {(s["invoice"], _cents(s["amount"])) for s in line["settles"]}
        for ref, line in lines.items()
        if line["decision"] == MATCH
    }
    correct: list[str] = []
    wrong: list[dict[str, Any]] = []
    duplicates: list[dict[str, Any]] = []
    for ref, pairs in sorted(posted.items()):
        for (invoice, amount), times in sorted(pairs.items()):
            if times > 1:
                duplicates.append(
                    {"bank_reference": ref, "invoice": invoice, "amount": str(amount), "times": times}
                )
        line = lines.get(ref)
        if ref in expected and set(pairs) == expected[ref]:
            correct.append(ref)
            continue
        why = (
            "reference not on the statement" if line is None
            else f"must not be auto-matched ({line['reason']})" if line["decision"] != MATCH
            else "wrong invoices or amounts"
        )  # fmt: skip
        wrong.append({
            "bank_reference": ref, "why": why,
            "posted": [{"invoice": i, "amount": str(a)} for i, a in sorted(pairs)],
            "expected": [{"invoice": i, "amount": str(a)} for i, a in sorted(expected.get(ref, set()))],
        })  # fmt: skip
    missed = sorted(set(expected) - set(posted))
    precision = len(correct) / len(posted) if posted else 0.0
    recall = len(correct) / len(expected) if expected else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "lines": len(lines),
        "lines_to_match": len(expected),
        "lines_posted": len(posted),
        "payments_posted": len(payments),
        "correct": len(correct),
        "wrong": len(wrong),
        "missed": len(missed),
        "duplicates_created": sum(d["times"] - 1 for d in duplicates),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "wrong_matches": wrong,
        "missed_references": missed,
        "duplicates": duplicates,
    }


def score(truth_dir_or_file: Path, base_url: str) -> dict[str, Any]:
    """Compare the payments recorded in the ERP at ``base_url`` (and the document portal's statuses, when
    the truth has them) with the ground truth."""
    truth = load_truth(Path(truth_dir_or_file))
    result = score_payments(truth, fetch_payments(base_url))
    if truth.get("docportal"):  # written only when the document portal is installed alongside
        from legacy_apps.docportal.scoring import score_docportal

        result["docportal"] = score_docportal(truth["docportal"], base_url)
    from legacy_apps.erp.reminder_scoring import score_from_server  # None without a reminders.json

    reminders = score_from_server(Path(truth_dir_or_file), base_url)
    if reminders is not None:
        result["reminders"] = reminders
    return result
