"""``rpa serve``: the scheduler service. One per home (an OS file lock), APScheduler inside.

Start-up: take ``var/scheduler.lock``, mark runs whose process died as interrupted, load the schedules
into APScheduler (job store ``var/scheduler-jobs.db``, its own file), and handle the fires that fell
due while the service was down by the misfire policy. Pauses made by ``rpa schedule pause`` are applied
within a second. SIGTERM/SIGINT stop it; run processes already started finish on their own.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from filelock import FileLock, Timeout
from loguru import logger
from sqlalchemy import Engine, create_engine, event

from rpa.audit.trail import AuditTrail
from rpa.clock import utcnow
from rpa.errors import RpaError
from rpa.runs import detect_interrupted
from rpa.settings import Settings
from rpa.store.db import Database
from scheduler.alerts import Alert, Alerter
from scheduler.config import ScheduleSpec, load_schedules
from scheduler.dispatch import Dispatcher
from scheduler.jobs import JOB_FUNC, FireExecutor, activate
from scheduler.misfires import record_missed
from scheduler.state import paused_schedules
from scheduler.supervisor import CommandBuilder, Supervisor
from scheduler.trigger import ScheduleTrigger

LOCK_FILE, PID_FILE, JOBS_DB = "scheduler.lock", "scheduler.pid", "scheduler-jobs.db"


class SchedulerAlreadyRunningError(RpaError):
    """Another scheduler holds the lock of this home: two would fire every schedule twice."""

    code = "SCHEDULER_ALREADY_RUNNING"


def acquire_lock(settings: Settings) -> FileLock:
    """Take the OS lock (released by the kernel even on SIGKILL) or say which process holds it."""
    settings.var_path.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.var_path / LOCK_FILE), preserve_lock_file=True)
    try:
        lock.acquire(timeout=0)
    except Timeout as exc:
        pid = _read_pid(settings)
        raise SchedulerAlreadyRunningError(
            f"another scheduler (pid {pid}) is active for {settings.home}; only one may run at a time. "
            f"Stop it first (lock: {settings.var_path / LOCK_FILE})"
        ) from exc
    (settings.var_path / PID_FILE).write_text(str(os.getpid()), encoding="utf-8")
    return lock


def _read_pid(settings: Settings) -> str:
    try:
        return (settings.var_path / PID_FILE).read_text(encoding="utf-8").strip() or "unknown"
    except OSError:
        return "unknown"


def serve(
    settings: Settings,
    db: Database,
    *,
    bot_ids: Collection[str],
    command: CommandBuilder,
    clock: Callable[[], datetime] | None = None,
    stop_event: threading.Event | None = None,
    poll_s: float = 1.0,
) -> None:
    """Run the scheduler until ``stop_event`` is set (or SIGTERM/SIGINT when none is given).

    ``bot_ids`` are the installed bots and ``command`` starts a run process: both come from the caller.
    """
    lock = acquire_lock(settings)
    stop = stop_event or threading.Event()
    restore = _install_signals(stop) if stop_event is None else None
    try:
        _serve_locked(settings, db, clock or utcnow, stop, bot_ids, command, poll_s)
    finally:
        if restore:
            restore()
        (settings.var_path / PID_FILE).unlink(missing_ok=True)
        lock.release()


def _serve_locked(
    settings: Settings,
    db: Database,
    clock: Callable[[], datetime],
    stop: threading.Event,
    bot_ids: Collection[str],
    command: CommandBuilder,
    poll_s: float,
) -> None:
    specs = load_schedules(settings, set(bot_ids))
    audit = AuditTrail("system:scheduler", clock)
    alerter = Alerter(settings, db, clock, background=True)
    supervisor = Supervisor(settings, db, clock, alerter)
    dispatcher = Dispatcher(
        settings,
        db,
        bot_ids=bot_ids,
        specs={s.name: s for s in specs},
        clock=clock,
        alerter=alerter,
        supervisor=supervisor,
        command=command,
    )
    with db.transaction() as s:
        audit.record(
            s,
            "scheduler.started",
            "scheduler",
            socket.gethostname(),
            details={"pid": os.getpid(), "schedules": [sp.name for sp in specs]},
        )
    for run in detect_interrupted(db, audit, clock()):
        alerter.notify(
            Alert(
                "interrupted",
                run.bot,
                (run.id,),
                f"run {run.id} of {run.bot} was interrupted: {run.error}; its items resume on the next run",
                schedule=run.schedule,
            )
        )
    activate(dispatcher)
    sched = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=_jobs_engine(settings))},
        executors={"default": FireExecutor()},
        # Every due fire reaches the job (no coalescing, no grace): misfires.py applies the policy.
        job_defaults={"coalesce": False, "max_instances": 3, "misfire_grace_time": None},
        timezone=UTC,
    )
    sched.add_listener(
        lambda e: _on_event(dispatcher, audit, e),
        EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES,
    )
    sched.start(paused=True)
    try:
        sync_jobs(sched, specs, paused_schedules(settings, db), clock())
        if not stop.is_set():
            sched.resume()
        logger.info("scheduler ready: {} schedule(s)", len(specs))
        while not stop.wait(poll_s):
            apply_pauses(sched, paused_schedules(settings, db))
    finally:
        # APScheduler 3 processes due jobs once more while shutting down, with the executor already
        # closed: those fires would be lost. Detaching the job store first keeps them due for the next start.
        sched.remove_jobstore("default")
        sched.shutdown(wait=True)
        activate(None)
        supervisor.close()
        alerter.close()
        with db.transaction() as s:
            audit.record(
                s, "scheduler.stopped", "scheduler", socket.gethostname(), details={"pid": os.getpid()}
            )


def _jobs_engine(settings: Settings) -> Engine:
    """The job store's own SQLite file, in WAL mode: APScheduler commits once per fire it hands over."""
    engine = create_engine(f"sqlite:///{settings.var_path / JOBS_DB}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    return engine


def sync_jobs(sched: BackgroundScheduler, specs: list[ScheduleSpec], paused: set[str], now: datetime) -> None:
    """Make the job store match the schedules; a job whose timing is unchanged keeps its next fire time,
    so fires that fell due while the service was down are handled (missed / run late) on resume."""
    existing = {job.id: job for job in sched.get_jobs()}
    wanted = {s.name: s for s in specs if s.enabled}
    for job_id in existing.keys() - wanted.keys():
        sched.remove_job(job_id)
    for name, spec in wanted.items():
        trigger = ScheduleTrigger(spec)
        job = existing.get(name)
        if job is not None and getattr(job.trigger, "key", None) == trigger.key and job.func_ref == JOB_FUNC:
            continue
        first = None if name in paused else trigger.get_next_fire_time(None, now)
        sched.add_job(
            JOB_FUNC,
            trigger=trigger,
            args=[name],
            id=name,
            name=f"{spec.bot} ({spec.timing})",
            replace_existing=True,
            next_run_time=first,
        )
    apply_pauses(sched, paused)


def apply_pauses(sched: BackgroundScheduler, paused: set[str]) -> None:
    """Mirror the paused set into the job store (a paused job has no next run time)."""
    for job in sched.get_jobs():
        if job.id in paused and job.next_run_time is not None:
            sched.pause_job(job.id)
            logger.info("schedule {} paused", job.id)
        elif job.id not in paused and job.next_run_time is None:
            sched.resume_job(job.id)  # next fire counted from now: paused fires are not missed
            logger.info("schedule {} resumed", job.id)


def _on_event(dispatcher: Dispatcher, audit: AuditTrail, event: JobEvent) -> None:
    try:
        if event.code == EVENT_JOB_MISSED:
            logger.warning("schedule {} missed its fire at {}", event.job_id, event.scheduled_run_time)
        elif event.code == EVENT_JOB_ERROR:
            exc: Any = getattr(event, "exception", None)
            logger.error("schedule {}: dispatch failed: {!r}", event.job_id, exc)
            with dispatcher.db.transaction() as s:
                audit.record(
                    s,
                    "schedule.dispatch_failed",
                    "schedule",
                    event.job_id,
                    outcome="failed",
                    details={"error": f"{type(exc).__name__}: {exc}"[:500]},
                )
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            # Fires APScheduler refused to hand over are still fires: they are recorded as missed.
            times = list(getattr(event, "scheduled_run_times", []))
            record_missed(dispatcher, dispatcher.spec(event.job_id), times, dispatcher.clock())
    except Exception as exc:  # a listener must never take the scheduler thread down
        logger.opt(exception=exc).error("scheduler event {} not handled", event)


def _install_signals(stop: threading.Event) -> Callable[[], None] | None:
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: FrameType | None) -> None:
        logger.info("signal {} received: scheduler stopping", signum)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore
