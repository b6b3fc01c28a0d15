"""``var/scheduler-state.json``: which schedules operations paused, shared by the CLI and the service.

The CLI never touches the service's job store (APScheduler 3 must not share one between processes):
it writes this file under a lock, and the running service applies it within a second.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from filelock import FileLock

from rpa.settings import Settings

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


def paused_schedules(settings: Settings) -> set[str]:
    return set(read_state(settings).get("paused", {}))


def set_paused(settings: Settings, name: str, paused: bool, actor: str, now: datetime) -> bool:
    """Pause or resume ``name``; return False when it already was in that state."""
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
