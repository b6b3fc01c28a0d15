"""Fires handled late (the scheduler was down, or the machine asleep): record them missed, run once late.

A fire handled more than ``min(60 s, grace_s)`` after its time is missed: it gets a run record with
status ``missed`` and a ``run.missed`` event. Policy ``run_once_late``: when the newest missed fire is
at most ``grace_s`` old, ONE late run (trigger ``catchup``) does the work of all of them and the event
``run.coalesced`` names them. Policy ``skip``: nothing runs until the next fire.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from loguru import logger

from rpa import runs
from scheduler.alerts import Alert
from scheduler.config import ScheduleSpec
from scheduler.dispatch import Dispatcher, FireResult

ON_TIME_S = 60.0  # a loaded machine may start a fire some seconds late; that is not a miss


@dataclass(frozen=True)
class FirePlan:
    on_time: tuple[datetime, ...]
    missed: tuple[datetime, ...]
    run_late: bool


def plan_fires(spec: ScheduleSpec, run_times: Sequence[datetime], now: datetime) -> FirePlan:
    """Pure policy: which fires run now, which are missed, whether one late run makes up for them."""
    tolerance = min(ON_TIME_S, float(spec.grace_s))
    on_time = tuple(t for t in run_times if (now - t).total_seconds() <= tolerance)
    missed = tuple(t for t in run_times if (now - t).total_seconds() > tolerance)
    run_late = (
        bool(missed)
        and not on_time
        and spec.misfire == "run_once_late"
        and (now - max(missed)).total_seconds() <= spec.grace_s
    )
    return FirePlan(on_time, missed, run_late)


def handle_fires(dispatcher: Dispatcher, name: str, run_times: Sequence[datetime]) -> list[FireResult]:
    """Apply the plan: record the missed fires, dispatch the on-time ones, and maybe one late run."""
    spec = dispatcher.spec(name)
    now = dispatcher.clock()
    plan = plan_fires(spec, run_times, now)
    results: list[FireResult] = []
    recorded = record_missed(dispatcher, spec, plan.missed, now) if plan.missed else []
    for instant in plan.on_time:
        results.append(dispatcher.fire(name, instant))
    if plan.run_late and recorded:
        logger.info("schedule {}: {} missed fire(s), one late run now", name, len(recorded))
        results.append(dispatcher.launch(spec, now, trigger="catchup", requested_by=None, coalesced=recorded))
    if recorded:
        late = "a late run was started" if plan.run_late else f"no late run (policy {spec.misfire})"
        dispatcher.alerter.notify(
            Alert(
                "missed",
                spec.bot,
                [r for r, _ in recorded],
                f"schedule {name}: {len(recorded)} fire(s) missed while the scheduler was down; {late}",
                schedule=name,
                details={"fires": [t.isoformat() for _, t in recorded]},
            )
        )
    return results


def record_missed(
    dispatcher: Dispatcher, spec: ScheduleSpec, fires: Sequence[datetime], now: datetime
) -> list[tuple[int, datetime]]:
    """One ``missed`` run per fire not recorded yet (paused fires are not missed: they were never due)."""
    if not spec.enabled:
        return []
    details = {"policy": spec.misfire, "grace_s": spec.grace_s}
    return runs.record_missed(dispatcher.db, dispatcher.audit, spec.bot, spec.name, fires, now, details)
