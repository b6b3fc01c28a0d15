"""Dispatching fires into real run processes: one run per fire, chains, one run per bot, pause, trigger."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from rpa.audit.trail import AuditTrail
from rpa.bot import RunStatus
from rpa.runs import create_run, finish_run, start_run
from rpa.settings import Settings
from rpa.store.db import Database
from rpa.store.models import AuditEvent, Run
from scheduler import commands
from scheduler.dispatch import FireResult, fire
from tests.conftest import REPO, cli_env
from tests.scheduler.conftest import BOT_IDS, RUN, TEST_BOTS, EffectFiles, wait_for, write_schedules

SCHEDULES = """
[schedules.fx]
bot = "effects"
cron = "0 7 * * *"
timezone = "UTC"

[schedules.reminders]
bot = "effects"
cron = "0 9 * * *"
timezone = "UTC"
after = "mixed"
"""


def events(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as s:
        return list(s.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def runs(db: Database) -> list[Run]:
    with db.read() as s:
        return list(s.execute(select(Run).order_by(Run.id)).scalars())


def test_a_fire_delivered_twice_at_once_makes_one_run(
    settings: Settings, db: Database, rpa_home: Path, effects: EffectFiles
) -> None:
    write_schedules(rpa_home, SCHEDULES)
    when = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    results: list[FireResult] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(fire(settings, db, "fx", when, bot_ids=BOT_IDS, command=RUN))
        )
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert sorted(r.status for r in results) == ["duplicate", "succeeded"]
    (run,) = runs(db)
    assert (run.schedule, run.scheduled_for, run.trigger) == ("fx", when, "schedule")
    assert len(events(db, "run.created")) == 1
    assert sorted(effects.lines()) == [f"target:e{n}" for n in range(1, 6)]
    # Delivered again later (a restart replaying the same fire): still nothing new.
    assert fire(settings, db, "fx", when, bot_ids=BOT_IDS, command=RUN).status == "duplicate"
    assert len(runs(db)) == 1


def test_reminders_do_not_run_on_a_day_the_reconciliation_failed(
    settings: Settings, db: Database, rpa_home: Path, effects: EffectFiles
) -> None:
    write_schedules(rpa_home, SCHEDULES)
    now = datetime.now(UTC)
    audit = AuditTrail("user:test")
    upstream = create_run(db, audit, "mixed", trigger="schedule", now=now - timedelta(minutes=1))
    start_run(db, audit, upstream, now)
    finish_run(db, audit, upstream, RunStatus.FAILED, now, {}, "ERP down")

    blocked = fire(settings, db, "reminders", now, bot_ids=BOT_IDS, command=RUN)

    assert blocked.status == "skipped_upstream"
    assert "upstream bot mixed has not succeeded" in (blocked.error or "")
    assert f"{upstream}, is failed" in (blocked.error or "")
    assert effects.lines() == []  # no run process was started
    (event,) = events(db, "run.skipped_upstream")
    assert event.target_id == str(blocked.run_id) and json.loads(event.details)["upstream"] == "mixed"

    # Once the reconciliation succeeded the same day, the next fire runs.
    again = create_run(db, audit, "mixed", trigger="manual", now=now)
    start_run(db, audit, again, now)
    finish_run(db, audit, again, RunStatus.SUCCEEDED_WITH_EXCEPTIONS, now, {})
    assert (
        fire(settings, db, "reminders", now + timedelta(seconds=1), bot_ids=BOT_IDS, command=RUN).status
        == "succeeded"
    )
    assert len(effects.lines()) == 5


def _start_hanging_run(rpa_home: Path, effects: EffectFiles) -> subprocess.Popen[bytes]:
    effects.pause_flag.write_text("hang")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rpa_cli", "run", "effects"],
        cwd=REPO,
        env=cli_env(rpa_home, TEST_BOTS),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(effects.paused_marker.exists, 60, "the run to hang after e3")
    return proc


def test_manual_trigger_while_the_bot_runs_is_skipped(
    settings: Settings, db: Database, rpa_home: Path, effects: EffectFiles
) -> None:
    write_schedules(rpa_home, SCHEDULES)
    proc = _start_hanging_run(rpa_home, effects)
    try:
        run_id, status = commands.trigger(settings, db, BOT_IDS, RUN, "fx", "alice")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    assert status == "skipped_already_running"
    with db.read() as s:
        run = s.get_one(Run, run_id)
    assert (run.trigger, run.requested_by, run.schedule) == ("manual", "user:alice", "fx")
    assert "is still running" in (run.error or "")
    (triggered,) = events(db, "schedule.triggered")
    assert triggered.actor == "user:alice" and triggered.target_id == "fx"
    assert [e.target_id for e in events(db, "run.skipped_already_running")] == [str(run_id)]
    assert effects.lines() == ["target:e1", "target:e2", "target:e3"]  # nothing written by the skipped run


def test_pause_and_resume_are_persisted_and_audited(settings: Settings, db: Database, rpa_home: Path) -> None:
    write_schedules(rpa_home, SCHEDULES)
    assert commands.set_paused(settings, db, BOT_IDS, "fx", "bob", True) is True
    assert (
        commands.set_paused(settings, db, BOT_IDS, "fx", "bob", True) is False
    )  # already paused: no second event

    rows = {r["name"]: r for r in commands.schedule_rows(settings, db, BOT_IDS)}
    assert rows["fx"]["paused"] is True and rows["fx"]["next"] == []
    assert rows["reminders"]["paused"] is False and len(rows["reminders"]["next"]) == 3
    assert rows["reminders"]["next"][0].endswith("09:00 UTC")
    assert (
        fire(settings, db, "fx", datetime(2026, 3, 3, 7, tzinfo=UTC), bot_ids=BOT_IDS, command=RUN).status
        == "paused"
    )
    assert runs(db) == []

    assert commands.set_paused(settings, db, BOT_IDS, "fx", "carol", False) is True
    assert [(e.action, e.actor) for e in events(db, "schedule.paused") + events(db, "schedule.resumed")] == [
        ("schedule.paused", "user:bob"),
        ("schedule.resumed", "user:carol"),
    ]
    assert {r["name"]: r for r in commands.schedule_rows(settings, db, BOT_IDS)}["fx"]["paused"] is False
