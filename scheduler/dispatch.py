"""Dispatch of one fire: claim the run record, apply the chain and one-run-per-bot rules, start the process.

The run record is written first, under the unique (schedule, scheduled_for) key: a fire that already
has a record does nothing at all, so a fire delivered twice never runs (or audits) twice.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import psutil
from loguru import logger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rpa.audit.trail import AuditTrail
from rpa.bot import RunOutcome
from rpa.runner import utcnow
from rpa.runs import PENDING, RUNNING, add_run
from rpa.settings import Settings
from rpa.store.db import Database
from rpa.store.models import Run
from scheduler.alerts import Alerter
from scheduler.config import ScheduleSpec, known_bot_ids, load_schedules
from scheduler.fire_times import resolve_local
from scheduler.state import paused_schedules
from scheduler.supervisor import CommandBuilder, Supervisor, run_command

SUCCEEDED = (str(RunOutcome.SUCCEEDED), str(RunOutcome.SUCCEEDED_WITH_EXCEPTIONS))
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class FireResult:
    """What became of a fire: the run (None when nothing was recorded) and its status."""

    run_id: int | None
    status: str  # a run status, or: duplicate | paused | disabled | not_a_business_day
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def created(self) -> bool:
        return self.run_id is not None and self.status != "duplicate"


class Dispatcher:
    """Turns fires into runs. ``supervisor`` given: returns once the process started; else blocks."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        specs: Mapping[str, ScheduleSpec] | None = None,
        clock: Clock | None = None,
        alerter: Alerter | None = None,
        supervisor: Supervisor | None = None,
        command: CommandBuilder = run_command,
    ) -> None:
        self.settings, self.db, self.clock = settings, db, clock or utcnow
        self._specs = dict(specs) if specs is not None else None
        self.alerter = alerter or Alerter(settings, db, self.clock)
        self.background = supervisor is not None
        self.supervisor = supervisor or Supervisor(settings, db, self.clock, self.alerter)
        self.command = command
        self.audit = AuditTrail("system:scheduler", self.clock)

    @property
    def specs(self) -> dict[str, ScheduleSpec]:
        if self._specs is None:
            self._specs = {s.name: s for s in load_schedules(self.settings, known_bot_ids(self.settings))}
        return self._specs

    def spec(self, name: str) -> ScheduleSpec:
        from scheduler.config import find_schedule

        return self.specs[name] if name in self.specs else find_schedule(self.settings, name)

    def fire(
        self,
        name: str,
        scheduled_for: datetime,
        *,
        trigger: str = "schedule",
        requested_by: str | None = None,
    ) -> FireResult:
        spec = self.spec(name)
        if trigger == "schedule":
            if not spec.enabled:
                return FireResult(None, "disabled")
            if name in paused_schedules(self.settings):
                logger.info("schedule {} is paused: fire at {} not run", name, scheduled_for)
                return FireResult(None, "paused")
            day = scheduled_for.astimezone(spec.tz).date()
            if spec.run_on_non_business_day != "run" and not spec.business_calendar.is_business_day(day):
                return FireResult(None, "not_a_business_day")
        return self.launch(spec, scheduled_for, trigger=trigger, requested_by=requested_by)

    def launch(
        self,
        spec: ScheduleSpec,
        scheduled_for: datetime,
        *,
        trigger: str,
        requested_by: str | None,
        coalesced: Sequence[tuple[int, datetime]] = (),
    ) -> FireResult:
        claimed = self._claim(spec.bot, trigger, spec.name, scheduled_for, requested_by, spec, coalesced)
        if claimed is None:
            logger.info("fire {} at {} already has a run: nothing to do", spec.name, scheduled_for)
            return FireResult(None, "duplicate")
        run_id, status = claimed
        if status != PENDING:
            return self._result(run_id)
        return self._start(spec.bot, run_id, trigger, spec.timeout_s, spec.name)

    def dispatch_now(
        self,
        bot: str,
        *,
        trigger: str = "manual",
        requested_by: str | None = None,
        timeout_s: float | None = None,
    ) -> FireResult:
        claimed = self._claim(bot, trigger, None, None, requested_by, None, ())
        assert claimed is not None  # no unique key without a schedule
        run_id, status = claimed
        if status != PENDING:
            return self._result(run_id)
        return self._start(bot, run_id, trigger, timeout_s or self.settings.run.timeout_s, None)

    def _start(
        self, bot: str, run_id: int, trigger: str, timeout_s: float, schedule: str | None
    ) -> FireResult:
        try:
            rp = self.supervisor.spawn(bot, run_id, trigger, timeout_s, schedule, self.command)
        except OSError as exc:
            self._close(
                run_id,
                str(RunOutcome.FAILED),
                f"[RUN_SPAWN_FAILED] the run process could not start: {exc}",
                "run.finished",
            )
            return self._result(run_id)
        if self.background:
            self.supervisor.watch(rp)
            return FireResult(run_id, PENDING)
        self.supervisor.wait(rp)
        return self._result(run_id)

    def _result(self, run_id: int) -> FireResult:
        with self.db.read() as s:
            run = s.get_one(Run, run_id)
            return FireResult(run.id, run.status, dict(run.summary or {}), run.error)

    def _claim(
        self,
        bot: str,
        trigger: str,
        schedule: str | None,
        scheduled_for: datetime | None,
        requested_by: str | None,
        spec: ScheduleSpec | None,
        coalesced: Sequence[tuple[int, datetime]],
    ) -> tuple[int, str] | None:
        now = self.clock()
        try:
            with self.db.transaction() as s:
                # The unique (schedule, scheduled_for) key is checked here, before anything else.
                run = add_run(
                    s,
                    self.audit,
                    bot,
                    trigger=trigger,
                    now=now,
                    schedule=schedule,
                    scheduled_for=scheduled_for,
                    requested_by=requested_by,
                )
                if coalesced:
                    self.audit.record(
                        s,
                        "run.coalesced",
                        "run",
                        str(run.id),
                        details={
                            "schedule": schedule,
                            "missed_runs": [r for r, _ in coalesced],
                            "missed_fires": [t for _, t in coalesced],
                        },
                    )
                blocked = self._upstream_problem(s, spec, scheduled_for or now, now) if spec else None
                if blocked:
                    self._skip(
                        s, run, RunOutcome.SKIPPED_UPSTREAM, blocked, now, {"upstream": spec and spec.after}
                    )
                elif (holder := _live_run_of(s, bot)) is not None:
                    self._skip(
                        s,
                        run,
                        RunOutcome.SKIPPED_ALREADY_RUNNING,
                        f"run {holder.id} of {bot} is still running (process {holder.pid})",
                        now,
                        {"running_run": holder.id},
                    )
                return run.id, run.status
        except IntegrityError:
            return None

    def _skip(
        self, s: Session, run: Run, outcome: RunOutcome, reason: str, now: datetime, details: dict[str, Any]
    ) -> None:
        run.status, run.finished_at, run.error = str(outcome), now, reason
        run.summary = {"run_id": run.id, "bot": run.bot, "outcome": str(outcome), "error": reason}
        self.audit.record(
            s,
            f"run.{outcome}",
            "run",
            str(run.id),
            outcome=str(outcome),
            details={"bot": run.bot, "reason": reason, **details},
        )
        logger.info("run {} of {}: {} ({})", run.id, run.bot, outcome, reason)

    def _upstream_problem(self, s: Session, spec: ScheduleSpec, when: datetime, now: datetime) -> str | None:
        """None when ``spec.after`` succeeded on the fire's local day; else why the chain is blocked."""
        if spec.after is None:
            return None
        day = when.astimezone(spec.tz).date()
        start = resolve_local(datetime.combine(day, time()), spec.tz)
        end = resolve_local(datetime.combine(day + timedelta(days=1), time()), spec.tz)
        runs = (
            s.execute(
                select(Run)
                .where(Run.bot == spec.after, Run.created_at >= start, Run.created_at < end)
                .order_by(Run.id.desc())
            )
            .scalars()
            .all()
        )
        if any(r.status in SUCCEEDED for r in runs):
            return None
        last = f"its last run today, {runs[0].id}, is {runs[0].status}" if runs else "it has not run today"
        return f"upstream bot {spec.after} has not succeeded on {day} ({spec.timezone}): {last}"

    def _close(self, run_id: int, status: str, error: str, action: str) -> None:
        with self.db.transaction() as s:
            run = s.get_one(Run, run_id)
            run.status, run.finished_at, run.error = status, self.clock(), error
            self.audit.record(s, action, "run", str(run_id), outcome=status, details={"error": error})


