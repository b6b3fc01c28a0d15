"""A run with business errors, transient application errors and crashes: states, retries, audit."""

from __future__ import annotations

import json

from sqlalchemy import select

from rpa.audit.trail import AuditTrail
from rpa.audit.verify import verify_chain
from rpa.bot import RunStatus
from rpa.runner import RunEnvironment, execute_run
from rpa.runs import create_run
from rpa.settings import Settings
from rpa.store.db import Database
from rpa.store.models import AuditEvent, Run, WorkItem
from tests.kit.sample_bots import MIXED_BOT, MixedConfig


def _run(settings: Settings, db: Database, sleeps: list[float]) -> tuple[int, object]:
    run_id = create_run(db, AuditTrail("user:test"), "mixed", trigger="manual", now=_now())
    env = RunEnvironment(settings=settings, db=db, sleep=sleeps.append)
    return run_id, execute_run(env, MIXED_BOT, MixedConfig(items=3), run_id)


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_run_goes_on_through_every_kind_of_failure(settings: Settings, db: Database) -> None:
    sleeps: list[float] = []
    run_id, summary = _run(settings, db, sleeps)

    assert summary.outcome == RunStatus.SUCCEEDED_WITH_EXCEPTIONS
    assert (summary.collected, summary.processed) == (12, 12)
    assert summary.done == 6  # 3 ok + 3 transient that succeeded on the 2nd attempt
    assert summary.business_exceptions == 3
    assert summary.application_exceptions == 3  # crashes, after the bounded retries
    with db.read() as s:
        items = {w.reference: w for w in s.execute(select(WorkItem)).scalars()}
        run = s.get_one(Run, run_id)
    assert run.status == "succeeded_with_exceptions" and run.finished_at is not None
    assert {items[f"ok-{n}"].state for n in range(3)} == {"done"}
    assert {(items[f"transient-{n}"].state, items[f"transient-{n}"].attempts) for n in range(3)} == {
        ("done", 2)
    }
    business = items["business-0"]
    assert (business.state, business.attempts, business.error_code) == (
        "business_exception",
        1,
        "AMOUNT_MISMATCH",
    )
    crash = items["crash-0"]
    assert (crash.state, crash.attempts) == ("application_exception", settings.run.max_attempts)
    assert crash.error_code == "UNEXPECTED_ERROR"
    assert "ZeroDivisionError" in (crash.error_traceback or "")
    assert "gave up after 3 attempts" in (crash.error_message or "")
    # Backoff was asked for between attempts: one per transient item, two per crash.
    assert len(sleeps) == 3 + 3 * 2


def test_every_step_is_in_the_audit_trail_and_the_chain_verifies(settings: Settings, db: Database) -> None:
    run_id, _ = _run(settings, db, [])
    with db.read() as s:
        events = s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        report = verify_chain(s)
    assert report.ok and report.count == len(events)
    actions = [e.action for e in events]
    assert actions[0] == "run.created" and actions[1] == "run.started" and actions[-1] == "run.finished"
    per_item = [e for e in events if e.target_id == "mixed:crash-1"]
    assert [e.action for e in per_item] == [
        "item.collected",
        "item.started",
        "item.retrying",
        "item.started",
        "item.retrying",
        "item.started",
        "item.application_exception",
    ]
    assert all(e.actor == f"bot:mixed/run:{run_id}" for e in per_item)
    last = json.loads(per_item[-1].details)
    assert last["code"] == "UNEXPECTED_ERROR" and last["attempt"] == 3


def test_a_second_run_does_not_redo_finished_items(settings: Settings, db: Database) -> None:
    _run(settings, db, [])
    _, again = _run(settings, db, [])
    assert again.collected == 0 and again.processed == 0
    assert again.outcome == RunStatus.SUCCEEDED


def test_refused_credentials_stop_the_run_after_one_try(settings: Settings, db: Database) -> None:
    from tests.kit.sample_bots import REFUSED_BOT

    run_id = create_run(db, AuditTrail("user:test"), "refused", trigger="manual", now=_now())
    summary = execute_run(RunEnvironment(settings=settings, db=db), REFUSED_BOT, MixedConfig(items=2), run_id)
    assert summary.outcome == RunStatus.FAILED and "LEGACY_LOGIN_REFUSED" in (summary.error or "")
    with db.read() as s:
        tried = s.execute(
            select(WorkItem.reference, WorkItem.attempts, WorkItem.state).where(WorkItem.attempts > 0)
        ).all()
    assert [(ref, attempts, state) for ref, attempts, state in tried] == [("ok-0", 1, "retrying")]
