"""Executes one run of a bot in this process: collect, process each item (retries, exceptions), finalize."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from loguru import logger
from pydantic import BaseModel

from rpa.audit.checkpoints import ensure_not_behind, policy_for, store_for
from rpa.audit.evidence import EvidenceStore
from rpa.audit.trail import AuditTrail
from rpa.bot import Bot, Lazy, RunContext, RunStatus, RunSummary
from rpa.clock import utcnow
from rpa.effects import EffectLedger, EffectUncertainError
from rpa.errors import (
    ApplicationError,
    AuditIntegrityError,
    BusinessRuleError,
    CredentialsRefusedError,
    RpaError,
)
from rpa.items import Item, ItemState, NewItem
from rpa.payloads import PayloadCodec
from rpa.runs import detect_interrupted, finish_run, get_run, link_resumed, resumed_chain, start_run
from rpa.settings import Settings
from rpa.store.db import Database
from rpa.store.models import Watermark
from rpa.workqueue import DRY_RUN_SUFFIX, WorkQueue, items_of

Clock = Callable[[], datetime]
BROWSER_TEMP = "tmp"  # where a run's browser session keeps its temporary files (rpa.browser.session)
Progress = Callable[[int, int], None]
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
DRY_RUN_MARKER = "DRY-RUN-nothing-was-written.txt"  # in a dry run's report folder
SHARED_POLL_S = 0.5  # a worker of a shared run with nothing to take looks again after this long


class StopRequest:
    """Set when the run is asked to stop (SIGINT, SIGTERM, or a caller): no new item is taken, the
    item in hand finishes or is given back uncharged, and the run ends ``interrupted``."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def set(self, reason: str) -> None:
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


@contextmanager
def stop_on_signals(stop: StopRequest) -> Iterator[None]:
    """SIGINT and SIGTERM ask ``stop`` to stop (only the main thread can take signals: elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        name = signal.Signals(signum).name
        if not stop.is_set():
            logger.warning("{} received: finishing the item in hand, taking no new one", name)
        stop.set(name)

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@dataclass(frozen=True)
class RunEnvironment:
    """The edges a run needs, wired by the composition root (the CLI) or a test."""

    settings: Settings
    db: Database
    clock: Clock = utcnow
    sleep: Callable[[float], None] = time.sleep
    # Opens one browser for the calling thread, given the run's workdir and evidence store.
    browser_factory: Callable[[Path, EvidenceStore], Any] | None = None
    browser_close: Callable[[Any], None] | None = None
    # Asked to stop from outside (SIGINT/SIGTERM are wired to it while the run goes on).
    stop: StopRequest | None = None
    # Shared items (PostgreSQL): defers, in the caller's transaction, jobs for (session, bot, run id,
    # helpers) — other workers that process the run's items beside this process.
    defer_helpers: Callable[[Any, str, int, int], None] | None = None


def dry_run_namespace(bot_id: str) -> str:
    """Work items of dry runs live apart, so a dry run never marks a real item done."""
    return f"{bot_id}{DRY_RUN_SUFFIX}"


def actor_for(bot_id: str, run_id: int) -> str:
    return f"bot:{bot_id}/run:{run_id}"


def execute_run(
    env: RunEnvironment,
    bot: Bot[Any, Any],
    config: BaseModel,
    run_id: int,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RunSummary:
    """Run ``bot`` under the existing run record ``run_id``; never raises for item-level trouble."""
    s = env.settings
    ensure_not_behind(env.db, s)  # a database behind its signed checkpoints is refused (`rpa db adopt`)
    checkpoints = policy_for(s, env.db, env.clock)  # signed every N events / minutes while writing
    audit = AuditTrail(actor_for(bot.id, run_id), env.clock, after_commit=checkpoints.after_commit)
    summary = RunSummary(run_id=run_id, bot=bot.id)
    lock = FileLock(str(s.var_path / "locks" / f"{bot.id}.lock"))
    (s.var_path / "locks").mkdir(parents=True, exist_ok=True)
    try:
        # An OS lock, released by the kernel even on SIGKILL: at most one run per bot at a time.
        lock.acquire(timeout=0)
    except Timeout:
        summary.outcome = RunStatus.SKIPPED_ALREADY_RUNNING
        finish_run(
            env.db,
            audit,
            run_id,
            summary.outcome,
            env.clock(),
            summary.as_dict(),
            f"another run of {bot.id} holds the lock",
        )
        return summary
    try:
        detect_interrupted(env.db, audit.as_actor("system:runner"), env.clock(), bot=bot.id)
        if env.stop is None:
            env = replace(env, stop=StopRequest())
        assert env.stop is not None
        with stop_on_signals(env.stop):
            return _execute_locked(env, bot, config, run_id, audit, summary, dry_run, progress)
    finally:
        lock.release()


def _run_context(
    env: RunEnvironment,
    bot: Bot[Any, Any],
    config: BaseModel,
    run_id: int,
    audit: AuditTrail,
    summary: RunSummary,
    dry_run: bool,
) -> tuple[RunContext[Any, Any], WorkQueue, PayloadCodec[Any], _RunItems, _Watermarks, Lazy[Any] | None]:
    """The run's context and the parts of it the run loop drives."""
    s = env.settings
    workdir = s.var_path / "runs" / str(run_id)
    workdir.mkdir(parents=True, exist_ok=True)
    items = WorkQueue(env.db, dry_run_namespace(bot.id) if dry_run else bot.id, audit, env.clock)
    codec: PayloadCodec[Any] = PayloadCodec(bot.payload_type)
    evidence = EvidenceStore(s.audit_path / "evidence")
    factory = env.browser_factory
    sessions: Lazy[Any] | None = (
        Lazy(lambda: factory(workdir, evidence), env.browser_close) if bot.uses_browser and factory else None
    )
    run_items = _RunItems(items, run_id, codec)
    marks = _Watermarks(env.db, bot.id, run_id, env.clock, dry_run=dry_run)
    log = logger.bind(bot=bot.id, run_id=run_id)
    ctx: RunContext[Any, Any] = RunContext(
        run_id=run_id,
        bot_id=bot.id,
        config=config,
        workdir=workdir,
        report_dir=s.var_path / "reports" / bot.id / f"run-{run_id}",
        evidence=evidence,
        effects=EffectLedger(env.db, bot.id, run_id, audit, env.clock, dry_run=dry_run),
        items=run_items,
        record=_TrailRecorder(env.db, audit),
        clock=env.clock,
        tz=s.tz,
        apps=s.apps.by_name(),
        sessions=sessions,
        mail=s.mail,
        config_dir=s.config_path,
        dry_run=dry_run,
        logger=log,
        watermarks=marks,
        alert=_RunAlerts(items, run_id, summary, log),
    )
    return ctx, items, codec, run_items, marks, sessions


