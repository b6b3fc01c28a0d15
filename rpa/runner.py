"""Executes one run of a bot in this process: collect, process each item (retries, exceptions), finalize."""

from __future__ import annotations

import queue
import shutil
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from loguru import logger
from pydantic import BaseModel

from rpa.audit.checkpoints import CheckpointStore
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
from rpa.runs import detect_interrupted, finish_run, get_run, start_run
from rpa.settings import Settings
from rpa.store.db import Database
from rpa.store.models import AuditHead
from rpa.workqueue import DRY_RUN_SUFFIX, WorkQueue, items_of

Clock = Callable[[], datetime]
BROWSER_TEMP = "tmp"  # where a run's browser session keeps its temporary files (rpa.browser.session)
Progress = Callable[[int, int], None]


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
    audit = AuditTrail(actor_for(bot.id, run_id), env.clock)
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
        return _execute_locked(env, bot, config, run_id, audit, summary, dry_run, progress)
    finally:
        lock.release()


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
    workdir = s.var_path / "runs" / str(run_id)
    workdir.mkdir(parents=True, exist_ok=True)
    sweep_browser_temp(env.db, s.var_path / "runs", keep=run_id)
    items = WorkQueue(env.db, dry_run_namespace(bot.id) if dry_run else bot.id, audit, env.clock)
    codec: PayloadCodec[Any] = PayloadCodec(bot.payload_type)
    evidence = EvidenceStore(s.audit_path / "evidence")
    factory = env.browser_factory
    sessions: Lazy[Any] | None = (
        Lazy(lambda: factory(workdir, evidence), env.browser_close) if bot.uses_browser and factory else None
    )
    ctx: RunContext[Any, Any] = RunContext(
        run_id=run_id,
        bot_id=bot.id,
        config=config,
        workdir=workdir,
        report_dir=s.var_path / "reports" / bot.id / f"run-{run_id}",
        evidence=evidence,
        effects=EffectLedger(env.db, bot.id, run_id, audit, env.clock, dry_run=dry_run),
        items=_RunItems(items, run_id, codec),
        record=_TrailRecorder(env.db, audit),
        clock=env.clock,
        tz=s.tz,
        apps=s.apps.by_name(),
        sessions=sessions,
        mail=s.mail,
        config_dir=s.config_path,
        dry_run=dry_run,
        logger=logger.bind(bot=bot.id, run_id=run_id),
    )
    start_run(env.db, audit, run_id, env.clock())
    if dry_run:
        items.clear()  # a dry run starts from the real situation, not from an earlier dry run
    ctx.logger.info("run {} of {} started", run_id, bot.id)
    try:
        found: list[NewItem[Mapping[str, Any]]] = [
            NewItem(n.reference, codec.encode(n.payload), n.priority, n.deadline) for n in bot.collect(ctx)
        ]
        summary.collected = items.add(found, run_id)
        pending = items.pending()
        _process_all(env, bot, ctx, items, codec, pending, summary, progress)
        if bot.finalize is not None:
            summary.extra.update(bot.finalize(ctx, summary) or {})
        summary.outcome = RunStatus.SUCCEEDED_WITH_EXCEPTIONS if summary.exceptions else RunStatus.SUCCEEDED
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
    finish_run(env.db, audit, run_id, summary.outcome, env.clock(), summary.as_dict(), summary.error)
    write_checkpoint(env, f"run {run_id} finished")
    ctx.logger.info("run {} finished: {}", run_id, summary.outcome)
    return summary


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

    def collected(self) -> list[Item[Any]]:
        return [_decoded(i, self.codec) for i in self.queue.collected_in(self.run_id)]

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

    def work(item: Item[Mapping[str, Any]]) -> None:
        state, retries = process_item(env, bot, ctx, work_queue, codec, item)
        with lock:
            summary.processed += 1
            summary.retries += retries
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
            work(item)
        return
    todo: queue.SimpleQueue[Item[Mapping[str, Any]]] = queue.SimpleQueue()
    for item in pending:
        todo.put(item)
    failures: list[BaseException] = []

    def lane() -> None:
        # Each lane thread owns its browser (Playwright's sync API is thread-bound) and closes it itself.
        try:
            while True:
                try:
                    item = todo.get_nowait()
                except queue.Empty:
                    return
                work(item)
        except BaseException as exc:  # an audit failure: stop this lane, re-raised below
            failures.append(exc)
        finally:
            if ctx.sessions is not None:
                ctx.sessions.close_current()

    threads = [threading.Thread(target=lane, name=f"{bot.id}-lane-{n}") for n in range(lanes)]
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
) -> tuple[ItemState, int]:
    """Work one item to a final state for this run; return it and the number of retries."""
    rs, retries = env.settings.run, 0
    while True:
        current = work_queue.start(item, ctx.run_id)
        try:
            result = bot.process(ctx, _decoded(current, codec))
        except EffectUncertainError as exc:
            work_queue.finish(current, ItemState.NEEDS_REVIEW, error_code=exc.code, error_message=exc.message)
            return ItemState.NEEDS_REVIEW, retries
        except BusinessRuleError as exc:
            work_queue.finish(
                current,
                ItemState.BUSINESS_EXCEPTION,
                error_code=exc.code,
                error_message=exc.message,
                evidence=exc.details.get("evidence", ()),
            )
            return ItemState.BUSINESS_EXCEPTION, retries
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
            work_queue.finish(current, ItemState.DONE, result=result or {})
            return ItemState.DONE, retries
        evidence = error.details.get("evidence", ())
        if current.attempts >= rs.max_attempts:
            work_queue.finish(
                current,
                ItemState.APPLICATION_EXCEPTION,
                error_code=error.code,
                error_message=f"{error.message} (gave up after {current.attempts} attempts)",
                traceback=tb,
                evidence=evidence,
            )
            return ItemState.APPLICATION_EXCEPTION, retries
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
        env.sleep(delay)


def write_checkpoint(env: RunEnvironment, reason: str) -> None:
    """Sign the current chain head into ``audit_logs/checkpoints`` (outside the database)."""
    with env.db.read() as sess:
        head = sess.get(AuditHead, 1)
        if head is None or head.last_seq == 0:
            return
        seq, digest = head.last_seq, head.last_hash
    store = CheckpointStore(env.settings.audit_path, env.settings.audit.signing_key)
    store.write(seq, digest, env.clock().astimezone(UTC).isoformat(), reason)
