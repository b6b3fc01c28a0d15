"""``rpa schedule pause|resume|trigger`` on PostgreSQL: pauses are the database's (every scheduler on
every machine obeys them), and a trigger queues the run for a worker instead of running it here."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, text

from rpa.bot import RunStatus
from rpa.clock import utcnow
from rpa.runs import get_run, list_runs
from rpa.settings import load_settings
from rpa.store.db import Database
from rpa.store.models import AuditEvent
from scheduler.dispatch import Dispatcher
from scheduler.state import STATE_FILE, paused_schedules
from tests.conftest import run_cli
from tests.scaleout.conftest import BOTS, Cluster, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
SCHEDULES = '[schedules.nightly]\nbot = "tick"\ncron = "0 7 1 1 *"\n'


def _second_machine(cluster: Cluster, tmp_path: Path) -> Path:
    """Another installation (its own var/) on the same database, as on a second machine."""
    other = tmp_path / "machine-b"
    shutil.copytree(cluster.home / "config", other / "config")
    return other


def test_a_pause_on_one_machine_pauses_the_schedule_for_every_scheduler(
    cluster: Cluster, pg_db: Database, tmp_path: Path
) -> None:
    (cluster.home / "config" / "schedules.toml").write_text(SCHEDULES)
    other = _second_machine(cluster, tmp_path)
    paused = run_cli(cluster.home, "schedule", "pause", "nightly", extra_bots=BOTS)
    assert paused.returncode == 0 and "nightly paused" in paused.stdout, paused.stderr
    assert not (cluster.home / "var" / STATE_FILE).exists()  # kept in the database, not on this machine

    settings_b = load_settings(home=other, extra_bots=tuple(BOTS))
    assert paused_schedules(settings_b, pg_db) == {"nightly"}
    dispatcher = Dispatcher(settings_b, pg_db, bot_ids={"tick"}, command=lambda *a: [])
    assert dispatcher.fire("nightly", utcnow()).status == "paused"
    assert list_runs(pg_db) == []  # the paused fire recorded nothing, ran nothing
    again = run_cli(other, "schedule", "pause", "nightly", extra_bots=BOTS)
    assert again.returncode == 0 and "nightly was already paused" in again.stdout, again.stderr

    resumed = run_cli(other, "schedule", "resume", "nightly", extra_bots=BOTS)
    assert resumed.returncode == 0 and "nightly resumed" in resumed.stdout, resumed.stderr
    settings_a = load_settings(home=cluster.home, extra_bots=tuple(BOTS))
    assert paused_schedules(settings_a, pg_db) == set()
    with pg_db.read() as s:
        audited = [
            e.action for e in s.execute(select(AuditEvent).where(AuditEvent.target_id == "nightly")).scalars()
        ]
    assert audited == ["schedule.paused", "schedule.resumed"]


def test_trigger_queues_the_run_for_a_worker(cluster: Cluster, pg_db: Database) -> None:
    (cluster.home / "config" / "schedules.toml").write_text(SCHEDULES)
    triggered = run_cli(cluster.home, "schedule", "trigger", "nightly", extra_bots=BOTS)
    assert triggered.returncode == 0, triggered.stdout + triggered.stderr
    (run,) = list_runs(pg_db)
    assert f"run {run.id}: pending (queued" in triggered.stdout
    assert run.status == RunStatus.PENDING and run.trigger == "manual" and run.schedule == "nightly"
    assert run.pid is None  # nothing ran on this machine
    with pg_db.read() as s:
        jobs = s.execute(
            text("SELECT queue_name, task_name, args->>'run_id', status FROM procrastinate_jobs")
        ).all()
    assert [tuple(j) for j in jobs] == [("bot.tick", "rpa.execute_run", str(run.id), "todo")]

    cluster.worker("w1")
    done = wait_for(lambda: (r := get_run(pg_db, run.id)).status.finished and r, 40, "a worker to run it")
    assert done.status == RunStatus.SUCCEEDED and done.worker and "/w1 (worker" in done.worker