def _execute_locked(
    env: RunEnvironment,
    bot: Bot[Any, Any],
    config: BaseModel,
    run_id: int,
    audit: AuditTrail,
    summary: RunSummary,
    dry_run: bool,
    progress: Progress | None,
) -> RunSummary:
    s, started = env.settings, time.monotonic()
    sweep_browser_temp(env.db, s.var_path / "runs", keep=run_id)
    ctx, items, codec, run_items, marks, sessions = _run_context(
        env, bot, config, run_id, audit, summary, dry_run
    )
    start_run(env.db, audit, run_id, env.clock())
    if dry_run:
        items.clear()  # a dry run starts from the real situation, not from an earlier dry run
    elif (resumed := link_resumed(env.db, audit, run_id)) is not None:
        # The run stopped before its report: its items are worked here, and reported with this run's.
        run_items.covers = tuple(resumed_chain(env.db, run_id))
        summary.resumed_from = resumed
        ctx.logger.info("run {} resumes run {} (reported with it)", run_id, resumed)
    ctx.logger.info("run {} of {} started", run_id, bot.id)
    shared = shares_items(env, bot, dry_run)
    try:
        found: list[NewItem[Mapping[str, Any]]] = [
            NewItem(n.reference, codec.encode(n.payload), n.priority, n.deadline) for n in bot.collect(ctx)
        ]
        then = _helpers_deferral(env, bot.id, run_id) if shared else None
        summary.collected = items.add(found, run_id, then=then)
        marks.commit(audit)  # only now: what the watermark says is covered is stored as items
        if shared:  # other workers take items too; this process reports when none is left
            _process_shared(env, bot, ctx, items, codec, reclaim=run_items.covers)
            _count_shared(items, actor_for(bot.id, run_id), run_id, summary)
        else:
            pending = items.pending()
            _process_all(env, bot, ctx, items, codec, pending, summary, progress)
        stop = env.stop
        if stop is not None and stop.is_set():
            # No report: the items left are worked, and reported, by the run that resumes this one.
            summary.left = len(items.pending())
            summary.outcome = RunStatus.INTERRUPTED
            summary.error = (
                f"[RUN_INTERRUPTED] stopped by {stop.reason}: {summary.left} item(s) left for the next run, "
                "which resumes this one and reports what both did"
            )
            ctx.logger.warning("run {} interrupted: {}", run_id, summary.error)
        elif shared and get_run(env.db, run_id).status != RunStatus.RUNNING:
            # Closed meanwhile (a reaper took its worker for dead): the run that resumes it reports.
            summary.outcome = get_run(env.db, run_id).status
            ctx.logger.warning("run {} was closed by another process: no report here", run_id)
        else:
            if bot.finalize is not None:
                summary.extra.update(bot.finalize(ctx, summary) or {})
                if dry_run and ctx.report_dir.is_dir():  # the folder says it, whoever opens it
                    (ctx.report_dir / DRY_RUN_MARKER).write_text(
                        f"Run {run_id} of {bot.id} was a dry run: everything was decided, nothing was "
                        "written to any application. The reports here show what a real run would do.\n"
                    )
            summary.outcome = (
                RunStatus.SUCCEEDED_WITH_EXCEPTIONS if summary.exceptions else RunStatus.SUCCEEDED
            )
    except AuditIntegrityError as exc:
        summary.outcome, summary.error = RunStatus.FAILED, str(exc)
        ctx.logger.error("audit trail cannot be written; run stopped: {}", exc)
    except RpaError as exc:
        summary.outcome, summary.error = RunStatus.FAILED, str(exc)
        ctx.logger.error("run failed: {}", exc)
    except Exception as exc:  # a bug in collect/finalize: the run fails, recorded with its traceback
        summary.outcome, summary.error = RunStatus.FAILED, f"[UNEXPECTED_ERROR] {type(exc).__name__}: {exc}"
        ctx.logger.opt(exception=exc).error("run failed unexpectedly")
    finally:
        if sessions is not None:
            sessions.close_current()
    summary.duration_s = time.monotonic() - started
    expect = RunStatus.RUNNING if shared else None  # a shared run is closed once, by this process
    finish_run(
        env.db, audit, run_id, summary.outcome, env.clock(), summary.as_dict(), summary.error, expect=expect
    )
    write_checkpoint(env, f"run {run_id} finished")
    ctx.logger.info("run {} finished: {}", run_id, summary.outcome)
    return summary


