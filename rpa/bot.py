"""The bot contract (``collect``, ``process``, ``finalize``), the run context and run statuses.

Pure: importing this module loads no browser, database or scheduler. A bot sees the run only through
:class:`RunContext`, a frozen set of capabilities wired by the kit's runner (or ``rpa.testing``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from loguru import logger as _root_logger
from pydantic import BaseModel

from rpa.errors import ConfigError
from rpa.items import Item, NewItem

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from rpa.audit.evidence import EvidenceStore
    from rpa.browser.session import BrowserSession
    from rpa.effects import EffectLedger
    from rpa.findings import Finding
    from rpa.settings import LegacyAppSettings, MailSettings

C = TypeVar("C", bound=BaseModel)
P = TypeVar("P")
T = TypeVar("T")


class RunStatus(StrEnum):
    """Where a run record stands: ``pending``/``running`` while it goes on, then one outcome."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    SUCCEEDED_WITH_EXCEPTIONS = "succeeded_with_exceptions"
    FAILED = "failed"
    MISSED = "missed"
    SKIPPED_ALREADY_RUNNING = "skipped_already_running"
    SKIPPED_UPSTREAM = "skipped_upstream"
    INTERRUPTED = "interrupted"

    @property
    def succeeded(self) -> bool:
        return self in (RunStatus.SUCCEEDED, RunStatus.SUCCEEDED_WITH_EXCEPTIONS)

    @property
    def finished(self) -> bool:
        return self not in (RunStatus.PENDING, RunStatus.RUNNING)


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


class Recorder(Protocol):
    """Appends one audit event of a bot's own step (no state change of the kit's), as the run's actor."""

    def __call__(
        self,
        action: str,
        target_type: str,
        target_id: str,
        *,
        outcome: str = "ok",
        details: Mapping[str, Any] | None = None,
        evidence: Iterable[str] = (),
    ) -> None: ...


class RunItems(Protocol[P]):
    """Read-only view of the run's work items (for ``finalize``: what was collected, where it ended)."""

    def collected(self) -> list[Item[P]]:
        """Items first collected by this run, with their current state, in collection order."""
        ...

    def resolved(self) -> dict[str, tuple[str, str]]:
        """Items of this bot a person resolved in the exception queue: reference -> (error code, note).

        How a bot learns that a person approved what it asked about (e.g. an email needing approval).
        """
        ...


class Watermarks(Protocol):
    """How far the bot has covered a source (``ctx.watermarks``), kept across runs.

    ``get`` reads the last committed value; ``advance`` stages a new one, committed by the kit only
    once the items collected from that source are safely stored (never by a dry run).
    """

    def get(self, name: str) -> str | None: ...

    def advance(self, name: str, value: str) -> None: ...


class Alerts(Protocol):
    """``ctx.alert(code, message)``: something a person must act on that is no work item of its own
    (e.g. bank lines that can no longer be downloaded). It goes to the exception queue (reference
    ``alert:<code>:<run>``), the audit trail and the run's outcome (never plain ``succeeded``)."""

    def __call__(self, code: str, message: str, details: Mapping[str, Any] | None = None) -> None: ...


class _NoWatermarks:
    def get(self, name: str) -> str | None:
        return None

    def advance(self, name: str, value: str) -> None:
        return None


def _no_alert(code: str, message: str, details: Mapping[str, Any] | None = None) -> None:
    raise ConfigError(f"alert {code} raised where no run can take it: {message}", code="ALERT_NOT_WIRED")


