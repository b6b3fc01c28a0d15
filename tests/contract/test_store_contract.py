"""Run records on both backends: one record per fire, missed fires, workers, interruptions."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from rpa.audit.trail import AuditTrail
from rpa.bot import RunStatus
from rpa.errors import ConfigError
from rpa.runs import (
    assign_worker,
    claim_fire,
    create_run,
    finish_run,
    get_run,
    interrupt_run,
    list_runs,
    record_missed,
    start_run,
)
from rpa.store.db import Database, DatabaseUrlError
from rpa.store.models import Run
from tests.contract.workers import FIRE, claim_one_fire

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
AUDIT = AuditTrail("system:test")


def test_a_run_round_trips_with_aware_instants(backend: Database) -> None:
    run_id = create_run(backend, AUDIT, "effects", trigger="manual", now=T0, requested_by="user:ops")
    start_run(backend, AUDIT, run_id, T0 + timedelta(seconds=1))
    finish_run(backend, AUDIT, run_id, RunStatus.SUCCEEDED, T0 + timedelta(seconds=5), {"done": 3})
    run = get_run(backend, run_id)
    assert run.status == RunStatus.SUCCEEDED
    assert run.started_at == T0 + timedelta(seconds=1)
    assert run.finished_at is not None and run.finished_at.tzinfo is not None
    assert run.summary == {"done": 3}
    assert [r.id for r in list_runs(backend, bot="effects")] == [run_id]


def test_a_fire_gets_one_run_record_however_many_claim_it(backend: Database) -> None:
    first = claim_fire(
        backend, AUDIT, "effects", trigger="schedule", now=FIRE, schedule="nightly", scheduled_for=FIRE,
        requested_by=None,
    )  # fmt: skip
    again = claim_fire(
        backend, AUDIT, "effects", trigger="schedule", now=FIRE, schedule="nightly", scheduled_for=FIRE,
        requested_by=None,
    )  # fmt: skip
    assert first is not None and first.status == RunStatus.PENDING
    assert again is None


def test_concurrent_schedulers_claiming_one_fire_make_one_run(backend: Database) -> None:
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        ids = pool.starmap(claim_one_fire, [(backend.url, n) for n in range(4)])
    assert len([i for i in ids if i is not None]) == 1
    with backend.read() as s:
        assert s.execute(select(func.count()).select_from(Run)).scalar() == 1


def test_missed_fires_are_recorded_once(backend: Database) -> None:
    fires = [T0, T0 + timedelta(hours=1)]
    first = record_missed(backend, AUDIT, "effects", "hourly", fires, T0 + timedelta(hours=3))
    second = record_missed(backend, AUDIT, "effects", "hourly", fires, T0 + timedelta(hours=3))
    assert [t for _, t in first] == fires
    assert second == []
    assert {r.status for r in list_runs(backend)} == {RunStatus.MISSED}


def test_a_run_records_its_worker_and_is_interrupted_when_the_worker_dies(backend: Database) -> None:
    run_id = create_run(backend, AUDIT, "effects", trigger="schedule", now=T0)
    assign_worker(backend, AUDIT, run_id, "host-b:4242/worker (worker 7)", T0)
    start_run(backend, AUDIT, run_id, T0)
    status = interrupt_run(backend, AUDIT, run_id, T0, "worker stopped sending heartbeats", {})
    run = get_run(backend, run_id)
    assert status == RunStatus.INTERRUPTED == run.status
    assert run.worker == "host-b:4242/worker (worker 7)"
    # A finished run keeps its outcome: a second worker noticing the same death changes nothing.
    assert interrupt_run(backend, AUDIT, run_id, T0, "again", {}) is None
    assert get_run(backend, run_id).error == "worker stopped sending heartbeats"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "is not a database URL"),
        ("oracle://scott@db/orcl", "unsupported database 'oracle'"),
        ("postgresql+pg8000://rpa:s3cret@127.0.0.1/rpa", "driver 'postgresql+pg8000' is not installed"),
    ],
)
def test_a_bad_database_url_is_one_line_naming_it(url: str, expected: str) -> None:
    with pytest.raises(DatabaseUrlError) as caught:
        Database(url)
    message = str(caught.value)
    assert expected in message and "\n" not in message
    assert "s3cret" not in message


def test_a_database_not_upgraded_is_refused_naming_the_command(backend_url: str) -> None:
    fresh = Database(backend_url)
    try:
        with pytest.raises(ConfigError, match=r"run `rpa db upgrade`"):
            fresh.check_current()
        fresh.upgrade()
        fresh.check_current()
    finally:
        fresh.dispose()
