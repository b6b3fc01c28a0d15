"""Score a bot's work on the document portal against the ground truth: the statuses it set (read from
the portal's JSON feed) and the findings it reported (matched on dossier, document and code).

A dossier the truth marks ``needs_review`` (its only findings are warnings) is right when left pending:
the bot hands it to a person instead of deciding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from .model import COMPLETE, FINDING_CODES, INCOMPLETE, NEEDS_REVIEW, WARNING

PENDING = "pending"


def fetch_statuses(base_url: str) -> list[dict[str, Any]]:
    """The portal's status feed (``/docs/api/dossiers``) of the server at ``base_url``."""
    response = httpx.get(f"{base_url.rstrip('/')}/docs/api/dossiers", timeout=30)
    response.raise_for_status()
    dossiers: list[dict[str, Any]] = response.json()["dossiers"]
    return dossiers


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def score_statuses(truth: Mapping[str, Any], feed: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Compare each dossier's current status and reason with the truth.

    ``right``: the expected status, and for an incomplete dossier a reason among the acceptable ones
    (``weightiest_reason`` counts those that also chose the truth's expected reason). ``wrong_reason``:
    incomplete as expected, with a reason no finding supports. ``wrong_status``: complete instead of
    incomplete or the reverse. ``left_pending``: not decided although it should be. A ``needs_review``
    dossier is right when left pending and listed under ``judgement_decided`` otherwise.
    """
    current = {item["id"]: item for item in feed}
    right = weightiest = 0
    wrong: list[dict[str, Any]] = []
    pending: list[str] = []
    review = {"expected": 0, "left_pending": 0, "decided": 0}
    judgement_decided: list[dict[str, Any]] = []
    for dossier_id, entry in sorted(truth.items()):
        item = current.get(dossier_id, {})
        status, reason = item.get("status", PENDING), item.get("reason")
        expected = entry["expected_status"]
        if expected == NEEDS_REVIEW:
            review["expected"] += 1
            if status == PENDING:
                review["left_pending"] += 1
            else:
                review["decided"] += 1
                judgement_decided.append({"id": dossier_id, "status": status, "reason": reason})
            continue
        if status == PENDING:
            pending.append(dossier_id)
            continue
        got = {"id": dossier_id, "expected": expected, "status": status, "reason": reason}
        if status != expected:
            wrong.append(got | {"why": "wrong_status"})
        elif expected == INCOMPLETE and reason not in entry["acceptable_reasons"]:
            wrong.append(got | {"why": "wrong_reason", "acceptable_reasons": entry["acceptable_reasons"]})
        else:
            right += 1
            weightiest += expected == COMPLETE or reason == entry["expected_reason"]
    to_decide = len(truth) - review["expected"]
    decided = to_decide - len(pending)
    return {
        "dossiers": len(truth),
        "to_decide": to_decide,
        "decided": decided,
        "right": right,
        "weightiest_reason": weightiest,
        "wrong_status": sum(1 for w in wrong if w["why"] == "wrong_status"),
        "wrong_reason": sum(1 for w in wrong if w["why"] == "wrong_reason"),
        "left_pending": len(pending),
        "accuracy": _ratio(right, to_decide),
        "precision": _ratio(right, decided),
        "needs_review": review,
        "wrong": wrong,
        "pending": pending,
        "judgement_decided": judgement_decided,
        "unknown_dossiers": sorted(set(current) - set(truth)),
    }


def _key(finding: Mapping[str, Any], per_document: bool) -> tuple[str, str, str]:
    dossier = str(finding.get("dossier", finding.get("dossier_id", "")))
    document = str(finding.get("document", "")) if per_document else ""
    return dossier, document, str(finding["code"])


def score_findings(
    truth: Mapping[str, Any],
    findings: Iterable[Mapping[str, Any]],
    *,
    per_document: bool = True,
    include_warnings: bool = True,
) -> dict[str, Any]:
    """Per finding code: true positives, false positives, false negatives, precision and recall.

    ``findings`` are the bot's, each a mapping with ``dossier`` (or ``dossier_id``), ``document`` (the
    attachment's filename, or the missing kind for MISSING_DOCUMENT) and ``code``. A match is the same
    (dossier, document, code); with ``per_document=False``, the same (dossier, code). Reporting the
    same key twice counts once. Without ``include_warnings``, judgement findings are left out of the
    truth and reports of them are not counted against the bot. ``benign_reported`` counts the false
    positives that fall on a variation the truth calls harmless (e.g. a holder without legal form).
    """
    expected: set[tuple[str, str, str]] = set()
    warnings: set[tuple[str, str, str]] = set()
    benign: set[tuple[str, str, str]] = set()
    for dossier_id, entry in truth.items():
        for finding in entry["findings"]:
            key = _key({"dossier": dossier_id, **finding}, per_document)
            (warnings if finding.get("severity") == WARNING else expected).add(key)
        for finding in entry.get("benign", []):
            benign.add(_key({"dossier": dossier_id, **finding}, per_document))
    if include_warnings:
        expected |= warnings
    reported = {_key(finding, per_document) for finding in findings}
    if not include_warnings:
        reported -= warnings - expected
    codes = list(FINDING_CODES) + sorted({code for _, _, code in reported} - set(FINDING_CODES))
    per_code: dict[str, dict[str, Any]] = {}
    for code in codes:
        want = {key for key in expected if key[2] == code}
        got = {key for key in reported if key[2] == code}
        tp, fp, fn = len(want & got), len(got - want), len(want - got)
        per_code[code] = {
            "expected": len(want),
            "true_positives": tp,
            "false_positives": fp,
            "false_negatives": fn,
            "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, tp + fn),
        }
    tp = len(expected & reported)
    precision, recall = _ratio(tp, len(reported)), _ratio(tp, len(expected))
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision and recall else None

    def listed(keys: set[tuple[str, str, str]]) -> list[dict[str, str]]:
        return [{"dossier": d, "document": doc, "code": c} for d, doc, c in sorted(keys)]

    return {
        "expected": len(expected),
        "reported": len(reported),
        "true_positives": tp,
        "false_positives": len(reported - expected),
        "false_negatives": len(expected - reported),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "benign_reported": len((reported - expected) & benign),
        "per_code": per_code,
        "false_positive_findings": listed(reported - expected),
        "missed_findings": listed(expected - reported),
    }


def score_docportal(truth: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    """The statuses set in the portal at ``base_url`` against the docportal part of the ground truth."""
    return score_statuses(truth, fetch_statuses(base_url))
