"""Run records, one owner: create, claim a fire, skip, start, finish, time out, close unstarted,
record missed fires, detect interrupted runs, and read them back.

Nothing else writes the ``runs`` table. Every change is audited in the same transaction. Writers that
must share a transaction with other work (the scale-out's enqueueing) use :func:`add_run` with their
own session.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psutil
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rpa.audit.trail import AuditTrail
from rpa.bot import RunStatus
from rpa.errors import ConfigError
from rpa.store.db import Database
from rpa.store.models import Run

Alive = Callable[[int | None, datetime | None], bool]


@dataclass(frozen=True)
class RunRecord:
    """A run record as read (detached from the database)."""

    id: int
    bot: str
    trigger: str
    status: RunStatus
    created_at: datetime
    schedule: str | None = None
    scheduled_for: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    pid: int | None = None
    host: str | None = None
    requested_by: str | None = None
    dry_run: bool = False
    worker: str | None = None  # scale-out: the worker (host:pid/name) that ran it
    resumed_from: int | None = None  # the interrupted run this one resumed (its report covers both)
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def exceptions(self) -> int:
        """Items the run left for a person (business, application, needs review)."""
        keys = ("business_exceptions", "application_exceptions", "needs_review")
        return sum(int(self.summary.get(k, 0)) for k in keys)

    @classmethod
    def of(cls, run: Run) -> RunRecord:
        return cls(
            id=run.id, bot=run.bot, trigger=run.trigger, status=RunStatus(run.status),
            created_at=run.created_at, schedule=run.schedule, scheduled_for=run.scheduled_for,
            started_at=run.started_at, finished_at=run.finished_at, pid=run.pid, host=run.host,
            requested_by=run.requested_by, dry_run=run.dry_run, summary=dict(run.summary or {}),
            error=run.error, worker=run.worker, resumed_from=run.resumed_from,
        )  # fmt: skip


@dataclass(frozen=True)
class Upstream:
    """A chain rule: the run may start only if ``bot`` succeeded in ``[start, end)`` (``day`` names it)."""

    bot: str
    start: datetime
    end: datetime
    day: str


def process_alive(pid: int | None, started_at: datetime | None) -> bool:
    """True when ``pid`` is a live process that existed when the run started (not a recycled pid)."""
    if pid is None or not psutil.pid_exists(pid):
        return False
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:  # killed, not yet reaped by its parent: it is dead
            return False
        created = proc.create_time()
    except psutil.Error:
        return False
    return started_at is None or created <= started_at.timestamp() + 1


# --- creating ----------------------------------------------------------------------------------------


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
) -> Run:
    """Insert a pending run record and its audit event in the caller's transaction (flushed: the unique
    ``(schedule, scheduled_for)`` key is checked here, raising IntegrityError for a fire seen before)."""
    run = Run(
        bot=bot, trigger=trigger, schedule=schedule, scheduled_for=scheduled_for, status=RunStatus.PENDING,
        dry_run=dry_run, created_at=now, requested_by=requested_by, summary={},
    )  # fmt: skip
    s.add(run)
    s.flush()
    audit.record(
        s,
        "run.created",
        "run",
        str(run.id),
        details={"bot": bot, "trigger": trigger, "schedule": schedule, "scheduled_for": scheduled_for,
                 "dry_run": dry_run, "requested_by": requested_by},
    )  # fmt: skip
    return run


def create_run(
    db: Database,
    audit: AuditTrail,
    bot: str,
    *,
    trigger: str,
    now: datetime,
    requested_by: str | None = None,
    dry_run: bool = False,
) -> int:
    """Insert a pending run record (with its audit event) in a transaction of its own; return its id."""
    with db.transaction() as s:
        run = add_run(s, audit, bot, trigger=trigger, now=now, requested_by=requested_by, dry_run=dry_run)
        return run.id


def claim_fire(
    db: Database,
    audit: AuditTrail,
    bot: str,
    *,
    trigger: str,
    now: datetime,
    schedule: str | None,
    scheduled_for: datetime | None,
    requested_by: str | None,
    coalesced: Sequence[tuple[int, datetime]] = (),
    upstream: Upstream | None = None,
    alive: Alive = process_alive,
    then: Callable[[Session, Run], str | None] | None = None,
) -> RunRecord | None:
    """Record the run of one fire, or None when this fire already has one (it never runs twice).

    In the same transaction: the missed fires this run makes up for (``run.coalesced``), and the
    rules that skip it at once: the chain's upstream bot has not succeeded (``skipped_upstream``),
    or a run of the same bot is still alive (``skipped_already_running``).
    ``then`` is called in the same transaction with a run that stays pending (the scale-out enqueues
    it there); a reason it returns skips the run (``skipped_already_running``).
    """
    try:
        with db.transaction() as s:
            run = add_run(
                s, audit, bot, trigger=trigger, now=now, schedule=schedule, scheduled_for=scheduled_for,
                requested_by=requested_by,
            )  # fmt: skip
            if coalesced:
                audit.record(
                    s,
                    "run.coalesced",
                    "run",
                    str(run.id),
                    details={"schedule": schedule, "missed_runs": [r for r, _ in coalesced],
                             "missed_fires": [t for _, t in coalesced]},
                )  # fmt: skip
            blocked = _upstream_problem(s, upstream) if upstream else None
            if blocked:
                _skip(
                    s,
                    audit,
                    run,
                    RunStatus.SKIPPED_UPSTREAM,
                    blocked,
                    now,
                    {"upstream": upstream and upstream.bot},
                )
            elif (holder := _live_run_of(s, bot, alive)) is not None:
                reason = f"run {holder.id} of {bot} is still running (process {holder.pid})"
                _skip(
                    s, audit, run, RunStatus.SKIPPED_ALREADY_RUNNING, reason, now, {"running_run": holder.id}
                )
            elif then is not None and (refused := then(s, run)) is not None:
                _skip(s, audit, run, RunStatus.SKIPPED_ALREADY_RUNNING, refused, now, {})
            return RunRecord.of(run)
    except IntegrityError:
        return None


def _skip(
    s: Session,
    audit: AuditTrail,
    run: Run,
    status: RunStatus,
    reason: str,
    now: datetime,
    details: dict[str, Any],
) -> None:
    run.status, run.finished_at, run.error = status, now, reason
    run.summary = {"run_id": run.id, "bot": run.bot, "outcome": str(status), "error": reason}
    audit.record(
        s, f"run.{status}", "run", str(run.id), outcome=str(status),
        details={"bot": run.bot, "reason": reason, **details},
    )  # fmt: skip


def _upstream_problem(s: Session, up: Upstream) -> str | None:
    runs = (
        s.execute(
            select(Run)
            .where(Run.bot == up.bot, Run.created_at >= up.start, Run.created_at < up.end)
            .order_by(Run.id.desc())
        )
        .scalars()
        .all()
    )
    if any(RunStatus(r.status).succeeded for r in runs):
        return None
    last = f"its last run today, {runs[0].id}, is {runs[0].status}" if runs else "it has not run today"
    return f"upstream bot {up.bot} has not succeeded on {up.day}: {last}"


def _live_run_of(s: Session, bot: str, alive: Alive) -> Run | None:
    host = socket.gethostname()
    for run in s.execute(select(Run).where(Run.bot == bot, Run.status == RunStatus.RUNNING)).scalars():
        # A run on another machine cannot be checked from here: it counts as alive.
        if run.host not in (None, host) or alive(run.pid, run.started_at):
            return run
    return None


def record_missed(
    db: Database,
    audit: AuditTrail,
    bot: str,
    schedule: str,
    fires: Sequence[datetime],
    now: datetime,
    details: dict[str, Any] | None = None,
) -> list[tuple[int, datetime]]:
    """One ``missed`` run per fire of ``schedule`` not recorded yet; return (run id, fire) of the new ones."""
    recorded: list[tuple[int, datetime]] = []
    with db.transaction() as s:
        known = set(
            s.execute(
                select(Run.scheduled_for).where(Run.schedule == schedule, Run.scheduled_for.in_(list(fires)))
            ).scalars()
        )
        for instant in sorted(set(fires) - known):
            late = int((now - instant).total_seconds())
            run = Run(
                bot=bot, trigger="schedule", schedule=schedule, scheduled_for=instant,
                status=RunStatus.MISSED, dry_run=False, created_at=now, finished_at=now, summary={},
                error=f"[RUN_MISSED] not started at {instant.isoformat()}: the scheduler was not running "
                f"(handled {late}s late)",
            )  # fmt: skip
            s.add(run)
            s.flush()
            audit.record(
                s, "run.missed", "run", str(run.id), outcome=str(RunStatus.MISSED),
                details={"bot": bot, "schedule": schedule, "scheduled_for": instant, **(details or {})},
            )  # fmt: skip
            recorded.append((run.id, instant))
    return recorded


# --- the life of a run -------------------------------------------------------------------------------


def start_run(db: Database, audit: AuditTrail, run_id: int, now: datetime) -> None:
    """The run process took the run: ``running``, with its pid and host (to detect its death later)."""
    with db.transaction() as s:
        run = _get(s, run_id)
        if RunStatus(run.status) != RunStatus.PENDING:
            raise ConfigError(
                f"run {run_id} of {run.bot} is {run.status}, not pending: a run record is executed once; "
                f"start a new run with `rpa run {run.bot}`",
                code="RUN_NOT_PENDING",
            )
        run.status, run.started_at, run.pid, run.host = (
            RunStatus.RUNNING,
            now,
            os.getpid(),
            socket.gethostname(),
        )
        audit.record(s, "run.started", "run", str(run_id), details={"bot": run.bot, "pid": run.pid})


def finish_run(
    db: Database,
    audit: AuditTrail,
    run_id: int,
    outcome: RunStatus,
    now: datetime,
    summary: dict[str, Any],
    error: str | None = None,
    *,
    expect: RunStatus | None = None,
) -> bool:
    """Close the run with its outcome and summary; with ``expect``, only if the run is in that status
    (its row locked meanwhile): returns whether it was closed here."""
    with db.transaction() as s:
        run = _get(s, run_id) if expect is None else _get_locked(s, run_id)
        if expect is not None and RunStatus(run.status) != expect:
            return False
        run.status, run.finished_at, run.summary, run.error = outcome, now, summary, error
        audit.record(
            s, "run.finished", "run", str(run_id), outcome=str(outcome),
            details={k: v for k, v in summary.items() if k != "error"} | {"error": error},
        )  # fmt: skip
    return True


def time_out(
    db: Database, audit: AuditTrail, run_id: int, now: datetime, *, timeout_s: float, pid: int | None
) -> RunStatus:
    """A run stopped for exceeding its timeout: ``failed`` with RUN_TIMEOUT unless it had finished."""
    with db.transaction() as s:
        run = _get(s, run_id)
        if RunStatus(run.status).finished:
            return RunStatus(run.status)
        run.status, run.finished_at = RunStatus.FAILED, now
        run.error = f"[RUN_TIMEOUT] the run exceeded its timeout of {timeout_s:g}s and was stopped"
        audit.record(
            s, "run.timed_out", "run", str(run.id), outcome=str(RunStatus.FAILED),
            details={"bot": run.bot, "timeout_s": timeout_s, "pid": pid},
        )  # fmt: skip
        return RunStatus.FAILED


def close_unstarted(
    db: Database, audit: AuditTrail, run_id: int, now: datetime, error: str, details: dict[str, Any]
) -> RunStatus:
    """A run whose process never took it (did not start, or exited first): ``failed`` with ``error``."""
    with db.transaction() as s:
        run = _get(s, run_id)
        if RunStatus(run.status) != RunStatus.PENDING:
            return RunStatus(run.status)
        run.status, run.finished_at, run.error = RunStatus.FAILED, now, error
        audit.record(
            s, "run.finished", "run", str(run.id), outcome=str(RunStatus.FAILED),
            details={"bot": run.bot, "error": error, **details},
        )  # fmt: skip
        return RunStatus.FAILED


def assign_worker(db: Database, audit: AuditTrail, run_id: int, worker: str, now: datetime) -> RunRecord:
    """A scale-out worker took the run's job: record which one (``rpa runs list`` shows it)."""
    with db.transaction() as s:
        run = _get(s, run_id)
        run.worker = worker
        audit.record(s, "run.assigned", "run", str(run_id), details={"bot": run.bot, "worker": worker})
        return RunRecord.of(run)


