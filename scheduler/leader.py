"""One scheduler leader among several machines: a PostgreSQL session advisory lock on its own connection.

Every ``rpa schedule run`` (and the console's ``rpa serve``) races for the lock; only the holder runs
APScheduler, with an in-memory job store of its own (never shared). The holder proves it is alive
with a heartbeat on the lock's connection every ``leader_takeover_s / 4`` seconds, which also
stamps ``scheduler_leader.heartbeat_at``. That session is opened with ``idle_session_timeout =
leader_takeover_s / 2``: a leader that is cut off or hung loses its session, and with it the lock, on
the server's own clock; a killed one loses it at once. A standby polls for the lock every
``min(2 s, leader_takeover_s / 8)``, so a new leader runs within ``leader_takeover_s``. A leader whose
heartbeat has not succeeded for ``leader_takeover_s / 2`` steps down by itself.

A new leader replays every fire time since its predecessor's last heartbeat (less a margin): fires
already recorded are duplicates and do nothing (unique ``(schedule, scheduled_for)``); the others
follow the misfire policy (``missed`` run records, one late run) and are audited.

The lock needs a session that stays the same server connection: connect directly or through a pooler
in session mode, never through PgBouncer's transaction pooling.

On SQLite there is one scheduler per installation, as before (``scheduler.service.serve``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from loguru import logger

from rpa.audit.trail import AuditTrail
from rpa.clock import utcnow
from rpa.errors import RpaError
from rpa.settings import Settings
from rpa.store.db import Database, advisory_key, libpq_dsn
from scheduler.alerts import Alerter
from scheduler.config import ScheduleSpec, load_schedules
from scheduler.distributed import LockFor, QueueDispatcher
from scheduler.jobs import JOB_FUNC, FireExecutor, activate
from scheduler.service import _install_signals, _on_event, apply_pauses, serve
from scheduler.state import paused_schedules
from scheduler.supervisor import CommandBuilder, Supervisor
from scheduler.trigger import ScheduleTrigger

LOCK_NAME = "backoffice-rpa:scheduler-leader"
Clock = Callable[[], datetime]


class LeaderLock:
    """The session advisory lock on a dedicated autocommit connection, with its heartbeat."""

    def __init__(self, db: Database, takeover_s: float, identity: str) -> None:
        self.dsn = libpq_dsn(db.url)
        self.takeover_s = takeover_s
        self.identity = identity
        self.key = advisory_key(LOCK_NAME)
        self.conn: psycopg.Connection[Any] | None = None
        self.last_ok = 0.0
        self.previous_heartbeat: datetime | None = None
        self.previous_replay_from: datetime | None = None
        self.previous_holder: str | None = None

    def replay_since(self, now: datetime) -> datetime:
        """Fires after this instant are this leader's: from the predecessor's last heartbeat, less a
        margin for a fire it was handling when it died, but none before the predecessor's own start."""
        if self.previous_heartbeat is None:
            return now
        since = self.previous_heartbeat - timedelta(seconds=self.heartbeat_s * 2 + 5)
        if self.previous_replay_from is not None:
            since = max(since, self.previous_replay_from)
        return min(since, now)

    @property
    def heartbeat_s(self) -> float:
        return self.takeover_s / 4

    @property
    def retry_s(self) -> float:
        return min(2.0, self.takeover_s / 8)

    def try_acquire(self, now: datetime) -> bool:
        """Take the lock if free; on success the previous holder's last heartbeat is known."""
        try:
            if self.conn is None or self.conn.closed:
                self.conn = psycopg.connect(
                    self.dsn,
                    autocommit=True,
                    connect_timeout=max(2, int(self.takeover_s / 4)),
                    application_name="rpa-scheduler-leader",
                    keepalives=1,
                    keepalives_idle=max(1, int(self.takeover_s / 4)),
                    keepalives_interval=1,
                    keepalives_count=3,
                    tcp_user_timeout=int(self.takeover_s * 250),  # ms: a cut network fails the heartbeat
                )
                ms = int(self.takeover_s * 500)
                self.conn.execute(f"SET idle_session_timeout = {ms}")
            got = self.conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        except psycopg.Error as exc:
            logger.warning("scheduler leader lock: database unreachable: {}", str(exc).strip()[:200])
            self._drop()
            return False
        if not got or not got[0]:
            return False
        row = self.conn.execute(
            "SELECT holder, heartbeat_at, replay_from FROM scheduler_leader WHERE id = 1"
        ).fetchone()
        self.previous_holder, self.previous_heartbeat, self.previous_replay_from = row or (None, None, None)
        self.conn.execute(
            "INSERT INTO scheduler_leader (id, holder, acquired_at, heartbeat_at, replay_from) "
            "VALUES (1, %s, now(), now(), %s) ON CONFLICT (id) DO UPDATE "
            "SET holder = EXCLUDED.holder, acquired_at = now(), heartbeat_at = now(), "
            "replay_from = EXCLUDED.replay_from",
            (self.identity, self.replay_since(now)),
        )
        self.last_ok = time.monotonic()
        return True

    def heartbeat(self) -> bool:
        """Prove the lock's session is alive (and stamp it); False when it is not."""
        if self.conn is None:
            return False
        try:
            self.conn.execute(
                "UPDATE scheduler_leader SET heartbeat_at = now() WHERE id = 1 AND holder = %s",
                (self.identity,),
            )
        except psycopg.Error as exc:
            logger.error("scheduler leader heartbeat failed: {}", str(exc).strip()[:200])
            return False
        self.last_ok = time.monotonic()
        return True

    def fresh(self) -> bool:
        """The last heartbeat is recent enough to lead on (else the server may have ended the session)."""
        return time.monotonic() - self.last_ok < self.takeover_s / 2

    def release(self) -> None:
        if self.conn is not None and not self.conn.closed:
            try:
                self.heartbeat()
                self.conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            except psycopg.Error:
                pass
        self._drop()

    def _drop(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(psycopg.Error):
                self.conn.close()
        self.conn = None


def run_scheduler_with_leadership(
    settings: Settings,
    db: Database,
    stop_event: threading.Event | None = None,
    *,
    bot_ids: Collection[str],
    command: CommandBuilder,
    lock_for: LockFor | None = None,
    clock: Clock | None = None,
    poll_s: float = 0.5,
) -> None:
    """Run the scheduler until ``stop_event`` (or SIGTERM/SIGINT when none): on PostgreSQL as one of
    several candidates (leading while holding the lock), on SQLite as the installation's only one."""
    if not db.is_postgres:
        serve(settings, db, bot_ids=bot_ids, command=command, clock=clock, stop_event=stop_event)
        return
    db.check_current()
    stop = stop_event or threading.Event()
    restore = _install_signals(stop) if stop_event is None else None
    identity = f"{socket.gethostname()}:{os.getpid()}"
    lock = LeaderLock(db, settings.scaleout.leader_takeover_s, identity)
    audit = AuditTrail("system:scheduler", clock or utcnow)
    logger.info("scheduler {} standing by for leadership", identity)
    try:
        while not stop.is_set():
            if not lock.try_acquire((clock or utcnow)()):
                stop.wait(lock.retry_s)
                continue
            try:
                _lead(settings, db, lock, stop, bot_ids, command, lock_for, clock or utcnow, audit, poll_s)
            except RpaError:
                raise  # a configuration problem: the operator must see it (exit 2)
            except Exception as exc:  # the database went away while leading: stand by again
                logger.opt(exception=exc).error("scheduler {} stopped leading: {}", identity, exc)
                stop.wait(lock.retry_s)
            finally:
                lock.release()
    finally:
        if restore:
            restore()


def _lead(
    settings: Settings,
    db: Database,
    lock: LeaderLock,
    stop: threading.Event,
    bot_ids: Collection[str],
    command: CommandBuilder,
    lock_for: LockFor | None,
    clock: Clock,
    audit: AuditTrail,
    poll_s: float,
) -> None:
    since = lock.replay_since(clock())
    with db.transaction() as s:
        audit.record(
            s, "scheduler.leader_acquired", "scheduler", lock.identity,
            details={"previous": lock.previous_holder, "previous_heartbeat": lock.previous_heartbeat,
                     "replay_since": since},
        )  # fmt: skip
    logger.info("scheduler {} leads (previous: {}), replaying fires since {}", lock.identity,
                lock.previous_holder, since)  # fmt: skip
    specs = load_schedules(settings, set(bot_ids))
    alerter = Alerter(settings, db, clock, background=True)
    supervisor = Supervisor(settings, db, clock, alerter)
    dispatcher = QueueDispatcher(
        settings, db, bot_ids=bot_ids, specs={s.name: s for s in specs}, clock=clock, alerter=alerter,
        supervisor=supervisor, command=command, lock_for=lock_for,
    )  # fmt: skip
    activate(dispatcher)
    sched = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": FireExecutor()},
        job_defaults={"coalesce": False, "max_instances": 3, "misfire_grace_time": None},
        timezone=UTC,
    )
    sched.add_listener(
        lambda e: _on_event(dispatcher, audit, e),
        EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES,
    )
    sched.start(paused=True)
    lost = False
    next_beat = time.monotonic() + lock.heartbeat_s
    try:
        load_jobs(sched, specs, paused_schedules(settings, db), since)
        if not stop.is_set():
            sched.resume()
        while not stop.wait(poll_s):
            if time.monotonic() >= next_beat:
                lock.heartbeat()
                next_beat = time.monotonic() + lock.heartbeat_s
            if not lock.fresh():
                lost = True
                logger.error("scheduler {} lost its leadership: stepping down", lock.identity)
                break
            apply_pauses(sched, paused_schedules(settings, db))
    finally:
        sched.remove_jobstore("default")
        sched.shutdown(wait=True)
        activate(None)
        supervisor.close()
        alerter.close()
        try:
            with db.transaction() as s:
                audit.record(
                    s, "scheduler.leader_lost" if lost else "scheduler.leader_released", "scheduler",
                    lock.identity, outcome="failed" if lost else "ok", details={"pid": os.getpid()},
                )  # fmt: skip
        except Exception as exc:  # the database itself may be what was lost
            logger.error("leadership end not audited: {}", exc)


def load_jobs(
    sched: BackgroundScheduler, specs: list[ScheduleSpec], paused: set[str], since: datetime
) -> None:
    """One job per enabled schedule, its first fire the first one after ``since`` (due ones run at once)."""
    for spec in specs:
        if not spec.enabled:
            continue
        trigger = ScheduleTrigger(spec)
        first = None if spec.name in paused else trigger.get_next_fire_time(since, since)
        sched.add_job(
            JOB_FUNC,
            trigger=trigger,
            args=[spec.name],
            id=spec.name,
            name=f"{spec.bot} ({spec.timing})",
            replace_existing=True,
            next_run_time=first,
        )
    apply_pauses(sched, paused)
