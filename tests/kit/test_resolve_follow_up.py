"""A person's decision and the work item that carries it out are one transaction, whoever records it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rpa.audit.trail import AuditTrail
from rpa.clock import utcnow
from rpa.errors import BusinessRuleError
from rpa.items import ItemState, NewItem
from rpa.resolutions import FOLLOW_UP_SUFFIX, follow_up_item
from rpa.runs import create_run
from rpa.store.db import Database
from rpa.workqueue import WorkQueue, items_of
from tests.conftest import cli_env

LINE: dict[str, Any] = {
    "line": {"line_id": "BQ7", "amount": "150.00"}, "kind": "suggested", "method": "amount",
    "explanation": "two invoices could be meant", "differences": [], "alternatives": [],
    "allocations": [{"invoice": "INV-9", "amount": "150.00"}],
}  # fmt: skip


def _queue_with_exception(db: Database) -> WorkQueue:
    bot_trail = AuditTrail("bot:invoice_matching")
    run_id = create_run(db, bot_trail, "invoice_matching", trigger="manual", now=utcnow())
    queue = WorkQueue(db, "invoice_matching", bot_trail, utcnow)
    queue.add([NewItem("BQ7", LINE)], run_id)
    item = queue.start(queue.pending()[0], run_id)
    queue.finish(item, ItemState.BUSINESS_EXCEPTION, error_code="AMBIGUOUS_MATCH", error_message="two")
    return queue


def test_a_match_decision_adds_its_follow_up_item_in_the_same_transaction(db: Database) -> None:
    queue = _queue_with_exception(db)
    person = AuditTrail("user:alice")
    note = "match INV-1=100.00; INV-2=50.00 | split agreed with the customer"
    queue.resolve("BQ7", note, person, follow_up=lambda p: follow_up_item("BQ7", p, note))
    rows = {r.reference: r for r in items_of(db, "invoice_matching")}
    assert rows["BQ7"].state == ItemState.RESOLVED and rows["BQ7"].resolved_by == "user:alice"
    follow = rows[f"BQ7{FOLLOW_UP_SUFFIX}"]
    assert follow.state == ItemState.NEW and follow.payload["kind"] == "auto"
    assert [a["invoice"] for a in follow.payload["allocations"]] == ["INV-1", "INV-2"]


def test_a_follow_up_that_cannot_be_added_leaves_the_item_unresolved(db: Database) -> None:
    queue = _queue_with_exception(db)
    queue.add([NewItem(f"BQ7{FOLLOW_UP_SUFFIX}", LINE)], 1)  # a follow-up already exists
    note = "match INV-1=150.00 | checked"
    with pytest.raises(BusinessRuleError, match="follow-up"):
        queue.resolve("BQ7", note, AuditTrail("user:bob"), follow_up=lambda p: follow_up_item("BQ7", p, note))
    rows = {r.reference: r for r in items_of(db, "invoice_matching")}
    assert rows["BQ7"].state == ItemState.BUSINESS_EXCEPTION and rows["BQ7"].resolved_by is None


def test_the_command_carries_out_a_decision_written_in_its_note(
    db: Database, rpa_home: Path, settings: Any
) -> None:
    import subprocess
    import sys

    _queue_with_exception(db)
    note = "match INV-1=150.00 | confirmed with the customer by phone"
    done = subprocess.run(
        [sys.executable, "-m", "rpa_cli", "exceptions", "resolve", "invoice_matching", "BQ7", "--note", note],
        env=cli_env(rpa_home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = {r.reference: r for r in items_of(db, "invoice_matching")}
    assert rows["BQ7"].state == ItemState.RESOLVED
    assert rows[f"BQ7{FOLLOW_UP_SUFFIX}"].payload["allocations"] == [{"invoice": "INV-1", "amount": "150.00"}]