class _Watermarks:
    """``ctx.watermarks``: read from the database; advances staged until :meth:`commit`."""

    def __init__(self, db: Database, bot: str, run_id: int, clock: Clock, *, dry_run: bool) -> None:
        self.db, self.bot, self.run_id, self.clock, self.dry_run = db, bot, run_id, clock, dry_run
        self.staged: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        with self.db.read() as s:
            row = s.get(Watermark, (self.bot, name))
            return row.value if row is not None else None

    def advance(self, name: str, value: str) -> None:
        self.staged[name] = value

    def commit(self, audit: AuditTrail) -> None:
        """Store the staged values (after the items they cover are stored); a dry run stores none."""
        if self.dry_run or not self.staged:
            return
        with self.db.transaction() as s:
            for name, value in self.staged.items():
                row = s.get(Watermark, (self.bot, name))
                was = row.value if row is not None else None
                if row is None:
                    row = Watermark(
                        bot=self.bot, name=name, value=value, run_id=self.run_id, updated_at=self.clock()
                    )
                    s.add(row)
                row.value, row.run_id, row.updated_at = value, self.run_id, self.clock()
                audit.record(s, "watermark.advanced", "watermark", f"{self.bot}:{name}",
                             details={"from": was, "to": value})  # fmt: skip
        self.staged.clear()


class _RunAlerts:
    """``ctx.alert``: an exception-queue item, an audit event and a line of the run's summary."""

    def __init__(self, queue: WorkQueue, run_id: int, summary: RunSummary, log: Any) -> None:
        self.queue, self.run_id, self.summary, self.log = queue, run_id, summary, log

    def __call__(self, code: str, message: str, details: Mapping[str, Any] | None = None) -> None:
        reference = self.queue.add_alert(code, message, self.run_id, details or {})
        self.summary.alerts.append(f"[{code}] {message}")
        self.log.warning("ALERT {}: {} (exception queue: {})", code, message, reference)


