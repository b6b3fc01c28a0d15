"""A run asked to stop takes no new item, charges nothing to untried items and ends ``interrupted``;
the next run resumes it as a new record and reports what both did; a finished run is never re-run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from rpa.audit.trail import AuditTrail
from rpa.bot import RunStatus
from rpa.runner import RunEnvironment, StopRequest, execute_run, stop_on_signals
from rpa.runs import create_run, get_run
from rpa.settings import Settings
from rpa.store.db import Database
from rpa.store.models import AuditEvent, WorkItem
from tests.conftest import run_cli
from tests.run_control import bots

BOTS = ["tests.run_control.bots:LEDGER_BOT"]


def _run(settings: Settings, db: Database, config: bots.LedgerConfig, stop: StopRequest | None = None) -> int:
    run_id = create_run(db, AuditTrail("user:test"), "ledger", trigger="manual", now=datetime.now(UTC))
    env = RunEnvironment(settings=settings, db=db, sleep=lambda _: None, stop=stop)
    execute_run(env, bots.LEDGER_BOT, config, run_id)
    return run_id


def test_a_stopped_run_leaves_untried_items_untouched_and_the_next_run_reports_them(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    stop = StopRequest()
    config = bots.LedgerConfig(target=tmp_path / "t.json", lines=6, allocations=2, stop_after=2)
    with stop_on_signals(stop):  # the runner's own SIGINT handler: the bot signals its process mid-item
        first = _run(settings, db, config, stop)
    run = get_run(db, first)
    assert run.status == RunStatus.INTERRUPTED and "SIGINT" in (run.error or "")
    assert "reported" not in run.summary  # no report: the resuming run writes it
    with db.read() as s:
        items = {w.reference: (w.state, w.attempts) for w in s.execute(select(WorkItem)).scalars()}
        finished = s.execute(select(AuditEvent).where(AuditEvent.action == "run.finished")).scalar_one()
    assert items["L1"] == ("done", 1) and items["L2"] == ("done", 1)  # the item in hand finished
    assert {items[f"L{n}"] for n in range(3, 7)} == {("new", 0)}  # untried: pending, no attempt
    assert finished.outcome == "interrupted"

    second = _run(settings, db, config.model_copy(update={"stop_after": None}))
    resumed = get_run(db, second)
    assert resumed.status == RunStatus.SUCCEEDED and resumed.resumed_from == first
    assert resumed.summary["reported"] == [f"L{n}" for n in range(1, 7)]  # both runs' items, once
    third = _run(settings, db, config.model_copy(update={"stop_after": None}))
    assert get_run(db, third).resumed_from is None and get_run(db, third).summary["reported"] == []


def test_run_id_of_a_finished_or_unknown_run_is_refused(rpa_home: Path, tmp_path: Path) -> None:
    config = rpa_home / "config" / "bots" / "ledger.toml"
    config.write_text(f'target = "{tmp_path / "t.json"}"\nlines = 1\n')
    done = run_cli(rpa_home, "run", "ledger", extra_bots=BOTS)
    assert done.returncode == 0, done.stderr
    again = run_cli(rpa_home, "run", "ledger", "--run-id", "1", extra_bots=BOTS)
    assert again.returncode == 2 and "run 1 of ledger is succeeded (a real run)" in again.stderr, again.stderr
    assert "Traceback" not in again.stderr
    unknown = run_cli(rpa_home, "run", "ledger", "--run-id", "999", extra_bots=BOTS)
    assert unknown.returncode == 2 and "there is no run 999" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    runs = run_cli(rpa_home, "runs", "list", "--json")
    assert runs.stdout.count('"id"') == 1  # no record was added or overwritten
