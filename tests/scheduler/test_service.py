"""The scheduler service: one per home, misfires after downtime, a killed run resumed without duplicates."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest
from sqlalchemy import select

from rpa.settings import Settings
from rpa.store.db import Database
from rpa.store.models import AuditEvent, Run
from scheduler.service import serve
from tests.conftest import run_cli
from tests.scheduler.conftest import (
    BOT_IDS,
    RUN,
    TEST_BOTS,
    EffectFiles,
    start_scheduler,
    stop_process,
    wait_for,
    write_schedules,
)


def _runs(db: Database) -> list[Run]:
    with db.read() as s:
        return list(s.execute(select(Run).order_by(Run.id)).scalars())


def _events(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_two_schedulers_started_at_once_one_refuses(
    rpa_home: Path, effects: EffectFiles, tmp_path: Path
) -> None:
    write_schedules(rpa_home, '[schedules.fx]\nbot = "effects"\ncron = "0 7 1 1 *"\n')
    procs = [start_scheduler(rpa_home, tmp_path / f"s{n}.log") for n in range(2)]
    try:
        loser = wait_for(
            lambda: next((p for p in procs if p.poll() is not None), None), 60, "one scheduler to give up"
        )
        winner = next(p for p in procs if p is not loser)
        time.sleep(0.5)
        assert winner.poll() is None, "the scheduler holding the lock must keep running"
    finally:
        for p in procs:
            stop_process(p)
    output = (tmp_path / f"s{procs.index(loser)}.log").read_text()
    assert loser.returncode != 0
    assert f"another scheduler (pid {winner.pid}) is active" in output
    assert winner.returncode == 0  # SIGTERM is a clean stop


def test_fires_missed_while_down_are_recorded_and_made_up_once(
    settings: Settings, db: Database, rpa_home: Path, effects: EffectFiles
) -> None:
    now = datetime.now(UTC)
    hour = (now.hour + 12) % 24  # a daily fire far from now: exactly three fall in the last three days
    write_schedules(
        rpa_home,
        f"""
[schedules.late_ok]
bot = "effects"
cron = "0 {hour} * * *"
timezone = "UTC"
misfire = "run_once_late"
grace_s = 172800

[schedules.no_catchup]
bot = "mixed"
cron = "0 {hour} * * *"
timezone = "UTC"
misfire = "skip"
""",
    )
    # The service last ran three days ago (its clock says so): the jobs' next fires are stored from then.
    already_stopped = threading.Event()
    already_stopped.set()
    serve(
        settings,
        db,
        bot_ids=BOT_IDS,
        command=RUN,
        clock=lambda: now - timedelta(days=3),
        stop_event=already_stopped,
    )
    assert _runs(db) == []

    stop = threading.Event()
    service = threading.Thread(
        target=serve, args=(settings, db), kwargs={"stop_event": stop, "bot_ids": BOT_IDS, "command": RUN}
    )
    service.start()
    try:

        def settled() -> bool:
            late = [r for r in _runs(db) if r.trigger == "catchup"]
            return len(_runs(db)) >= 7 and bool(late) and late[0].status not in ("pending", "running")

        wait_for(settled, 60, "missed fires recorded and the late run finished")
    finally:
        stop.set()
        service.join(30)

    runs = _runs(db)
    missed = {
        name: sorted(r.scheduled_for for r in runs if r.schedule == name and r.status == "missed")
        for name in ("late_ok", "no_catchup")
    }
    assert len(missed["late_ok"]) == 3 and missed["late_ok"] == missed["no_catchup"]
    assert all(now - timedelta(days=3) < t <= now for t in missed["late_ok"])
    assert len(_events(db, "run.missed")) == 6
    (late,) = [r for r in runs if r.trigger == "catchup"]
    assert (late.schedule, late.bot, late.status) == ("late_ok", "effects", "succeeded")
    (coalesced,) = _events(db, "run.coalesced")
    assert coalesced.target_id == str(late.id)
    assert sorted(json.loads(coalesced.details)["missed_runs"]) == sorted(
        r.id for r in runs if r.schedule == "late_ok" and r.status == "missed"
    )
    assert not [r for r in runs if r.schedule == "no_catchup" and r.status != "missed"]
    assert len(effects.lines()) == 5
    listing = run_cli(rpa_home, "runs", "list", extra_bots=TEST_BOTS)
    assert listing.stdout.count("missed") == 6, listing.stdout + listing.stderr


@pytest.mark.slow
def test_a_killed_run_is_interrupted_then_completed_without_duplicate_effects(
    settings: Settings, db: Database, rpa_home: Path, effects: EffectFiles, tmp_path: Path
) -> None:
    write_schedules(rpa_home, '[schedules.fx]\nbot = "effects"\nevery_s = 4\nmisfire = "skip"\n')
    effects.pause_flag.write_text("hang")
    scheduler = start_scheduler(rpa_home, tmp_path / "first.log")
    try:
        wait_for(effects.paused_marker.exists, 60, "the scheduled run to hang after acting on e3")
        hung = wait_for(
            lambda: next((r for r in _runs(db) if r.status == "running"), None),
            30,
            "the run record to say running",
        )
    finally:
        stop_process(scheduler)  # the run process lives in its own session: it goes on hanging
    assert hung.pid is not None and hung.trigger == "schedule"
    os.kill(hung.pid, signal.SIGKILL)
    # Gone for good, not a zombie waiting for init: the kit's liveness check counts zombies as alive.
    wait_for(lambda: not psutil.pid_exists(hung.pid), 30, "the killed run process to be reaped")

    scheduler = start_scheduler(rpa_home, tmp_path / "second.log")
    try:
        done = wait_for(
            lambda: next((r for r in _runs(db) if r.id > hung.id and r.status == "succeeded"), None),
            60,
            "a later scheduled run to complete the work",
        )
    finally:
        stop_process(scheduler)

    with db.read() as s:
        assert s.get_one(Run, hung.id).status == "interrupted"
    (interrupted,) = _events(db, "run.interrupted")
    assert interrupted.target_id == str(hung.id) and interrupted.actor == "system:scheduler"
    assert done.trigger == "schedule"
    # Every effect exactly once: e3 was written before the kill and found in the target, not redone.
    assert sorted(effects.lines()) == [f"target:e{n}" for n in range(1, 6)]
    listing = run_cli(rpa_home, "runs", "list", extra_bots=TEST_BOTS)
    assert "interrupted" in listing.stdout and "succeeded" in listing.stdout