def interrupt_run(
    db: Database, audit: AuditTrail, run_id: int, now: datetime, reason: str, details: dict[str, Any]
) -> RunStatus | None:
    """A run whose worker disappeared (heartbeat stale): ``interrupted`` if it had started, ``failed`` if
    it never did. ``reason`` is kept as the run's error. Returns the new status, or None when the run
    had finished already (it keeps its outcome: several workers may notice the same death)."""
    with db.transaction() as s:
        run = _get(s, run_id)
        status = RunStatus(run.status)
        if status.finished:
            return None
        started = status == RunStatus.RUNNING
        run.status = RunStatus.INTERRUPTED if started else RunStatus.FAILED
        run.finished_at, run.error = now, reason
        said = {"bot": run.bot, "pid": run.pid} if started else {"bot": run.bot, "error": reason, **details}
        action = "run.interrupted" if started else "run.finished"
        audit.record(s, action, "run", str(run.id), outcome=str(run.status), details=said)
        return RunStatus(run.status)


def detect_interrupted(
    db: Database, audit: AuditTrail, now: datetime, bot: str | None = None, alive: Alive = process_alive
) -> list[RunRecord]:
    """Mark ``running`` runs of this host whose process is gone as ``interrupted``; return them."""
    host = socket.gethostname()
    marked = []
    with db.transaction() as s:
        q = select(Run).where(Run.status == RunStatus.RUNNING)
        if bot:
            q = q.where(Run.bot == bot)
        for run in s.execute(q).scalars():
            if run.host not in (None, host) or alive(run.pid, run.started_at):
                continue
            run.status, run.finished_at = RunStatus.INTERRUPTED, now
            run.error = f"run process {run.pid} on {run.host} died before the run finished"
            audit.record(
                s, "run.interrupted", "run", str(run.id), outcome=str(RunStatus.INTERRUPTED),
                details={"bot": run.bot, "pid": run.pid},
            )  # fmt: skip
            marked.append(RunRecord.of(run))
    return marked