class _TrailRecorder:
    """``ctx.record``: one audit event in a transaction of its own."""

    def __init__(self, db: Database, audit: AuditTrail) -> None:
        self.db, self.audit = db, audit

    def __call__(self, action: str, target_type: str, target_id: str, **fields: Any) -> None:
        if "evidence" in fields:
            fields["evidence"] = tuple(fields["evidence"])
        with self.db.transaction() as s:
            self.audit.record(s, action, target_type, target_id, **fields)


class _RunItems:
    """``ctx.items``: the run's items, read-only, with their payloads decoded."""

    def __init__(self, queue: WorkQueue, run_id: int, codec: PayloadCodec[Any]) -> None:
        self.queue, self.run_id, self.codec = queue, run_id, codec
        self.covers: tuple[int, ...] = (run_id,)  # this run and the runs it resumed

    def collected(self) -> list[Item[Any]]:
        return [_decoded(i, self.codec) for i in self.queue.collected_in(*self.covers)]

    def resolved(self) -> dict[str, tuple[str, str]]:
        return {
            row.reference: (row.error_code or "", row.resolution or "")
            for row in items_of(self.queue.db, self.queue.bot)
            if row.state == ItemState.RESOLVED
        }


def sweep_browser_temp(db: Database, runs_dir: Path, *, keep: int) -> list[Path]:
    """Remove the browser's temporary files (profiles, artifacts: ``<run workdir>/tmp``) that finished
    runs left behind — a killed run cannot clean up after itself. A run still going keeps its own."""
    removed = []
    for temp in sorted(runs_dir.glob(f"*/{BROWSER_TEMP}")):
        run = temp.parent.name
        if not run.isdigit() or int(run) == keep:
            continue
        try:
            finished = get_run(db, int(run)).status.finished
        except RpaError:  # a folder with no run record (another database's): left alone
            continue
        if finished:
            shutil.rmtree(temp, ignore_errors=True)
            removed.append(temp)
    return removed


def _decoded(item: Item[Mapping[str, Any]], codec: PayloadCodec[Any]) -> Item[Any]:
    return replace(item, payload=codec.decode(item.payload, item.reference))


def _process_all(
    env: RunEnvironment,
    bot: Bot[Any, Any],
    ctx: RunContext[Any, Any],
    work_queue: WorkQueue,
    codec: PayloadCodec[Any],
    pending: list[Item[Mapping[str, Any]]],
    summary: RunSummary,
    progress: Progress | None,
) -> None:
    lock = threading.Lock()
    total = len(pending)

    def stopping() -> bool:
        return env.stop is not None and env.stop.is_set()

    def work(item: Item[Mapping[str, Any]]) -> None:
        state, retries = process_item(env, bot, ctx, work_queue, codec, item)
        with lock:
            summary.retries += retries
            if state in (ItemState.NEW, ItemState.RETRYING):  # given back: the run was asked to stop
                return
            summary.processed += 1
            if state == ItemState.DONE:
                summary.done += 1
            elif state == ItemState.BUSINESS_EXCEPTION:
                summary.business_exceptions += 1
            elif state == ItemState.NEEDS_REVIEW:
                summary.needs_review += 1
            else:
                summary.application_exceptions += 1
            if progress:
                progress(summary.processed, total)

    lanes = max(1, min(bot.lanes, env.settings.browser.lanes if bot.uses_browser else bot.lanes))
    if lanes == 1:
        for item in pending:
            if stopping():
                return
            work(item)
        return
    todo: queue.SimpleQueue[Item[Mapping[str, Any]]] = queue.SimpleQueue()
    for item in pending:
        todo.put(item)

    def drain() -> None:
        while not stopping():
            try:
                item = todo.get_nowait()
            except queue.Empty:
                return
            work(item)

    _in_lanes(ctx, lanes, drain, f"{bot.id}-lane")


