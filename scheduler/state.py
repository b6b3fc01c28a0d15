"""Which schedules operations paused, shared by the CLI, the console and the schedulers.

On the embedded SQLite database: ``var/scheduler-state.json``, written under a lock. On PostgreSQL
(schedulers on several machines): the table ``schedule_pauses``, so a pause typed on one machine pauses
the schedule for every scheduler. The CLI never touches a scheduler's job store (APScheduler 3 must not
share one between processes): the running scheduler applies the pauses within a second.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from filelock import FileLock
from sqlalchemy import select

from rpa.settings import Settings
from rpa.store.db import Database
from rpa.store.models import SchedulePause

STATE_FILE = "scheduler-state.json"


def state_path(settings: Settings) -> Path:
    return settings.var_path / STATE_FILE


def _lock(settings: Settings) -> FileLock:
    settings.var_path.mkdir(parents=True, exist_ok=True)
    return FileLock(str(settings.var_path / (STATE_FILE + ".lock")), timeout=30)


def read_state(settings: Settings) -> dict[str, Any]:
    path = state_path(settings)
    if not path.exists():
        return {"paused": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        # A torn file cannot happen (atomic replace below); an edited one must not stop the scheduler.
        return {"paused": {}}
    if not isinstance(data, dict) or not isinstance(data.get("paused", {}), dict):
        return {"paused": {}}
    data.setdefault("paused", {})
    return data


def paused_schedules(settings: Settings, db: Database | None = None) -> set[str]:
    """The paused schedules: from the database on PostgreSQL (``db`` given), else from ``var/``."""
    if db is not None and db.is_postgres:
        with db.read() as s:
            return set(s.execute(select(SchedulePause.name)).scalars())
    return set(read_state(settings).get("paused", {}))


def set_paused(
    settings: Settings, name: str, paused: bool, actor: str, now: datetime, db: Database | None = None
) -> bool:
    """Pause or resume ``name``; return False when it already was in that state."""
    if db is not None and db.is_postgres:
        with db.transaction() as s:
            # Locked: two people pausing at once on two machines make one change, not two.
            row = s.execute(
                select(SchedulePause).where(SchedulePause.name == name).with_for_update()
            ).scalar_one_or_none()
            if (row is not None) == paused:
                return False
            if paused:
                s.add(SchedulePause(name=name, paused_by=actor, paused_at=now))
            else:
                s.delete(row)
            return True
    with _lock(settings):
        data = read_state(settings)
        table: dict[str, Any] = data["paused"]
        if (name in table) == paused:
            return False
        if paused:
            table[name] = {"by": actor, "at": now.isoformat()}
        else:
            table.pop(name)
        tmp = state_path(settings).with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, state_path(settings))
        return True