RESUMABLE = (RunStatus.INTERRUPTED, RunStatus.FAILED)


def link_resumed(db: Database, audit: AuditTrail, run_id: int) -> int | None:
    """Make run ``run_id`` the resumption of the bot's previous run when that one stopped before its
    report (``interrupted`` or ``failed``) and no other run resumed it yet; return its id, or None.

    The resumed run's items are then worked and reported by this run: every decision appears in
    exactly one report. Dry runs resume only dry runs, real runs only real runs.
    """
    with db.transaction() as s:
        run = _get(s, run_id)
        previous = s.execute(
            select(Run)
            .where(
                Run.bot == run.bot, Run.id < run.id, Run.dry_run == run.dry_run, Run.started_at.is_not(None)
            )
            .order_by(Run.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if previous is None or RunStatus(previous.status) not in RESUMABLE:
            return None
        taken = s.execute(select(Run.id).where(Run.resumed_from == previous.id)).first()
        if taken is not None:
            return None
        run.resumed_from = previous.id
        audit.record(
            s, "run.resumed", "run", str(run.id),
            details={"bot": run.bot, "resumed_from": previous.id, "was": previous.status},
        )  # fmt: skip
        return previous.id


def resumed_chain(db: Database, run_id: int) -> list[int]:
    """``run_id`` and the runs it resumed, transitively, newest first."""
    chain: list[int] = []
    with db.read() as s:
        current: int | None = run_id
        while current is not None and current not in chain:
            chain.append(current)
            run = s.get(Run, current)
            current = run.resumed_from if run is not None else None
    return chain


# --- reading ----------------------------------------------------------------------------------------


def get_run(db: Database, run_id: int) -> RunRecord:
    with db.read() as s:
        return RunRecord.of(_get(s, run_id))


def find_run(db: Database, run_id: int) -> RunRecord | None:
    with db.read() as s:
        run = s.get(Run, run_id)
        return RunRecord.of(run) if run is not None else None


def list_runs(db: Database, *, bot: str | None = None, limit: int | None = 20) -> list[RunRecord]:
    """Runs newest first (all of them when ``limit`` is None)."""
    with db.read() as s:
        q = select(Run).order_by(Run.id.desc())
        if bot:
            q = q.where(Run.bot == bot)
        if limit is not None:
            q = q.limit(limit)
        return [RunRecord.of(r) for r in s.execute(q).scalars()]


def last_run_per_schedule(db: Database, names: Sequence[str]) -> dict[str, RunRecord]:
    found: dict[str, RunRecord] = {}
    with db.read() as s:
        for run in s.execute(
            select(Run).where(Run.schedule.in_(list(names))).order_by(Run.id.desc())
        ).scalars():
            if run.schedule and run.schedule not in found:
                found[run.schedule] = RunRecord.of(run)
            if len(found) == len(names):
                break
    return found


def _get_locked(s: Session, run_id: int) -> Run:
    """The run's row, locked until the transaction ends (``FOR UPDATE``; SQLite's write lock is exclusive)."""
    run = s.execute(select(Run).where(Run.id == run_id).with_for_update()).scalar_one_or_none()
    if run is None:
        raise ConfigError(f"there is no run {run_id}; `rpa runs list` shows the runs", code="RUN_UNKNOWN")
    return run


def _get(s: Session, run_id: int) -> Run:
    run = s.get(Run, run_id)
    if run is None:
        raise ConfigError(f"there is no run {run_id}; `rpa runs list` shows the runs", code="RUN_UNKNOWN")
    return run
