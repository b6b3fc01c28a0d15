"""Scale-out dispatch through procrastinate (a PostgreSQL task queue): the leader enqueues, workers run.

The scheduler leader writes a fire's run record and defers its job in ONE transaction (the job row is
inserted by procrastinate's own SQL function inside the SQLAlchemy transaction): either both exist
or neither. ``rpa worker`` processes take jobs and execute each run in its own process, as the
embedded scheduler does (``Supervisor``).

Jobs carry two procrastinate locks:

- ``lock``: the legacy application accounts the bot logs in with (``login:erp/rpa.bot``), or the bot
  when it drives no screen: two jobs with the same lock never run at once, so an application that
  allows one session per account gets one login at a time;
- ``queueing_lock``: ``queued:<bot>``: at most one run of a bot waits for a worker; a fire while
  one waits is recorded ``skipped_already_running`` (backlog control).

A worker that dies mid-run stops its heartbeat. Every worker's reaper then marks that worker's runs
``interrupted`` and puts the stalled job back in the queue; the worker that takes it again starts a
``resume`` run: the items left in progress are worked again, and the effect ledger turns what was
already done into a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from loguru import logger
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rpa.audit.trail import AuditTrail
from rpa.bot import RunStatus
from rpa.clock import utcnow
from rpa.errors import ConfigError
from rpa.runs import RunRecord, assign_worker, claim_fire, create_run, find_run, interrupt_run
from rpa.settings import Settings
from rpa.store.db import Database, libpq_dsn
from rpa.store.models import Run
from scheduler.alerts import Alert, Alerter
from scheduler.config import ScheduleSpec
from scheduler.dispatch import Dispatcher, FireResult, _upstream
from scheduler.supervisor import CommandBuilder, Supervisor, child_env

TASK = "rpa.execute_run"
HELP_TASK = "rpa.help_run"  # a worker processing items of a run beside the one running it (shared items)
MAX_RESUMES = 3  # a job whose worker died this many times goes to a person instead of running again
_WORKER_ID = re.compile(r"\(worker (\d+)\)$")

Clock = Callable[[], datetime]
LockFor = Callable[[str], str]


def queue_of(bot: str) -> str:
    """Each bot has its own procrastinate queue: ``rpa worker --bots`` listens to some of them."""
    return f"bot.{bot}"


def bot_lock(bot: str) -> str:
    return f"bot:{bot}"


def account_lock(apps: Sequence[tuple[str, str]]) -> str:
    """The lock of a bot logging in to these (application, login) accounts."""
    return "login:" + ",".join(sorted({f"{app}/{login}" for app, login in apps}))


def require_postgres(db: Database, what: str) -> None:
    if not db.is_postgres:
        raise ConfigError(
            f"{what} needs PostgreSQL: database.url is {db.display_url}; set database.url = "
            '"postgresql+psycopg://USER@HOST:PORT/DATABASE" and run `rpa db upgrade`',
            code="SCALEOUT_NEEDS_POSTGRES",
        )
    db.check_current()


# --- deferring a run in the caller's transaction ---------------------------------------------------------


@dataclass(frozen=True)
class RunJob:
    run_id: int
    bot: str
    trigger: str
    timeout_s: float
    schedule: str | None

    def args(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "bot": self.bot,
            "trigger": self.trigger,
            "timeout_s": self.timeout_s,
            "schedule": self.schedule,
        }


_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, :lock, :queueing_lock, "
    "CAST(:args AS jsonb), NULL::timestamptz)]::procrastinate_job_to_defer_v1[])"
)


def defer_run(session: Session, job: RunJob, lock: str) -> str | None:
    """Insert the job of ``job.run_id`` in ``session``'s transaction; return why it was refused, if it was
    (a run of the bot already waits for a worker: the queueing lock)."""
    params = {
        "queue": queue_of(job.bot),
        "task": TASK,
        "lock": lock,
        "queueing_lock": f"queued:{job.bot}",
        "args": json.dumps(job.args()),
    }
    try:
        with session.begin_nested():  # a refused insert must not undo the run record
            session.execute(_DEFER, params)
    except IntegrityError:
        return f"a run of {job.bot} is already waiting for a worker (queueing lock queued:{job.bot})"
    return None


_DEFER_HELPERS = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY(SELECT ROW(:queue, :task, 0, NULL, NULL, "
    "CAST(:args AS jsonb), NULL::timestamptz)::procrastinate_job_to_defer_v1 "
    "FROM generate_series(1, :count)))"
)


def helpers_deferrer(settings: Settings) -> Callable[[Session, str, int, int], None]:
    """How a run of a bot with ``shared_items`` asks other workers to process its items: ``count`` jobs
    deferred in the caller's transaction (the one that stores the collected items). They carry no lock:
    the bot accepted several sessions at once by sharing its items."""
    timeout = float(settings.run.timeout_s)

    def defer(session: Session, bot: str, run_id: int, count: int) -> None:
        args = {"run_id": run_id, "bot": bot, "timeout_s": timeout}
        session.execute(
            _DEFER_HELPERS,
            {"queue": queue_of(bot), "task": HELP_TASK, "args": json.dumps(args), "count": count},
        )

    return defer


class QueueDispatcher(Dispatcher):
    """The leader's dispatcher: claim the fire and defer its job in one transaction; workers run it."""

    def __init__(self, *args: Any, lock_for: LockFor | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock_for = lock_for or bot_lock

    def _claim(
        self,
        bot: str,
        trigger: str,
        schedule: str | None,
        scheduled_for: datetime | None,
        requested_by: str | None,
        spec: ScheduleSpec | None,
        coalesced: Sequence[tuple[int, datetime]],
    ) -> RunRecord | None:
        now = self.clock()
        timeout = float(spec.timeout_s if spec else self.settings.run.timeout_s)
        lock = self.lock_for(bot)

        def then(s: Session, run: Run) -> str | None:
            return defer_run(s, RunJob(run.id, bot, trigger, timeout, schedule), lock)

        return claim_fire(
            self.db, self.audit, bot, trigger=trigger, now=now, schedule=schedule,
            scheduled_for=scheduled_for, requested_by=requested_by, coalesced=coalesced,
            upstream=_upstream(spec, scheduled_for or now) if spec else None, then=then,
        )  # fmt: skip

    def _start(
        self, bot: str, run_id: int, trigger: str, timeout_s: float, schedule: str | None
    ) -> FireResult:
        return FireResult(run_id, RunStatus.PENDING)


def enqueue_now(
    settings: Settings,
    db: Database,
    bot: str,
    *,
    trigger: str = "manual",
    requested_by: str | None = None,
    lock_for: LockFor | None = None,
    clock: Clock = utcnow,
) -> FireResult:
    """Record a run of ``bot`` and defer its job (a worker runs it); return at once."""
    require_postgres(db, "enqueueing a run")
    dispatcher = QueueDispatcher(
        settings, db, bot_ids={bot}, command=lambda *a: [], clock=clock, lock_for=lock_for,
        supervisor=Supervisor(settings, db, clock, Alerter(settings, db, clock)),
    )  # fmt: skip
    return dispatcher.dispatch_now(bot, trigger=trigger, requested_by=requested_by)


# --- the worker --------------------------------------------------------------------------------------------


class WorkerAlerter(Alerter):
    """Alerts from a worker name it: operations see which worker ran what (message and details)."""

    def __init__(self, *args: Any, label: Callable[[], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label = label

    def notify(self, alert: Alert) -> None:
        if "worker" in alert.details:  # about another worker (one that died): named already
            super().notify(alert)
            return
        worker = self.label()
        message = f"{alert.message} [worker {worker}]"
        super().notify(replace(alert, message=message, details={**alert.details, "worker": worker}))


class WorkerRuntime:
    """What a worker's jobs and reaper share: settings, database, how a run process starts, its name."""

    def __init__(
        self, settings: Settings, db: Database, command: CommandBuilder, name: str, clock: Clock = utcnow
    ) -> None:
        self.settings, self.db, self.command, self.clock = settings, db, command, clock
        self.name = name
        self.worker: Any = None  # procrastinate's Worker: its id is known once it has registered
        self.audit = AuditTrail(f"system:worker/{name}", clock)
        self.alerter = WorkerAlerter(settings, db, clock, background=True, label=lambda: self.label)
        self.supervisor = Supervisor(settings, db, clock, self.alerter)

    @property
    def label(self) -> str:
        """``host:pid/name (worker N)``: recorded on each run it executes."""
        return f"{socket.gethostname()}:{os.getpid()}/{self.name} (worker {self.worker_id})"

    @property
    def worker_id(self) -> int | None:
        return None if self.worker is None else self.worker.worker_id

    def execute(self, job_attempts: int, job: RunJob) -> str:
        """Execute the run of a job (or, when the job is taken again after its worker died, a resume run)."""
        run = find_run(self.db, job.run_id)
        if run is None:
            logger.error("job for run {} of {}: no such run record; nothing done", job.run_id, job.bot)
            return "missing"
        target, trigger = run.id, job.trigger
        if run.status in (RunStatus.RUNNING, RunStatus.INTERRUPTED):
            if run.status == RunStatus.RUNNING:
                interrupt_run(
                    self.db, self.audit, run.id, self.clock(),
                    f"worker {run.worker} stopped before the run finished", {"worker": run.worker},
                )  # fmt: skip
            if job_attempts > MAX_RESUMES:
                message = (
                    f"run {run.id} of {run.bot}: its worker died {job_attempts} times; not resumed again, "
                    "a person should look at it"
                )
                logger.error(message)
                self.alerter.notify(Alert("interrupted", run.bot, (run.id,), message, schedule=run.schedule))
                return "abandoned"
            target, trigger = self._resume(run), "resume"
        elif run.status != RunStatus.PENDING:
            logger.info("run {} of {} is {}: nothing to do", run.id, run.bot, run.status)
            return str(run.status)
        assign_worker(self.db, self.audit, target, self.label, self.clock())
        try:
            rp = self.supervisor.spawn(job.bot, target, trigger, job.timeout_s, job.schedule, self.command)
        except OSError as exc:
            interrupt_run(
                self.db, self.audit, target, self.clock(),
                f"[RUN_SPAWN_FAILED] the run process could not start: {exc}", {},
            )  # fmt: skip
            return str(RunStatus.FAILED)
        return self.supervisor.wait(rp)

    def help(self, run_id: int, bot: str, timeout_s: float) -> str:
        """Process items of a running run beside its own process: ``rpa run BOT --run-id N --helper`` in a
        process of its own, stopped (with its group) after the run's timeout. The run's record is not
        this process's to close: the run's own process reports and closes it."""
        run = find_run(self.db, run_id)
        if run is None or run.status != RunStatus.RUNNING:
            return "nothing to do"
        log_path = self.settings.var_path / "runs" / str(run_id) / f"helper-{os.getpid()}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            proc = subprocess.Popen(
                [*self.command(bot, run_id, "helper"), "--helper"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=child_env(self.settings), start_new_session=True,
            )  # fmt: skip
        with self.db.transaction() as s:
            self.audit.record(
                s, "run.helper_started", "run", str(run_id),
                details={"bot": bot, "worker": self.label, "pid": proc.pid},
            )  # fmt: skip
        try:
            rc = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            rc = proc.wait()
        return f"helper exited {rc}"

    def _resume(self, interrupted: RunRecord) -> int:
        new = create_run(
            self.db, self.audit, interrupted.bot, trigger="resume", now=self.clock(),
            requested_by=f"system:worker/{self.name}",
        )  # fmt: skip
        with self.db.transaction() as s:
            self.audit.record(
                s, "run.resume_created", "run", str(new),
                details={"bot": interrupted.bot, "resumes": interrupted.id, "worker": self.label},
            )  # fmt: skip
        logger.info("run {} of {} resumes interrupted run {}", new, interrupted.bot, interrupted.id)
        return new

    def interrupt_runs_of_dead_workers(self, alive: Collection[int]) -> list[int]:
        """Runs not finished whose worker is not among ``alive``: ``interrupted`` (alerted)."""
        with self.db.read() as s:
            candidates = [
                RunRecord.of(r)
                for r in s.execute(
                    select(Run).where(
                        Run.status.in_([str(RunStatus.RUNNING), str(RunStatus.PENDING)]),
                        Run.worker.is_not(None),
                    )
                ).scalars()
            ]
        marked = []
        for run in candidates:
            found = _WORKER_ID.search(run.worker or "")
            if found is None or int(found.group(1)) in alive or run.status == RunStatus.PENDING:
                continue  # a pending run is taken again as it is, by the job put back in the queue
            reason = f"worker {run.worker} stopped sending heartbeats during the run"
            status = interrupt_run(self.db, self.audit, run.id, self.clock(), reason, {"worker": run.worker})
            if status == RunStatus.INTERRUPTED:
                marked.append(run.id)
                self.alerter.notify(
                    Alert(
                        "interrupted",
                        run.bot,
                        (run.id,),
                        f"run {run.id} of {run.bot} was interrupted: {reason}; it resumes on another worker",
                        schedule=run.schedule,
                        details={"worker": run.worker},
                    )
                )
        return marked

    def close(self) -> None:
        self.supervisor.close()
        self.alerter.close()


async def _reap(app: Any, runtime: WorkerRuntime, stalled_s: float) -> None:
    """One sweep: runs of dead workers interrupted, their stalled jobs back in the queue."""
    rows = await app.connector.execute_query_all_async(
        "SELECT id FROM procrastinate_workers WHERE last_heartbeat >= NOW() - make_interval(secs => %(s)s)",
        s=stalled_s,
    )
    alive = {int(r["id"]) for r in rows}
    marked = await asyncio.to_thread(runtime.interrupt_runs_of_dead_workers, alive)
    if marked:
        logger.warning("runs {} interrupted: their worker stopped", marked)
    from procrastinate.exceptions import UniqueViolation
    from procrastinate.jobs import Status

    for job in await app.job_manager.get_stalled_jobs(task_name=TASK, seconds_since_heartbeat=stalled_s):
        run_id = job.task_kwargs.get("run_id")
        try:
            await app.job_manager.retry_job(job)
            logger.warning("job {} (run {}) put back in the queue", job.id, run_id)
        except UniqueViolation:
            # The bot's next run already waits (queueing lock): that run resumes the interrupted one's
            # items; this job ends, releasing its account lock so the next run can start.
            await app.job_manager.finish_job(job, Status.FAILED, delete_job=False)
            logger.warning(
                "job {} (run {}) ended: the bot's next run, already queued, resumes it", job.id, run_id
            )
        except Exception as exc:  # another worker's reaper was first
            logger.debug("job {} not retried: {}", job.id, exc)
    # A helper that died: its job ends; the items it held are taken again after the claim timeout.
    for job in await app.job_manager.get_stalled_jobs(task_name=HELP_TASK, seconds_since_heartbeat=stalled_s):
        with contextlib.suppress(Exception):
            await app.job_manager.finish_job(job, Status.FAILED, delete_job=False)
            logger.warning(
                "helper job {} (run {}) ended: its worker stopped", job.id, job.task_kwargs.get("run_id")
            )


def run_worker(
    settings: Settings,
    db: Database,
    *,
    command: CommandBuilder,
    bots: Collection[str] = (),
    concurrency: int | None = None,
    name: str = "worker",
    stop_event: threading.Event | None = None,
    clock: Clock = utcnow,
) -> None:
    """Take run jobs (of ``bots``' queues, every queue when empty) until SIGTERM/SIGINT or ``stop_event``."""
    import procrastinate
    from procrastinate.worker import Worker

    require_postgres(db, "rpa worker")
    so = settings.scaleout
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=libpq_dsn(db.url),
            min_size=1,
            max_size=4,
            kwargs={"application_name": f"rpa-worker-{name}"},
        )
    )
    runtime = WorkerRuntime(settings, db, command, name, clock)

    @app.task(name=TASK, pass_context=True)
    def execute_run_job(context: Any, /, **kwargs: Any) -> str:
        job = RunJob(
            int(kwargs["run_id"]),
            str(kwargs["bot"]),
            str(kwargs["trigger"]),
            float(kwargs["timeout_s"]),
            kwargs.get("schedule"),
        )
        return runtime.execute(int(context.job.attempts), job)

    @app.task(name=HELP_TASK)
    def help_run_job(**kwargs: Any) -> str:
        return runtime.help(int(kwargs["run_id"]), str(kwargs["bot"]), float(kwargs["timeout_s"]))

    async def main() -> None:
        async with app.open_async():
            worker = Worker(
                app,
                queues=[queue_of(b) for b in bots] or None,
                name=name,
                concurrency=concurrency or so.worker_concurrency,
                fetch_job_polling_interval=1.0,
                update_heartbeat_interval=so.worker_heartbeat_s,
                stalled_worker_timeout=so.worker_stalled_s,
                install_signal_handlers=stop_event is None,
                shutdown_graceful_timeout=None,
                delete_jobs="successful",  # the run record keeps the history; failed jobs stay to look at
            )
            runtime.worker = worker  # registered before it takes its first job
            running = asyncio.create_task(worker.run())  # type: ignore[no-untyped-call]
            while worker.worker_id is None and not running.done():
                await asyncio.sleep(0.05)
            logger.info("worker {} ready: queues {}", runtime.label, sorted(bots) or "all")
            with runtime.db.transaction() as s:
                runtime.audit.record(
                    s, "worker.started", "worker", runtime.label, details={"bots": sorted(bots)}
                )
            try:
                while not running.done():
                    if stop_event is not None and stop_event.is_set():
                        worker.stop()  # type: ignore[no-untyped-call]
                        break
                    try:
                        await _reap(app, runtime, so.worker_stalled_s)
                    except Exception as exc:  # the database briefly away: next sweep
                        logger.warning("reaper sweep failed: {}", exc)
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(asyncio.shield(running), timeout=so.worker_heartbeat_s)
                await running
            finally:
                if not running.done():
                    worker.stop()  # type: ignore[no-untyped-call]
                    await running
                runtime.close()
                try:
                    with runtime.db.transaction() as s:
                        runtime.audit.record(s, "worker.stopped", "worker", runtime.label)
                except Exception as exc:  # the database may be what stopped it
                    logger.error("worker stop not audited: {}", exc)

    asyncio.run(main())