def _live_run_of(s: Session, bot: str) -> Run | None:
    host = socket.gethostname()
    for run in s.execute(select(Run).where(Run.bot == bot, Run.status == RUNNING)).scalars():
        # A run on another machine cannot be checked from here: it counts as alive.
        if run.host not in (None, host) or _alive(run.pid, run.started_at):
            return run
    return None


def _alive(pid: int | None, started_at: datetime | None) -> bool:
    if pid is None:
        return False
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:  # dead, only waiting to be reaped
            return False
        created = proc.create_time()
    except psutil.Error:
        return False
    return started_at is None or created <= started_at.timestamp() + 1  # not a recycled pid


def fire(
    settings: Settings,
    db: Database,
    schedule_name: str,
    scheduled_for: datetime,
    *,
    trigger: str = "schedule",
    requested_by: str | None = None,
) -> FireResult:
    """Fire ``schedule_name`` for ``scheduled_for`` and wait for the run process to end."""
    return Dispatcher(settings, db).fire(
        schedule_name, scheduled_for, trigger=trigger, requested_by=requested_by
    )


def dispatch_now(
    settings: Settings, db: Database, bot_id: str, *, trigger: str = "manual", requested_by: str | None = None
) -> FireResult:
    """Run ``bot_id`` now in its own process (``rpa schedule trigger``, ``make demo``); wait for the end."""
    return Dispatcher(settings, db).dispatch_now(bot_id, trigger=trigger, requested_by=requested_by)
