"""Scoring a bot's statuses and findings against the portal's ground truth: hand-made cases for every
category, the perfect bot on real truth, and ``rpa legacy score``'s docportal section on a real server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from legacy_apps.docportal import ground_truth
from legacy_apps.docportal.scoring import score_findings, score_statuses
from legacy_apps.scoring import score
from legacy_apps.testing import running_server
from legacy_apps.truth import write_ground_truth


def entry(
    status: str, findings: list[dict], reason: str | None = None, reasons: list[str] | None = None
) -> dict:
    return {
        "findings": findings,
        "benign": [],
        "expected_status": status,
        "expected_reason": reason,
        "acceptable_reasons": reasons or ([reason] if reason else []),
    }


IBAN = {"code": "IBAN_INVALID", "document": "rib.pdf", "detail": "…", "severity": "error"}
MISSING_KBIS = {"code": "MISSING_DOCUMENT", "document": "kbis", "detail": "…", "severity": "error"}
HOLDER_FORM = {"code": "NAME_MISMATCH", "document": "rib.pdf", "detail": "…", "severity": "warning"}
TRUTH = {
    "D1": entry("complete", []),
    "D2": entry(
        "incomplete", [IBAN, MISSING_KBIS], "missing_document", ["invalid_identifier", "missing_document"]
    ),
    "D3": entry("incomplete", [IBAN], "invalid_identifier"),
    "D4": entry("incomplete", [IBAN], "invalid_identifier"),
    "D5": entry("needs_review", [HOLDER_FORM], None, ["inconsistent_documents"]),
    "D6": entry("needs_review", [HOLDER_FORM], None, ["inconsistent_documents"]),
    "D7": entry("complete", []),
}
TRUTH["D7"]["benign"] = [{"code": "NAME_MISMATCH", "document": "rib.pdf", "detail": "…"}]


def feed(**statuses: tuple[str, str | None]) -> list[dict]:
    return [
        {"id": dossier_id, "status": status, "reason": reason}
        for dossier_id, (status, reason) in statuses.items()
    ]


def test_statuses_right_wrong_reason_wrong_status_pending_and_judgement_cases() -> None:
    result = score_statuses(
        TRUTH,
        feed(
            D1=("complete", None),
            D2=("incomplete", "invalid_identifier"),  # acceptable, not the weightiest
            D3=("incomplete", "expired_document"),  # no finding supports it
            D4=("complete", None),
            D5=("pending", None),
            D6=("incomplete", "inconsistent_documents"),
            D7=("pending", None),
            D9=("complete", None),
        ),
    )
    json.dumps(result)
    assert result["dossiers"] == 7 and result["to_decide"] == 5 and result["decided"] == 4
    assert result["right"] == 2 and result["weightiest_reason"] == 1
    assert result["wrong_reason"] == 1 and result["wrong_status"] == 1
    assert result["left_pending"] == 1 and result["pending"] == ["D7"]
    assert result["accuracy"] == 0.4 and result["precision"] == 0.5
    assert result["needs_review"] == {"expected": 2, "left_pending": 1, "decided": 1}
    assert result["judgement_decided"] == [
        {"id": "D6", "status": "incomplete", "reason": "inconsistent_documents"}
    ]
    assert {w["id"]: w["why"] for w in result["wrong"]} == {"D3": "wrong_reason", "D4": "wrong_status"}
    assert result["unknown_dossiers"] == ["D9"]


def test_findings_per_code_true_false_positives_and_misses() -> None:
    reported = [
        {"dossier": "D2", "document": "rib.pdf", "code": "IBAN_INVALID"},
        {"dossier_id": "D2", "document": "rib.pdf", "code": "IBAN_INVALID"},  # the same key twice counts once
        {"dossier": "D3", "document": "rib.pdf", "code": "IBAN_INVALID"},
        {"dossier": "D1", "document": "rib.pdf", "code": "IBAN_INVALID"},  # false positive
        {"dossier": "D2", "document": "kbis.pdf", "code": "MISSING_DOCUMENT"},  # wrong document
        {"dossier": "D5", "document": "rib.pdf", "code": "NAME_MISMATCH"},
        {"dossier": "D7", "document": "rib.pdf", "code": "NAME_MISMATCH"},  # a benign variation
        {"dossier": "D1", "document": "rib.pdf", "code": "FANCY_CODE"},
    ]
    result = score_findings(TRUTH, reported)
    json.dumps(result)
    iban = result["per_code"]["IBAN_INVALID"]
    assert iban == {
        "expected": 3,
        "true_positives": 2,
        "false_positives": 1,
        "false_negatives": 1,
        "precision": 0.6667,
        "recall": 0.6667,
    }
    assert result["per_code"]["MISSING_DOCUMENT"]["false_negatives"] == 1
    assert result["per_code"]["NAME_MISMATCH"] | {} == {
        "expected": 2,
        "true_positives": 1,
        "false_positives": 1,
        "false_negatives": 1,
        "precision": 0.5,
        "recall": 0.5,
    }
    assert result["per_code"]["FANCY_CODE"]["false_positives"] == 1
    assert result["per_code"]["BIC_INVALID"]["precision"] is None  # nothing expected, nothing reported
    assert (result["expected"], result["reported"], result["true_positives"]) == (6, 7, 3)
    assert result["benign_reported"] == 1
    assert {"dossier": "D4", "document": "rib.pdf", "code": "IBAN_INVALID"} in result["missed_findings"]

    lenient = score_findings(TRUTH, reported, per_document=False, include_warnings=False)
    assert lenient["per_code"]["MISSING_DOCUMENT"]["true_positives"] == 1
    assert lenient["per_code"]["NAME_MISMATCH"]["expected"] == 0
    assert (
        lenient["per_code"]["NAME_MISMATCH"]["false_positives"] == 1
    )  # D7 only: D5 is a warning, not counted


def test_a_bot_reporting_exactly_the_truth_scores_one() -> None:
    truth = ground_truth(42)
    perfect = [
        {"dossier": dossier_id, "document": f["document"], "code": f["code"]}
        for dossier_id, item in truth.items()
        for f in item["findings"]
    ]
    result = score_findings(truth, perfect)
    assert result["precision"] == result["recall"] == result["f1"] == 1.0
    assert all(code["recall"] in (1.0, None) for code in result["per_code"].values())
    statuses = [
        {"id": dossier_id, "status": item["expected_status"], "reason": item["expected_reason"]}
        for dossier_id, item in truth.items()
    ]
    for status in statuses:
        if status["status"] == "needs_review":
            status["status"] = "pending"
    scored = score_statuses(truth, statuses)
    assert scored["accuracy"] == 1.0 and scored["weightiest_reason"] == scored["right"] == 29


def test_legacy_score_prints_a_docportal_section(tmp_path: Path) -> None:
    write_ground_truth(42, tmp_path)
    truth = json.loads((tmp_path / "ground_truth.json").read_text(encoding="utf-8"))
    assert truth["docportal"] == json.loads(json.dumps(ground_truth(42)))
    incomplete = next(d for d, e in truth["docportal"].items() if e["expected_status"] == "incomplete")
    with (
        running_server(seed=42, lines=60) as server,
        httpx.Client(base_url=server.base_url, follow_redirects=True) as client,
    ):
        client.post("/docs/login", data={"username": server.docs_user, "password": server.docs_password})
        reason = truth["docportal"][incomplete]["expected_reason"]
        saved = client.post(
            f"/docs/dossiers/{incomplete}/status", data={"status": "incomplete", "reason": reason}
        )
        assert saved.status_code == 200
        result = score(tmp_path, server.base_url)
    docs = result["docportal"]
    assert docs["right"] == 1 and docs["decided"] == 1 and docs["weightiest_reason"] == 1
    assert docs["left_pending"] == 28 and docs["needs_review"]["left_pending"] == 1
