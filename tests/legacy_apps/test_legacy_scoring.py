"""score() reads what the ERP holds and tells right postings from wrong ones and duplicates."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from legacy_apps.scoring import score
from legacy_apps.testing import RunningServer
from legacy_apps.truth import write_ground_truth
from tests.legacy_apps.conftest import erp_login
from tests.legacy_apps.test_legacy_erp import post_payment


@pytest.fixture(scope="module")
def truth_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("truth")
    write_ground_truth(42, folder, include_docportal=False)
    return folder


def test_score_counts_right_wrong_missed_and_duplicate_postings(
    client: httpx.Client, server: RunningServer, truth_folder: Path
) -> None:
    truth = json.loads((truth_folder / "ground_truth.json").read_text(encoding="utf-8"))
    lines = truth["bank_lines"]
    right_ref = next(
        r for r, line in lines.items() if line["decision"] == "match" and len(line["settles"]) == 1
    )
    trap_ref = next(r for r, line in lines.items() if line["reason"] == "duplicate_payment")
    settle = lines[right_ref]["settles"][0]
    erp_login(client, server)

    empty = score(truth_folder, server.base_url)
    assert empty["lines_posted"] == 0 and empty["missed"] == truth["summary"]["to_match"]

    amount = settle["amount"].replace(".", ",")
    post_payment(client, settle["invoice"], amount, "05/11/2026", right_ref)
    post_payment(client, settle["invoice"], amount, "05/11/2026", right_ref)  # the same posting again
    post_payment(client, "INV-2026-00020", "10,00", "05/11/2026", trap_ref)
    result = score(truth_folder / "ground_truth.json", server.base_url)
    json.dumps(result)  # the report must be plain JSON
    assert result["lines_posted"] == 2 and result["payments_posted"] == 3
    assert result["correct"] == 1 and result["wrong"] == 1
    assert result["duplicates_created"] == 1
    assert result["precision"] == 0.5
    assert result["recall"] == round(1 / truth["summary"]["to_match"], 4)
    assert result["missed"] == truth["summary"]["to_match"] - 1
    assert result["wrong_matches"][0]["bank_reference"] == trap_ref
    assert "must not be auto-matched" in result["wrong_matches"][0]["why"]
