"""A new leader handles the fires nobody handled since its predecessor's last heartbeat: each one gets a
run record (run now, or ``missed`` by the policy, audited), and each run to execute gets its queue job in
the same transaction."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from rpa.bot import RunStatus
from rpa.runs import list_runs
from rpa.settings import Settings, load_settings
from rpa.store.db import Database
from scheduler.leader import run_scheduler_with_leadership
from tests.scaleout.conftest import wait_for

pytestmark = pytest.mark.postgres
EVERY_S = 5


@pytest.fixture
def db(pg_url: str) -> Iterator[Database]:
    database = Database(pg_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def settings(rpa_home: Path, pg_url: str) -> Settings:
    (rpa_home / "config" / "schedules.toml").write_text(
        f'[schedules.tick]\nbot = "tick"\nevery_s = {EVERY_S}\ngrace_s = 2\nmisfire = "skip"\n'
    )
    return load_settings(home=rpa_home, database={"url": pg_url}, scaleout={"leader_takeover_s": 4})


def test_fires_since_the_dead_leader_s_last_heartbeat_are_each_recorded_once(
    settings: Settings, db: Database
) -> None:
    now = datetime.now(UTC)
    with db.transaction() as s:  # a leader that died 40 s ago, after leading for 10 minutes
        s.execute(
            text("INSERT INTO scheduler_leader VALUES (1, 'gone:1', :a, :h, :a)"),
            {"a": now - timedelta(minutes=10), "h": now - timedelta(seconds=40)},
        )
    stop = threading.Event()
    leader = threading.Thread(
        target=run_scheduler_with_leadership,
        args=(settings, db, stop),
        kwargs={"bot_ids": {"tick"}, "command": lambda *a: []},
    )
    leader.start()
    try:
        wait_for(lambda: len(list_runs(db, bot="tick")) >= 8, 30, "the replayed fires to be recorded")
        wait_for(
            lambda: any(r.status == RunStatus.PENDING for r in list_runs(db, bot="tick")),
            30,
            "a fire on time, enqueued for a worker",
        )
    finally:
        stop.set()
        leader.join(30)
    assert not leader.is_alive()
    runs = [r for r in list_runs(db, bot="tick", limit=None) if r.trigger == "schedule"]
    fires = sorted(r.scheduled_for for r in runs if r.scheduled_for)
    assert len(fires) == len(set(fires))
    assert all(b - a == timedelta(seconds=EVERY_S) for a, b in itertools.pairwise(fires))
    # From the dead leader's last heartbeat, less the margin (2 heartbeats + 5 s): nothing older.
    assert fires[0] > now - timedelta(seconds=40 + 2 + 5) - timedelta(seconds=EVERY_S)
    assert fires[0] <= now - timedelta(seconds=40)
    missed = [r for r in runs if r.status == RunStatus.MISSED]
    assert len(missed) >= 7 and all(r.error and "RUN_MISSED" in r.error for r in missed)
    with db.read() as s:
        audited = set(
            s.execute(text("SELECT target_id FROM audit_events WHERE action = 'run.missed'")).scalars()
        )
        jobs = dict(
            s.execute(text("SELECT (args->>'run_id')::int, queue_name FROM procrastinate_jobs")).all()
        )
        acquired = s.execute(
            text("SELECT details FROM audit_events WHERE action = 'scheduler.leader_acquired'")
        ).scalar_one()
    assert audited == {str(r.id) for r in missed}
    executed = [r for r in runs if r.status == RunStatus.PENDING]
    assert executed, "the fires on time were dispatched"
    assert {r.id: "bot.tick" for r in executed}.items() <= jobs.items()
    assert '"previous":"gone:1"' in acquired
