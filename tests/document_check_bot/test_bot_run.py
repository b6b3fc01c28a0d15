"""document_check against the document portal with real Chromium: statuses scored against ground truth.

One server for the module: a dry run first (nothing may change in the portal), then a real run with the
portal restyled and sessions expiring every few requests, then a second run that finds nothing new.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bots.document_check.bot import BOT, NEEDS_REVIEW
from bots.document_check.config import DocumentCheckConfig
from legacy_apps.docportal.generator import REFERENCE_DAY
from legacy_apps.docportal.scoring import fetch_statuses, score_findings, score_statuses
from legacy_apps.docportal.truth import ground_truth
from legacy_apps.testing import RunningServer, running_server
from rpa.bot import RunStatus
from rpa.testing import BotHarness

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SEED = 5
NOON = datetime.combine(REFERENCE_DAY, datetime.min.time(), tzinfo=UTC).replace(hour=11)


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(seed=SEED, lines=10) as srv:
        yield srv


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory, server: RunningServer) -> Iterator[BotHarness]:
    apps = {"docs": {"url": server.docs_url, "username": server.docs_user, "password": server.docs_password}}
    with BotHarness(tmp_path_factory.mktemp("home"), clock=lambda: NOON, browser=True, apps=apps) as h:
        yield h


def _statuses(server: RunningServer) -> dict[str, str]:
    return {d["id"]: d["status"] for d in fetch_statuses(server.base_url)}


def test_a_dry_run_reads_every_dossier_and_changes_nothing(
    harness: BotHarness, server: RunningServer
) -> None:
    result = harness.run(BOT, DocumentCheckConfig(), dry_run=True)
    assert result.summary.collected == 30, result.summary.error
    assert set(_statuses(server).values()) == {"pending"}
    assert all(e.state != "confirmed" for e in result.effects.values())
    # A dry run's items are not kept as done: the real run collects them again.
    assert len(harness.events("docs.dossier.downloaded")) == 30


def test_statuses_match_the_ground_truth_despite_a_restyled_portal_and_expiring_sessions(
    harness: BotHarness, server: RunningServer
) -> None:
    server.set_faults(changed_layout=True, session_expiry_after=40)
    try:
        result = harness.run(BOT, DocumentCheckConfig())
    finally:
        server.set_faults("none")
    assert result.summary.outcome is RunStatus.SUCCEEDED_WITH_EXCEPTIONS, result.summary.error
    truth = ground_truth(SEED, 30)
    score = score_statuses(truth, fetch_statuses(server.base_url))
    failed = {
        i.reference: (i.error_code, i.error_message) for i in result.items.values() if i.state != "done"
    }
    assert score["right"] == score["to_decide"] == score["weightiest_reason"], (score["pending"], failed)
    assert score["left_pending"] == 0 and not score["judgement_decided"], score
    review = [i for i in result.items.values() if i.error_code == NEEDS_REVIEW]
    expected_review = [d for d, t in truth.items() if t["expected_status"] == "needs_review"]
    assert sorted(i.reference.split(":")[0] for i in review) == sorted(expected_review)
    assert all(i.state == "business_exception" for i in review)

    # Every decided dossier went through the ledger, confirmed against the portal.
    decided = [i for i in result.items.values() if i.state == "done"]
    assert {e.state for e in result.effects.values()} == {"confirmed"}
    assert len(result.effects) == len(decided) == 30 - len(review)

    # Each checked file is referenced (by its hash) from the audit event of its check.
    checks = harness.events("doc.checked")
    assert checks and all(e["evidence"] for e in checks)
    assert harness.verify().ok

    report = harness.settings.var_path / "reports" / "document_check" / f"run-{result.record.id}"
    with (report / "findings.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["dossier", "file", "document_type", "code", "severity", "field", "message"]
    reported: list[dict[str, Any]] = [
        {"dossier": r["dossier"], "document": r["file"], "code": r["code"]}
        for r in rows
        if r["severity"] != "info"
    ]
    findings = score_findings(truth, reported)
    assert findings["precision"] == 1.0 and findings["recall"] == 1.0, findings["missed_findings"]
    documents = json.loads((report / "documents.json").read_text(encoding="utf-8"))
    assert len(documents["dossiers"]) == 30


def test_an_unchanged_portal_gives_no_new_work(harness: BotHarness, server: RunningServer) -> None:
    before = _statuses(server)
    result = harness.run(BOT, DocumentCheckConfig())
    assert result.summary.collected == 0 and result.summary.processed == 0
    assert _statuses(server) == before
