"""An unknown outcome is checked in the target within the same attempt, never counted as a failure;
no item reaches a final state with an effect still ``intent``; what was done is named."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from rpa.audit.trail import AuditTrail
from rpa.runner import RunEnvironment, execute_run
from rpa.runs import create_run
from rpa.settings import Settings
from rpa.store.db import Database
from rpa.store.models import Effect, WorkItem
from tests.run_control.bots import LEDGER_BOT, LedgerConfig


def _run(settings: Settings, db: Database, config: LedgerConfig) -> None:
    run_id = create_run(db, AuditTrail("user:test"), "ledger", trigger="manual", now=datetime.now(UTC))
    execute_run(RunEnvironment(settings=settings, db=db, sleep=lambda _: None), LEDGER_BOT, config, run_id)


def _state(db: Database) -> tuple[dict[str, WorkItem], dict[str, Effect]]:
    with db.read() as s:
        items = {w.reference: w for w in s.execute(select(WorkItem)).scalars()}
        effects = {e.key: e for e in s.execute(select(Effect)).scalars()}
    return items, effects


def test_lost_confirmations_are_checked_at_once_and_cost_no_attempt(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    target = tmp_path / "target.json"
    _run(settings, db, LedgerConfig(target=target, lines=3, allocations=4, lose_confirmation=True))
    posted = Counter(tuple(p) for p in json.loads(target.read_text()))
    assert len(posted) == 12 and set(posted.values()) == {1}  # each allocation once, the line whole
    items, effects = _state(db)
    assert {(w.state, w.attempts) for w in items.values()} == {("done", 1)}
    assert {e.state for e in effects.values()} == {"confirmed"}


def test_a_target_that_cannot_be_asked_leaves_the_item_with_a_person_never_a_final_intent(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    target = tmp_path / "target.json"
    config = LedgerConfig(
        target=target, lines=1, allocations=2, lose_confirmation=True, target_unreadable=True
    )
    _run(settings, db, config)
    items, effects = _state(db)
    item = items["L1"]
    assert item.state == "application_exception", item.error_message
    assert "started but not confirmed in the target: t:L1:1" in (item.error_message or "")
    assert [e.state for e in effects.values()] == ["needs_review"]  # never left "intent"
    assert json.loads(target.read_text()) == [["L1", "1"]]  # and never posted again blindly


def test_a_line_stopped_half_way_names_what_was_posted(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    target = tmp_path / "target.json"
    _run(settings, db, LedgerConfig(target=target, lines=1, allocations=3, refuse="L1/2"))
    items, effects = _state(db)
    item = items["L1"]
    assert item.state == "business_exception" and item.error_code == "REFUSED"
    assert "already done in the target: t:L1:1" in (item.error_message or "")
    assert "t:L1:3" not in (item.error_message or "")
    assert {k: e.state for k, e in effects.items()} == {"t:L1:1": "confirmed", "t:L1:2": "failed"}


def test_an_item_a_bot_ends_done_with_an_open_intent_goes_to_a_person(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    from rpa.items import ItemState, NewItem
    from rpa.workqueue import WorkQueue

    audit = AuditTrail("user:test")
    run_id = create_run(db, audit, "ledger", trigger="manual", now=datetime.now(UTC))
    queue = WorkQueue(db, "ledger", audit, lambda: datetime.now(UTC))
    queue.add([NewItem("L9", {"n": 9})], run_id)
    item = queue.start(queue.pending()[0], run_id)
    now = datetime.now(UTC)
    with db.transaction() as s:
        s.add(Effect(key="t:L9:1", bot="ledger", item_reference="L9", state="intent", attempts=1,
                     run_id=run_id, result={}, created_at=now, updated_at=now))  # fmt: skip
    assert queue.finish(item, ItemState.DONE, result={}) == ItemState.NEEDS_REVIEW
    items, effects = _state(db)
    assert (items["L9"].state, items["L9"].error_code) == ("needs_review", "EFFECT_UNCERTAIN")
    assert effects["t:L9:1"].state == "needs_review"
