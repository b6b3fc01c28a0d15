"""Two schedulers and three workers on one PostgreSQL: the leader dies, the other leads within the bound;
no fire runs twice and none is lost without a ``missed`` record."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from rpa.bot import RunStatus
from rpa.runs import list_runs
from rpa.store.db import Database
from rpa.store.models import AuditEvent
from tests.scaleout.conftest import TAKEOVER_S, Cluster, kill_tree, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
EVERY_S = 2


def _events(db: Database, action: str) -> list[AuditEvent]:
    with db.read() as s:
        return list(
            s.execute(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
            ).scalars()
        )


def _leader(db: Database, count: int) -> str | None:
    events = _events(db, "scheduler.leader_acquired")
    return events[-1].target_id if len(events) >= count else None


def test_the_standby_takes_over_and_every_fire_is_run_or_recorded_missed(
    cluster: Cluster, pg_db: Database
) -> None:
    (cluster.home / "config" / "schedules.toml").write_text(
        f'[schedules.tick]\nbot = "tick"\nevery_s = {EVERY_S}\ngrace_s = 3\nmisfire = "skip"\n'
    )
    for n in range(3):
        cluster.worker(f"w{n}")
    schedulers = {p.pid: p for p in (cluster.scheduler("s1"), cluster.scheduler("s2"))}
    first = wait_for(lambda: _leader(pg_db, 1), 90, "a leader")
    leader_pid = int(first.split(":")[-1])
    assert leader_pid in schedulers
    wait_for(
        lambda: any(r.status == RunStatus.SUCCEEDED for r in list_runs(pg_db, bot="tick")),
        90,
        "a run executed by a worker",
    )

    kill_tree(leader_pid)
    killed_at = time.monotonic()
    second = wait_for(lambda: _leader(pg_db, 2), TAKEOVER_S + 10, "the standby to take over")
    took_over_s = time.monotonic() - killed_at
    assert int(second.split(":")[-1]) != leader_pid
    assert took_over_s < TAKEOVER_S, f"takeover took {took_over_s:.1f}s"
    acquired = _events(pg_db, "scheduler.leader_acquired")[-1]
    assert json.loads(acquired.details)["previous"] == first

    # The new leader dispatches: runs after the takeover succeed too.
    after = max(r.id for r in list_runs(pg_db, bot="tick"))
    wait_for(
        lambda: any(r.id > after and r.status == RunStatus.SUCCEEDED for r in list_runs(pg_db, bot="tick")),
        90,
        "a run dispatched by the new leader",
    )
    cluster.stop_all()

    runs = [r for r in list_runs(pg_db, bot="tick", limit=None) if r.trigger == "schedule"]
    fires = sorted(r.scheduled_for for r in runs if r.scheduled_for is not None)
    assert len(fires) == len(set(fires)), "a fire has two run records"
    grid = _grid(fires[0], fires[-1])
    assert fires == grid, f"fires without any record: {sorted(set(grid) - set(fires))}"
    for run in runs:
        assert run.status in (
            RunStatus.SUCCEEDED, RunStatus.MISSED, RunStatus.SKIPPED_ALREADY_RUNNING, RunStatus.PENDING,
            RunStatus.RUNNING, RunStatus.FAILED,
        ), run  # fmt: skip
    started = [e.target_id for e in _events(pg_db, "run.started")]
    assert len(started) == len(set(started)), "a run was started twice"
    missed = {e.target_id for e in _events(pg_db, "run.missed")}
    assert missed == {str(r.id) for r in runs if r.status == RunStatus.MISSED}


def _grid(start: datetime, end: datetime) -> list[datetime]:
    found, t = [], start
    while t <= end:
        found.append(t)
        t += timedelta(seconds=EVERY_S)
    return found
