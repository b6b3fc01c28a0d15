"""What ``rpa schedule list|pause|resume|trigger`` does; every change is audited with its actor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from rpa.audit.trail import AuditTrail
from rpa.runner import utcnow
from rpa.settings import Settings
from rpa.store.db import Database
from rpa.store.models import Run
from scheduler.config import find_schedule, known_bot_ids, load_schedules
from scheduler.dispatch import Dispatcher
from scheduler.fire_times import next_fire_times
from scheduler.state import paused_schedules, set_paused

Clock = Callable[[], datetime]


def _actor(actor: str) -> str:
    return actor if ":" in actor else f"user:{actor}"


def schedule_rows(
    settings: Settings,
    db: Database,
    count: int = 3,
    *,
    now: datetime | None = None,
    bot_ids: set[str] | None = None,
) -> list[dict[str, Any]]:
    """One row per schedule: timing, next fire times in its local time, paused, policies, last run."""
    now = now or utcnow()
    specs = load_schedules(settings, known_bot_ids(settings) if bot_ids is None else bot_ids)
    paused = paused_schedules(settings)
    last = _last_runs(db, [s.name for s in specs])
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


def _last_runs(db: Database, names: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    with db.read() as s:
        for run in s.execute(select(Run).where(Run.schedule.in_(names)).order_by(Run.id.desc())).scalars():
            if run.schedule and run.schedule not in found:
                found[run.schedule] = {"id": run.id, "status": run.status}
            if len(found) == len(names):
                break
    return found


def pause(settings: Settings, db: Database, name: str, actor: str, *, clock: Clock = utcnow) -> bool:
    """Pause ``name`` (persisted; the running service stops firing it); False if it already was."""
    return _set(settings, db, name, actor, True, clock)


def resume(settings: Settings, db: Database, name: str, actor: str, *, clock: Clock = utcnow) -> bool:
    """Resume ``name``; the next fire is counted from now (fires while paused are not missed)."""
    return _set(settings, db, name, actor, False, clock)


def _set(settings: Settings, db: Database, name: str, actor: str, paused: bool, clock: Clock) -> bool:
    spec = find_schedule(settings, name)
    changed = set_paused(settings, name, paused, _actor(actor), clock())
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
    settings: Settings, db: Database, name: str, actor: str, *, clock: Clock = utcnow
) -> tuple[int | None, str]:
    """Run schedule ``name`` now (calendar ignored, chain rule kept); wait for the end: (run id, status)."""
    spec = find_schedule(settings, name)
    with db.transaction() as s:
        AuditTrail(_actor(actor), clock).record(
            s, "schedule.triggered", "schedule", name, details={"bot": spec.bot}
        )
    dispatcher = Dispatcher(settings, db, specs={name: spec}, clock=clock)
    result = dispatcher.launch(spec, clock(), trigger="manual", requested_by=_actor(actor))
    return result.run_id, result.status
