"""The APScheduler trigger of a schedule: it asks ``fire_times`` so shown and real fire times agree."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger

from scheduler.config import ScheduleSpec
from scheduler.fire_times import next_fire_time


class ScheduleTrigger(BaseTrigger):  # type: ignore[misc]
    """Pickled into the job store as plain data (the timing fields), rebuilt into a spec on load."""

    def __init__(self, spec: ScheduleSpec) -> None:
        self.key: dict[str, Any] = spec.timing_key()
        self._spec = spec

    def __getstate__(self) -> dict[str, Any]:
        return {"version": 1, "key": self.key}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.key = state["key"]
        self._spec = ScheduleSpec.model_validate({"name": "stored", "bot": "stored", **self.key})

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        # APScheduler asks for a time after the previous fire, or at/after now for a fresh job.
        after = previous_fire_time if previous_fire_time is not None else now - timedelta(microseconds=1)
        return next_fire_time(self._spec, after)

    def __str__(self) -> str:
        return f"schedule[{self._spec.timing} {self._spec.timezone} {self._spec.run_on_non_business_day}]"

    def __repr__(self) -> str:
        return f"<ScheduleTrigger {self.key}>"
