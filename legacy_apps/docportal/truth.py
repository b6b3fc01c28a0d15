"""Ground truth: what a careful person would find in each dossier, and the status they would set.

Bots' decisions are scored against this. JSON-serialisable, keys in order, the same for the same seed.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from .generator import REFERENCE_DAY, generate_dossiers


def ground_truth(seed: int, dossiers: int = 30, *, reference_day: date = REFERENCE_DAY) -> dict[str, Any]:
    """Per dossier id: client, documents, expected findings (sorted by code then document, each with its
    ``severity``: ``error`` or ``warning``), the benign variations a check must not report, the expected
    status (``complete``, ``incomplete``, or ``needs_review`` when the only findings are warnings: leave
    the dossier pending for a person), the weightiest reason and every acceptable reason, and for a
    re-submission the client's earlier dossier."""
    truth: dict[str, Any] = {}
    for dossier in sorted(generate_dossiers(seed, dossiers, reference_day), key=lambda d: d.id):
        truth[dossier.id] = {
            "client": dossier.client.name,
            "siren": dossier.client.siren,
            "submitted_on": dossier.submitted_on.isoformat(),
            "resubmission_of": dossier.resubmission_of,
            "documents": sorted(attachment.filename for attachment in dossier.attachments),
            "findings": [finding.as_dict() for finding in dossier.findings],
            "benign": [
                {key: value for key, value in finding.as_dict().items() if key != "severity"}
                for finding in dossier.benign
            ],
            "expected_status": dossier.expected_status,
            "expected_reason": dossier.expected_reason,
            "acceptable_reasons": dossier.acceptable_reasons,
        }
    return truth


def ground_truth_json(seed: int, dossiers: int = 30, *, reference_day: date = REFERENCE_DAY) -> str:
    """The ground truth as canonical JSON text (sorted keys, UTF-8 characters kept)."""
    truth = ground_truth(seed, dossiers, reference_day=reference_day)
    return json.dumps(truth, sort_keys=True, ensure_ascii=False, indent=2) + "\n"
