"""The bot contract (``collect``, ``process``, ``finalize``), the frozen run context and run outcomes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, TypeVar

from loguru import logger as _root_logger
from pydantic import BaseModel

from rpa.audit.evidence import EvidenceStore
from rpa.audit.trail import AuditTrail
from rpa.effects import EffectLedger
from rpa.settings import Settings
from rpa.store.db import Database
from rpa.workqueue import Item, NewItem, WorkQueue

C = TypeVar("C", bound=BaseModel)
T = TypeVar("T")


class RunOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    SUCCEEDED_WITH_EXCEPTIONS = "succeeded_with_exceptions"
    FAILED = "failed"
    MISSED = "missed"
    SKIPPED_ALREADY_RUNNING = "skipped_already_running"
    INTERRUPTED = "interrupted"
    SKIPPED_UPSTREAM = "skipped_upstream"


class Lazy(Generic[T]):
    """A resource opened on first use, one per thread (Playwright's sync API is bound to its thread).

    Each thread closes its own value with :meth:`close_current` before it ends.
    """

    def __init__(self, factory: Callable[[], T], close: Callable[[T], None] | None = None) -> None:
        self._factory, self._close = factory, close
        self._local = threading.local()

    def get(self) -> T:
        value: T | None = getattr(self._local, "value", None)
        if value is None:
            value = self._factory()
            self._local.value = value
        return value

    def close_current(self) -> None:
        value: T | None = getattr(self._local, "value", None)
        self._local.value = None
        if value is not None and self._close is not None:
            self._close(value)


@dataclass(frozen=True)
class RunContext(Generic[C]):
    """Everything a bot step may use, handed in explicitly; nothing global."""

    run_id: int
    bot_id: str
    config: C
    settings: Settings
    db: Database
    clock: Callable[[], datetime]
    audit: AuditTrail
    effects: EffectLedger
    items: WorkQueue
    workdir: Path
    evidence: EvidenceStore
    browser: Lazy[Any]
    dry_run: bool = False
    logger: Any = field(default=_root_logger)

    def record(
        self,
        action: str,
        target_type: str,
        target_id: str,
        *,
        outcome: str = "ok",
        details: Mapping[str, Any] | None = None,
        evidence: Iterable[str] = (),
    ) -> None:
        """Append an audit event in a transaction of its own (for steps with no state change here)."""
        with self.db.transaction() as s:
            self.audit.record(
                s, action, target_type, target_id, outcome=outcome, details=details, evidence=tuple(evidence)
            )


Collect = Callable[[RunContext[Any]], Iterable[NewItem]]
Process = Callable[[RunContext[Any], Item], Mapping[str, Any] | None]
Finalize = Callable[[RunContext[Any], "RunSummary"], Mapping[str, Any] | None]


@dataclass(frozen=True)
class UiTarget:
    """Screens a bot uses in one legacy application, for ``rpa preflight``.

    ``app`` names the settings section (``apps.erp``, ``apps.bank``, ``apps.docs``); ``page_objects``
    are classes with ``SCREENS``; ``login`` is the application's login screen object, if it has one.
    """

    app: str
    page_objects: tuple[Any, ...]
    login: Any = None


@dataclass(frozen=True)
class Bot:
    """A bot: an id (snake_case, reused everywhere), its config model and three steps.

    ``collect`` finds the work (items with a unique business reference); ``process`` does one item
    (raise BusinessRuleError for data a person must look at, ApplicationError for technical trouble);
    ``finalize`` writes the report and returns extra summary figures.
    """

    id: str
    title: str
    config_model: type[BaseModel]
    collect: Collect
    process: Process
    finalize: Finalize | None = None
    lanes: int = 1  # items processed in parallel (each lane thread gets its own browser context)
    uses_browser: bool = False
    ui: tuple[UiTarget, ...] = ()
    description: str = ""


@dataclass
class RunSummary:
    """What a run did; shown at the end of ``rpa run`` and stored on the run record."""

    run_id: int
    bot: str
    collected: int = 0
    processed: int = 0
    done: int = 0
    business_exceptions: int = 0
    application_exceptions: int = 0
    needs_review: int = 0
    retries: int = 0
    duration_s: float = 0.0
    outcome: RunOutcome = RunOutcome.SUCCEEDED
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def exceptions(self) -> int:
        return self.business_exceptions + self.application_exceptions + self.needs_review

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "bot": self.bot,
            "collected": self.collected,
            "processed": self.processed,
            "done": self.done,
            "business_exceptions": self.business_exceptions,
            "application_exceptions": self.application_exceptions,
            "needs_review": self.needs_review,
            "retries": self.retries,
            "duration_s": round(self.duration_s, 3),
            "outcome": str(self.outcome),
            "error": self.error,
            **self.extra,
        }
