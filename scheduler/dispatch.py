"""Dispatch of one fire: claim the run record, apply the chain and one-run-per-bot rules, start the process.

The run record is written first, under the unique (schedule, scheduled_for) key: a fire that already
has a record does nothing at all, so a fire delivered twice never runs (or audits) twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from loguru import logger

from rpa.audit.trail import AuditTrail
from rpa.bot import RunStatus
from rpa.clock import utcnow
from rpa.runs import RunRecord, Upstream, claim_fire, close_unstarted, get_run
from rpa.settings import Settings
from rpa.store.db import Database
from scheduler.alerts import Alerter
from scheduler.config import ScheduleSpec, find_schedule, load_schedules
from scheduler.fire_times import resolve_local
from scheduler.state import paused_schedules
from scheduler.supervisor import CommandBuilder, Supervisor

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
    """Turns fires into runs. ``supervisor`` given: returns once the process started; else blocks.

    The caller (the ``rpa`` command) says which bots exist and how a run process is started.
    """

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        bot_ids: Collection[str],
        command: CommandBuilder,
        specs: Mapping[str, ScheduleSpec] | None = None,
        clock: Clock | None = None,
        alerter: Alerter | None = None,
        supervisor: Supervisor | None = None,
    ) -> None:
        self.settings, self.db, self.clock = settings, db, clock or utcnow
        self.bot_ids = set(bot_ids)
        self._specs = dict(specs) if specs is not None else None
        self.alerter = alerter or Alerter(settings, db, self.clock)
        self.background = supervisor is not None
        self.supervisor = supervisor or Supervisor(settings, db, self.clock, self.alerter)
        self.command = command
        self.audit = AuditTrail("system:scheduler", self.clock)

    @property
    def specs(self) -> dict[str, ScheduleSpec]:
        if self._specs is None:
            self._specs = {s.name: s for s in load_schedules(self.settings, self.bot_ids)}
        return self._specs

    def spec(self, name: str) -> ScheduleSpec:
        return self.specs[name] if name in self.specs else find_schedule(self.settings, name, self.bot_ids)

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
            if name in paused_schedules(self.settings, self.db):
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
        if claimed.status != RunStatus.PENDING:
            return self._result(claimed.id)
        return self._start(spec.bot, claimed.id, trigger, spec.timeout_s, spec.name)

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
        if claimed.status != RunStatus.PENDING:
            return self._result(claimed.id)
        return self._start(bot, claimed.id, trigger, timeout_s or self.settings.run.timeout_s, None)

    def _start(
        self, bot: str, run_id: int, trigger: str, timeout_s: float, schedule: str | None
    ) -> FireResult:
        try:
            rp = self.supervisor.spawn(bot, run_id, trigger, timeout_s, schedule, self.command)
        except OSError as exc:
            error = f"[RUN_SPAWN_FAILED] the run process could not start: {exc}"
            close_unstarted(self.db, self.audit, run_id, self.clock(), error, {})
            return self._result(run_id)
        if self.background:
            self.supervisor.watch(rp)
            return FireResult(run_id, RunStatus.PENDING)
        self.supervisor.wait(rp)
        return self._result(run_id)

    def _result(self, run_id: int) -> FireResult:
        run = get_run(self.db, run_id)
        return FireResult(run.id, run.status, run.summary, run.error)

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
        return claim_fire(
            self.db, self.audit, bot, trigger=trigger, now=now, schedule=schedule,
            scheduled_for=scheduled_for, requested_by=requested_by, coalesced=coalesced,
            upstream=_upstream(spec, scheduled_for or now) if spec else None,
        )  # fmt: skip


def _upstream(spec: ScheduleSpec, when: datetime) -> Upstream | None:
    """The chain rule of ``spec``: its ``after`` bot must have succeeded on the fire's local day."""
    if spec.after is None:
        return None
    day = when.astimezone(spec.tz).date()
    start = resolve_local(datetime.combine(day, time()), spec.tz)
    end = resolve_local(datetime.combine(day + timedelta(days=1), time()), spec.tz)
    return Upstream(spec.after, start, end, f"{day} ({spec.timezone})")


def fire(
    settings: Settings,
    db: Database,
    schedule_name: str,
    scheduled_for: datetime,
    *,
    bot_ids: Collection[str],
    command: CommandBuilder,
    trigger: str = "schedule",
    requested_by: str | None = None,
) -> FireResult:
    """Fire ``schedule_name`` for ``scheduled_for`` and wait for the run process to end."""
    dispatcher = Dispatcher(settings, db, bot_ids=bot_ids, command=command)
    return dispatcher.fire(schedule_name, scheduled_for, trigger=trigger, requested_by=requested_by)


def dispatch_now(
    settings: Settings,
    db: Database,
    bot_id: str,
    *,
    command: CommandBuilder,
    trigger: str = "manual",
    requested_by: str | None = None,
) -> FireResult:
    """Run ``bot_id`` now in its own process (``rpa schedule trigger``, ``make demo``); wait for the end."""
    dispatcher = Dispatcher(settings, db, bot_ids={bot_id}, command=command)
    return dispatcher.dispatch_now(bot_id, trigger=trigger, requested_by=requested_by)