@dataclass(frozen=True)
class RunContext(Generic[C, P]):
    """What a bot step may use, handed in explicitly; nothing global, no database, no whole settings."""

    run_id: int
    bot_id: str
    config: C
    workdir: Path  # scratch files of this run (downloads, exports); kept with the run
    report_dir: Path  # where finalize writes reports: var/reports/<bot>/run-<id>
    evidence: EvidenceStore
    effects: EffectLedger
    items: RunItems[P]
    record: Recorder  # ctx.record(action, target_type, target_id, outcome=..., details=..., evidence=...)
    clock: Callable[[], datetime]
    tz: tzinfo  # the business time zone: "today" is a date there
    apps: Mapping[str, LegacyAppSettings] = field(default_factory=dict)
    sessions: Lazy[BrowserSession] | None = None
    mail: MailSettings | None = None  # the SMTP server and sender, for bots that send email (rpa.mail)
    config_dir: Path | None = None  # files operations edit beside the settings (e.g. email templates)
    dry_run: bool = False
    logger: Any = field(default=_root_logger)
    watermarks: Watermarks = field(default_factory=_NoWatermarks)
    alert: Alerts = _no_alert

    def now(self) -> datetime:
        """The current instant (aware UTC)."""
        return self.clock()

    def today(self) -> date:
        """Today's date in the business time zone."""
        return self.clock().astimezone(self.tz).date()

    def app(self, name: str) -> LegacyAppSettings:
        """URL and credentials of one legacy application (``erp``, ``bank``, ``docs``)."""
        try:
            return self.apps[name]
        except KeyError:
            raise ConfigError(
                f"{self.bot_id} asked for application {name!r}, which is not configured "
                f"(known: {', '.join(sorted(self.apps)) or 'none'}); add it under apps.{name}",
                code="APP_UNKNOWN",
            ) from None

    def mail_settings(self) -> MailSettings:
        """The SMTP server and sender address (settings ``mail``) for ``rpa.mail.send_message``."""
        if self.mail is None:
            raise ConfigError(
                f"{self.bot_id} sends email but was run without mail settings "
                "(the runner passes settings.mail)",
                code="MAIL_NOT_WIRED",
            )
        return self.mail

    def session(self) -> BrowserSession:
        """This worker thread's browser session (opened on first use, closed by the kit)."""
        if self.sessions is None:
            raise ConfigError(
                f"{self.bot_id} uses the browser but was run without one (set uses_browser=True on its Bot)",
                code="BROWSER_NOT_WIRED",
            )
        return self.sessions.get()

    def page(self, lane: str = "main") -> Page:
        """The page of ``lane`` in this thread's browser session."""
        return self.session().lane(lane).page

    def record_findings(self, findings: Iterable[Finding], *, action: str, target_type: str) -> int:
        """One audit event per finding (``outcome="finding"``, its code, severity, message, where); count."""
        count = 0
        for finding in findings:
            self.record(action, target_type, finding.source, outcome="finding", details=finding.as_dict())
            count += 1
        return count


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
class Bot(Generic[C, P]):
    """A bot: an id (snake_case, reused everywhere), its config model, its payload type and three steps.

    ``collect`` finds the work (items with a unique business reference and a payload of
    ``payload_type``); ``process`` does one item (raise BusinessRuleError for data a person must look
    at, ApplicationError for technical trouble); ``finalize`` writes the report and returns figures.
    """

    id: str
    title: str
    config_model: type[C]
    collect: Callable[[RunContext[C, P]], Iterable[NewItem[P]]]
    process: Callable[[RunContext[C, P], Item[P]], Mapping[str, Any] | None]
    finalize: Callable[[RunContext[C, P], RunSummary], Mapping[str, Any] | None] | None = None
    payload_type: Any = dict  # a frozen dataclass or pydantic model; plain JSON objects by default
    lanes: int = 1  # items processed in parallel (each lane thread gets its own browser session)
    uses_browser: bool = False
    # On PostgreSQL, several workers may process the items of one run (``scaleout.item_workers``).
    shared_items: bool = False
    ui: tuple[UiTarget, ...] = ()
    description: str = ""
    # How the run summary names the figures ``finalize`` returns: the words of the bot's report.
    summary_labels: Mapping[str, str] = field(default_factory=dict)


# How ``rpa run`` and ``rpa runs show`` name the kit's figures of a run (a bot names its own:
# ``Bot.summary_labels``).
SUMMARY_WORDS: dict[str, str] = {
    "run_id": "run",
    "bot": "bot",
    "outcome": "outcome",
    "resumed_from": "resumes run",
    "collected": "items collected (new)",
    "processed": "items worked",
    "done": "items done",
    "business_exceptions": "to a person: business rule",
    "application_exceptions": "to a person: technical failure",
    "needs_review": "to a person: outcome to check",
    "left": "items left for the next run",
    "alerts": "ALERTS (in the exception queue)",
    "retries": "retries",
    "duration_s": "duration (s)",
    "error": "error",
}


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
    left: int = 0  # items left for the next run (an interrupted run)
    alerts: list[str] = field(default_factory=list)  # ``ctx.alert`` messages (each also in the queue)
    resumed_from: int | None = None  # the interrupted run this one resumed (and reports with its own)
    duration_s: float = 0.0
    outcome: RunStatus = RunStatus.SUCCEEDED
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def exceptions(self) -> int:
        return self.business_exceptions + self.application_exceptions + self.needs_review + len(self.alerts)

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
            **({"left": self.left} if self.left else {}),
            **({"alerts": list(self.alerts)} if self.alerts else {}),
            **({"resumed_from": self.resumed_from} if self.resumed_from else {}),
            "duration_s": round(self.duration_s, 3),
            "outcome": str(self.outcome),
            "error": self.error,
            **self.extra,
        }