def _in_lanes(ctx: RunContext[Any, Any], lanes: int, body: Callable[[], None], name: str) -> None:
    """Run ``body`` in ``lanes`` threads. Each lane owns its browser (Playwright's sync API is
    thread-bound) and closes it itself; the first failure of a lane (an audit failure) is re-raised."""
    failures: list[BaseException] = []

    def lane() -> None:
        try:
            body()
        except BaseException as exc:  # stop this lane, re-raised below
            failures.append(exc)
        finally:
            if ctx.sessions is not None:
                ctx.sessions.close_current()

    threads = [threading.Thread(target=lane, name=f"{name}-{n}") for n in range(lanes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]


def process_item(
    env: RunEnvironment,
    bot: Bot[Any, Any],
    ctx: RunContext[Any, Any],
    work_queue: WorkQueue,
    codec: PayloadCodec[Any],
    item: Item[Mapping[str, Any]],
    *,
    claimed: bool = False,
) -> tuple[ItemState, int]:
    """Work one item to a final state for this run; return it and the number of retries.

    A ``claimed`` item (a shared run: taken with ``WorkQueue.claim``, already ``in_progress``) gets one
    attempt here: when it must be retried, it waits in the queue for its backoff and any worker of the
    run takes it again.

    When the run is asked to stop, an item whose attempt then fails is given back uncharged (``new`` or
    ``retrying``, returned as such): the failure may be the interruption's, and its open effects are
    checked by the next attempt. An item waiting for its retry is left for the next run.
    """
    rs, retries = env.settings.run, 0
    stop = env.stop
    while True:
        if retries and stop is not None and stop.is_set():
            return ItemState.RETRYING, retries
        current = item if claimed else work_queue.start(item, ctx.run_id)
        try:
            result = bot.process(ctx, _decoded(current, codec))
        except EffectUncertainError as exc:
            final = work_queue.finish(
                current, ItemState.NEEDS_REVIEW, error_code=exc.code, error_message=exc.message
            )
            return final, retries
        except BusinessRuleError as exc:
            final = work_queue.finish(
                current,
                ItemState.BUSINESS_EXCEPTION,
                error_code=exc.code,
                error_message=exc.message,
                evidence=exc.details.get("evidence", ()),
            )
            return final, retries
        except AuditIntegrityError:
            raise
        except CredentialsRefusedError as exc:
            # Every other item would be refused too, and each try counts towards an account lockout.
            work_queue.finish(
                current,
                ItemState.RETRYING,
                error_code=exc.code,
                error_message=exc.message,
                evidence=exc.details.get("evidence", ()),
            )
            raise
        except ApplicationError as exc:
            error, tb = exc, traceback.format_exc()
        except Exception as exc:
            error = ApplicationError(
                f"unexpected {type(exc).__name__} while processing {item.reference}: {exc}",
                code="UNEXPECTED_ERROR",
                item_key=item.reference,
            )
            tb = traceback.format_exc()
        else:
            return work_queue.finish(current, ItemState.DONE, result=result or {}), retries
        evidence = error.details.get("evidence", ())
        if stop is not None and stop.is_set():
            work_queue.abandon(
                current, f"run {ctx.run_id} stopped by {stop.reason}: [{error.code}] {error.message}"
            )
            return ItemState.RETRYING if current.attempts > 1 else ItemState.NEW, retries
        if current.attempts >= rs.max_attempts:
            final = work_queue.finish(
                current,
                ItemState.APPLICATION_EXCEPTION,
                error_code=error.code,
                error_message=f"{error.message} (gave up after {current.attempts} attempts)",
                traceback=tb,
                evidence=evidence,
            )
            return final, retries
        # Exponential backoff, capped: a legacy app that is briefly down gets time to come back
        # without a tight loop hammering it.
        delay = min(rs.backoff_initial_s * 2 ** (current.attempts - 1), rs.backoff_max_s)
        work_queue.finish(
            current,
            ItemState.RETRYING,
            error_code=error.code,
            error_message=error.message,
            traceback=tb,
            evidence=evidence,
            next_attempt_at=env.clock() + timedelta(seconds=delay),
        )
        retries += 1
        if claimed or (stop is not None and stop.is_set()):
            return ItemState.RETRYING, retries
        env.sleep(delay)


def write_checkpoint(env: RunEnvironment, reason: str) -> None:
    """Sign the trail as it is now into ``audit_logs/checkpoints`` (outside the database)."""
    store_for(env.settings).write_next(env.db, reason, env.clock())


# --- shared items: several workers process the items of one run (PostgreSQL) ---------------------------


def shares_items(env: RunEnvironment, bot: Bot[Any, Any], dry_run: bool) -> bool:
    """A real run of a bot with ``shared_items``, on PostgreSQL, started by a worker that can defer jobs."""
    return bot.shared_items and not dry_run and env.db.is_postgres and env.defer_helpers is not None


def _helpers_deferral(env: RunEnvironment, bot_id: str, run_id: int) -> Callable[[Any], None] | None:
    helpers, defer = env.settings.scaleout.item_workers - 1, env.defer_helpers
    if helpers < 1 or defer is None:
        return None

    def then(s: Any) -> None:  # the items' transaction (a SQLAlchemy session)
        defer(s, bot_id, run_id, helpers)

    return then


def _run_going(db: Database, run_id: int) -> bool:
    return get_run(db, run_id).status == RunStatus.RUNNING


def _process_shared(
    env: RunEnvironment,
    bot: Bot[Any, Any],
    ctx: RunContext[Any, Any],
    work_queue: WorkQueue,
    codec: PayloadCodec[Any],
    *,
    reclaim: tuple[int, ...],
) -> int:
    """Claim items one by one (``SKIP LOCKED``: other workers of the run take others) until no item is
    left open, the run is closed elsewhere, or this process is asked to stop; return how many items
    this process settled. An item in progress longer than ``scaleout.item_claim_timeout_s`` is taken for
    abandoned by a dead worker and claimed again (its effects are checked, never blindly redone)."""
    timeout = timedelta(seconds=env.settings.scaleout.item_claim_timeout_s)
    # Items in progress for the runs this one resumes are taken again; this run's own are in the
    # hands of its other workers.
    earlier = tuple(r for r in reclaim if r != ctx.run_id)
    settled = [0]
    lock = threading.Lock()

    def stopping() -> bool:
        return env.stop is not None and env.stop.is_set()

    def loop() -> None:
        while not stopping() and _run_going(env.db, ctx.run_id):
            taken = work_queue.claim(ctx.run_id, reclaim=earlier, stale_before=env.clock() - timeout)
            if not taken:
                if work_queue.open_count() == 0:
                    return
                env.sleep(SHARED_POLL_S)  # items in other workers' hands, or waiting for their retry
                continue
            for item in taken:
                state, _ = process_item(env, bot, ctx, work_queue, codec, item, claimed=True)
                if state not in (ItemState.NEW, ItemState.RETRYING):
                    with lock:
                        settled[0] += 1

    lanes = max(1, min(bot.lanes, env.settings.browser.lanes if bot.uses_browser else bot.lanes))
    _in_lanes(ctx, lanes, loop, f"{bot.id}-shared")
    return settled[0]


def _count_shared(work_queue: WorkQueue, actor: str, run_id: int, summary: RunSummary) -> None:
    """The run's figures from the database: every worker of the run settled some of its items."""
    states, summary.retries = work_queue.settled_in(run_id), work_queue.retries_by(actor)
    summary.done = states.get(ItemState.DONE, 0)
    summary.business_exceptions = states.get(ItemState.BUSINESS_EXCEPTION, 0)
    summary.application_exceptions = states.get(ItemState.APPLICATION_EXCEPTION, 0)
    summary.needs_review = states.get(ItemState.NEEDS_REVIEW, 0)
    summary.processed = (
        summary.done + summary.business_exceptions + summary.application_exceptions + summary.needs_review
    )


def execute_helper(env: RunEnvironment, bot: Bot[Any, Any], config: BaseModel, run_id: int) -> int:
    """Process items of run ``run_id`` beside the process that runs it (a bot with ``shared_items``):
    no collect, no report — the run's own process reports when no item is left. Returns how many items
    this process settled; a run no longer running gets none."""
    checkpoints = policy_for(env.settings, env.db, env.clock)
    audit = AuditTrail(actor_for(bot.id, run_id), env.clock, after_commit=checkpoints.after_commit)
    if not _run_going(env.db, run_id):
        logger.info(
            "run {} of {} is {}: nothing to help with", run_id, bot.id, get_run(env.db, run_id).status
        )
        return 0
    if env.stop is None:
        env = replace(env, stop=StopRequest())
    summary = RunSummary(run_id=run_id, bot=bot.id)
    ctx, items, codec, _, _, sessions = _run_context(env, bot, config, run_id, audit, summary, False)
    ctx.record("run.helper_joined", "run", str(run_id), details={"bot": bot.id, "pid": os.getpid(),
               "host": socket.gethostname()})  # fmt: skip
    settled = 0
    assert env.stop is not None
    try:
        with stop_on_signals(env.stop):
            settled = _process_shared(
                env, bot, ctx, items, codec, reclaim=tuple(resumed_chain(env.db, run_id))
            )
    finally:
        if sessions is not None:
            sessions.close_current()
        ctx.record("run.helper_left", "run", str(run_id), details={"bot": bot.id, "pid": os.getpid(),
                   "settled": settled})  # fmt: skip
    ctx.logger.info("helper of run {} settled {} item(s)", run_id, settled)
    return settled
