"""Run records: create, claim, finish, and find the runs whose process died (interrupted)."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psutil
from sqlalchemy import select
from sqlalchemy.orm import Session

from rpa.audit.trail import AuditTrail
from rpa.bot import RunOutcome
from rpa.store.db import Database
from rpa.store.models import Run

PENDING, RUNNING = "pending", "running"


def add_run(
    s: Session,
    audit: AuditTrail,
    bot: str,
    *,
    trigger: str,
    now: datetime,
    schedule: str | None = None,
    scheduled_for: datetime | None = None,
    requested_by: str | None = None,
    dry_run: bool = False,
    status: str = PENDING,
) -> Run:
    """Insert a run record and its audit event in the caller's transaction (flushed: the unique
    ``(schedule, scheduled_for)`` key is checked here, raising IntegrityError for a fire seen before)."""
    run = Run(
        bot=bot,
        trigger=trigger,
        schedule=schedule,
        scheduled_for=scheduled_for,
        status=status,
        dry_run=dry_run,
        created_at=now,
        requested_by=requested_by,
        summary={},
    )
    s.add(run)
    s.flush()
    audit.record(
        s,
        "run.created",
        "run",
        str(run.id),
        outcome=status if status != PENDING else "ok",
        details={
            "bot": bot,
            "trigger": trigger,
            "schedule": schedule,
            "scheduled_for": scheduled_for,
            "dry_run": dry_run,
            "requested_by": requested_by,
        },
    )
    return run


def create_run(
    db: Database,
    audit: AuditTrail,
    bot: str,
    *,
    trigger: str,
    now: datetime,
    schedule: str | None = None,
    scheduled_for: datetime | None = None,
    requested_by: str | None = None,
    dry_run: bool = False,
    status: str = PENDING,
) -> int:
    """Insert a run record (with its audit event) in a transaction of its own; return its id."""
    with db.transaction() as s:
        return add_run(
            s,
            audit,
            bot,
            trigger=trigger,
            now=now,
            schedule=schedule,
            scheduled_for=scheduled_for,
            requested_by=requested_by,
            dry_run=dry_run,
            status=status,
        ).id


def mark_started(db: Database, audit: AuditTrail, run_id: int, now: datetime) -> None:
    with db.transaction() as s:
        run = s.get_one(Run, run_id)
        run.status, run.started_at, run.pid, run.host = RUNNING, now, os.getpid(), socket.gethostname()
        audit.record(s, "run.started", "run", str(run_id), details={"bot": run.bot, "pid": run.pid})


def mark_finished(
    db: Database,
    audit: AuditTrail,
    run_id: int,
    outcome: RunOutcome,
    now: datetime,
    summary: dict[str, Any],
    error: str | None = None,
) -> None:
    with db.transaction() as s:
        run = s.get_one(Run, run_id)
        run.status, run.finished_at, run.summary, run.error = str(outcome), now, summary, error
        audit.record(
            s,
            "run.finished",
            "run",
            str(run_id),
            outcome=str(outcome),
            details={k: v for k, v in summary.items() if k != "error"} | {"error": error},
        )


def _process_alive(pid: int | None, started_at: datetime | None) -> bool:
    if pid is None or not psutil.pid_exists(pid):
        return False
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:  # killed, not yet reaped by its parent: it is dead
            return False
        created = proc.create_time()
    except psutil.Error:
        return False
    # A recycled pid belongs to a process created after our run started.
    return started_at is None or created <= started_at.timestamp() + 1


def detect_interrupted(
    db: Database,
    audit: AuditTrail,
    now: datetime,
    bot: str | None = None,
    alive: Callable[[int | None, datetime | None], bool] = _process_alive,
) -> list[int]:
    """Mark ``running`` runs of this host whose process is gone as ``interrupted``; return their ids."""
    host = socket.gethostname()
    marked = []
    with db.transaction() as s:
        q = select(Run).where(Run.status == RUNNING)
        if bot:
            q = q.where(Run.bot == bot)
        for run in s.execute(q).scalars():
            if run.host not in (None, host) or alive(run.pid, run.started_at):
                continue
            run.status, run.finished_at = str(RunOutcome.INTERRUPTED), now
            run.error = f"run process {run.pid} on {run.host} died before the run finished"
            audit.record(
                s,
                "run.interrupted",
                "run",
                str(run.id),
                outcome=str(RunOutcome.INTERRUPTED),
                details={"bot": run.bot, "pid": run.pid},
            )
            marked.append(run.id)
    return marked
