"""What APScheduler calls: the job function ``scheduler.jobs:fire_job`` and the executor that feeds it.

Jobs are stored as the textual reference ``scheduler.jobs:fire_job`` with the schedule name as their
only argument. The executor hands the job ALL its due fire times (APScheduler's own executors would
drop late ones silently), so the misfire policy can record every missed fire.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
)
from apscheduler.executors.base import BaseExecutor
from loguru import logger

from scheduler.dispatch import Dispatcher, FireResult
from scheduler.misfires import handle_fires, plan_fires

JOB_FUNC = "scheduler.jobs:fire_job"


class _Active:
    """The dispatcher of the running service: APScheduler resolves jobs by name, not by object."""

    dispatcher: Dispatcher | None = None


def activate(dispatcher: Dispatcher | None) -> None:
    _Active.dispatcher = dispatcher


def fire_job(schedule_name: str, run_times: Sequence[datetime] | None = None) -> list[FireResult]:
    """Handle the due fire times of one schedule (now, when called by hand)."""
    dispatcher = _Active.dispatcher
    if dispatcher is None:
        raise RuntimeError("no scheduler service is running in this process")
    return handle_fires(dispatcher, schedule_name, list(run_times or [datetime.now(UTC)]))


class FireExecutor(BaseExecutor):  # type: ignore[misc]
    """A thread pool that calls the job with its due run times and reports missed ones as events."""

    def __init__(self, max_workers: int = 8) -> None:
        super().__init__()
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix="fire")

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        future = self._pool.submit(self._run, job, run_times)
        future.add_done_callback(lambda f: self._done(job, f))

    def _run(self, job: Any, run_times: list[datetime]) -> list[JobExecutionEvent]:
        events = []
        dispatcher = _Active.dispatcher
        if dispatcher is not None and job.args:
            try:
                plan = plan_fires(dispatcher.spec(job.args[0]), run_times, dispatcher.clock())
                events += [
                    JobExecutionEvent(EVENT_JOB_MISSED, job.id, job._jobstore_alias, t) for t in plan.missed
                ]
            except Exception as exc:  # the job itself reports the problem below
                logger.debug("misfire plan of {} unavailable: {}", job.id, exc)
        result = job.func(*job.args, run_times=run_times, **job.kwargs)
        events.append(
            JobExecutionEvent(EVENT_JOB_EXECUTED, job.id, job._jobstore_alias, run_times[-1], retval=result)
        )
        return events

    def _done(self, job: Any, future: Future[list[JobExecutionEvent]]) -> None:
        exc = future.exception()
        if exc is None:
            self._run_job_success(job.id, future.result())
            return
        self._run_job_success(
            job.id,
            [
                JobExecutionEvent(
                    EVENT_JOB_ERROR,
                    job.id,
                    job._jobstore_alias,
                    datetime.now(UTC),
                    exception=exc,
                    traceback=None,
                )
            ],
        )

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait)
