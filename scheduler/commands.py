"""What ``rpa schedule list|pause|resume|trigger`` does; every change is audited with its actor."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from rpa.audit.trail import AuditTrail
from rpa.clock import utcnow
from rpa.runs import last_run_per_schedule
from rpa.settings import Settings
from rpa.store.db import Database
from scheduler import state
from scheduler.config import find_schedule, load_schedules
from scheduler.dispatch import Dispatcher
from scheduler.fire_times import next_fire_times
from scheduler.state import paused_schedules
from scheduler.supervisor import CommandBuilder

Clock = Callable[[], datetime]


def _actor(actor: str) -> str:
    return actor if ":" in actor else f"user:{actor}"


def schedule_rows(
    settings: Settings,
    db: Database,
    bot_ids: Collection[str],
    count: int = 3,
    *,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """One row per schedule: timing, next fire times in its local time, paused, policies, last run."""
    now = now or utcnow()
    specs = load_schedules(settings, set(bot_ids))
    paused = paused_schedules(settings, db)
    last = {
        name: {"id": r.id, "status": str(r.status)}
        for name, r in last_run_per_schedule(db, [s.name for s in specs]).items()
    }
    rows = []
    for spec in specs:
        upcoming = next_fire_times(spec, now, count) if spec.enabled and spec.name not in paused else []
        rows.append(
            {
                "name": spec.name,
                "bot": spec.bot,
                "cron": spec.timing,
                "tz": spec.timezone,
                "next": [t.astimezone(spec.tz).strftime("%Y-%m-%d %H:%M %Z") for t in upcoming],
                "next_utc": [t.isoformat() for t in upcoming],
                "paused": spec.name in paused,
                "enabled": spec.enabled,
                "policy": f"{spec.misfire}, grace {spec.grace_s}s, timeout {spec.timeout_s}s",
                "non_business_day": spec.run_on_non_business_day,
                "after": spec.after,
                "last_run": last.get(spec.name),
            }
        )
    return rows


def set_paused(
    settings: Settings,
    db: Database,
    bot_ids: Collection[str],
    name: str,
    actor: str,
    paused: bool,
    *,
    clock: Clock = utcnow,
) -> bool:
    """Pause or resume ``name`` (persisted and audited with ``actor``); False when it already was so.

    The running service stops firing a paused schedule within a second; on resume the next fire is
    counted from now (fires while paused are not missed).
    """
    spec = find_schedule(settings, name, set(bot_ids))
    changed = state.set_paused(settings, name, paused, _actor(actor), clock(), db)
    if changed:
        with db.transaction() as s:
            AuditTrail(_actor(actor), clock).record(
                s,
                "schedule.paused" if paused else "schedule.resumed",
                "schedule",
                name,
                details={"bot": spec.bot},
            )
    return changed


def trigger(
    settings: Settings,
    db: Database,
    bot_ids: Collection[str],
    command: CommandBuilder,
    name: str,
    actor: str,
    *,
    clock: Clock = utcnow,
    lock_for: Callable[[str], str] | None = None,
) -> tuple[int | None, str]:
    """Run schedule ``name`` now (calendar ignored, chain rule kept); wait for the end: (run id, status).

    On PostgreSQL the run is not executed here: its record is written and its job deferred in one
    transaction, as the leader does for a fire (``lock_for`` gives the job's account lock); a worker runs
    it, and the status returned is ``pending`` (or why it was skipped).
    """
    spec = find_schedule(settings, name, set(bot_ids))
    with db.transaction() as s:
        AuditTrail(_actor(actor), clock).record(
            s, "schedule.triggered", "schedule", name, details={"bot": spec.bot}
        )
    if db.is_postgres:
        from scheduler.distributed import QueueDispatcher, require_postgres

        require_postgres(db, "rpa schedule trigger")
        dispatcher: Dispatcher = QueueDispatcher(
            settings, db, bot_ids=bot_ids, command=command, specs={name: spec}, clock=clock, lock_for=lock_for
        )
    else:
        dispatcher = Dispatcher(
            settings, db, bot_ids=bot_ids, command=command, specs={name: spec}, clock=clock
        )
    result = dispatcher.launch(spec, clock(), trigger="manual", requested_by=_actor(actor))
    return result.run_id, result.status
