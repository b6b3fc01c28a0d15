"""A harness for bot tests: a throw-away home and database, a bot run through the real run loop, and
what the run left behind (items, effects, audit events) to assert on.

::

    with BotHarness(tmp_path) as h:
        result = h.run(MY_BOT, MyConfig(...))
        assert result.summary.outcome == RunStatus.SUCCEEDED
        assert result.items["INV-1"].state == "done"
        assert h.events("erp.payment.confirmed")
        assert h.verify().ok

Nothing is faked: the runner, work queue, effect ledger and audit trail are the real ones on a real
SQLite file; a bot that uses the browser gets real Chromium sessions (``browser=True``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from pydantic import BaseModel

from rpa.audit.trail import AuditTrail
from rpa.audit.verify import VerifyReport, read_events, verify_chain
from rpa.bot import Bot, RunSummary
from rpa.clock import utcnow
from rpa.effects import effects_of
from rpa.runner import RunEnvironment, dry_run_namespace, execute_run
from rpa.runs import RunRecord, create_run, get_run
from rpa.settings import Settings, load_settings
from rpa.store.db import Database
from rpa.store.models import Effect, WorkItem
from rpa.workqueue import items_of


@dataclass(frozen=True)
class RunResult:
    """One run as the harness saw it: its summary and record, its items and effects by reference/key."""

    summary: RunSummary
    record: RunRecord
    items: dict[str, WorkItem] = field(default_factory=dict)
    effects: dict[str, Effect] = field(default_factory=dict)


class BotHarness:
    """Runs bots against a temporary home (``config/``, ``var/``, ``audit_logs/`` under ``home``)."""

    def __init__(
        self,
        home: Path,
        *,
        clock: Callable[[], datetime] = utcnow,
        browser: bool = False,
        **settings: Any,
    ) -> None:
        (home / "config" / "bots").mkdir(parents=True, exist_ok=True)
        # No backoff waits unless a test asks for them: retries are counted, not slept through.
        run = {"backoff_initial_s": 0.0, "backoff_max_s": 0.0, **settings.pop("run", {})}
        self.settings: Settings = load_settings(home=home, run=run, **settings)
        self.db = Database(self.settings.database_url)
        self.db.upgrade()
        self.clock = clock
        self.browser = browser
        self.sleeps: list[float] = []

    def __enter__(self) -> BotHarness:
        return self

    def __exit__(self, *exc: object | TracebackType | None) -> None:
        self.close()

    def run(self, bot: Bot[Any, Any], config: BaseModel | None = None, *, dry_run: bool = False) -> RunResult:
        """Create a run record and execute ``bot`` in this process (lanes in threads, as ``rpa run``)."""
        run_id = create_run(
            self.db, AuditTrail("user:test"), bot.id, trigger="manual", now=self.clock(), dry_run=dry_run
        )
        env = RunEnvironment(
            settings=self.settings, db=self.db, clock=self.clock, sleep=self.sleeps.append, **self._edges(bot)
        )
        summary = execute_run(env, bot, config or bot.config_model(), run_id, dry_run=dry_run)
        namespace = dry_run_namespace(bot.id) if dry_run else bot.id
        return RunResult(
            summary=summary,
            record=get_run(self.db, run_id),
            items={i.reference: i for i in items_of(self.db, namespace)},
            effects={e.key: e for e in effects_of(self.db, bot.id)},
        )

    def events(self, action_prefix: str = "") -> list[dict[str, object]]:
        """Audit events in order whose action starts with ``action_prefix`` (details decoded)."""
        with self.db.read() as s:
            return read_events(s, action_prefix=action_prefix)

    def verify(self) -> VerifyReport:
        """The audit chain walked from the first event (what ``rpa audit verify`` does)."""
        with self.db.read() as s:
            return verify_chain(s)

    def close(self) -> None:
        self.db.dispose()

    def _edges(self, bot: Bot[Any, Any]) -> Mapping[str, Any]:
        if not (self.browser and bot.uses_browser):
            return {}
        from rpa.browser.session import run_browser_edges

        return run_browser_edges(self.settings.browser)
