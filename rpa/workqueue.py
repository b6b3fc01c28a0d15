"""Work items: unique reference per bot, states, attempts, priority, deadline, and the exception queue.

::

    new ──► in_progress ──► done
                 │ ├──► business_exception ─┐
                 │ ├──► retrying ──► in_progress (bounded, with backoff)
                 │ └──► application_exception ─┤  (the exception queue)
                 └──► needs_review ────────────┴──► resolved (by a person)

Every transition is audited in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rpa.audit.trail import AuditTrail
from rpa.errors import BusinessRuleError
from rpa.items import EXCEPTION_STATES, OPEN_STATES, Item, ItemState, NewItem
from rpa.store.db import Database
from rpa.store.models import WorkItem

DRY_RUN_SUFFIX = ":dry-run"


def _item(row: WorkItem) -> Item[Mapping[str, Any]]:
    return Item(
        row.id,
        row.reference,
        dict(row.payload or {}),
        row.attempts,
        row.priority,
        row.deadline,
        ItemState(row.state),
        row.error_code,
    )


class WorkQueue:
    """The work items of one bot, persisted; transitions audited by ``audit``."""

    def __init__(self, db: Database, bot: str, audit: AuditTrail, clock: Callable[[], datetime]) -> None:
        self.db, self.bot, self.audit, self.clock = db, bot, audit, clock

    def add(self, items: Iterable[NewItem[Mapping[str, Any]]], run_id: int) -> int:
        """Insert items not seen before (by reference); return how many were new."""
        added = 0
        with self.db.transaction() as s:
            known = set(s.execute(select(WorkItem.reference).where(WorkItem.bot == self.bot)).scalars())
            for it in items:
                if it.reference in known:
                    continue
                known.add(it.reference)
                now = self.clock()
                s.add(
                    WorkItem(
                        bot=self.bot,
                        reference=it.reference,
                        state=ItemState.NEW,
                        priority=it.priority,
                        deadline=it.deadline,
                        attempts=0,
                        payload=dict(it.payload),
                        result={},
                        evidence={},
                        first_run_id=run_id,
                        last_run_id=run_id,
                        created_at=now,
                        updated_at=now,
                    )
                )
                self.audit.record(
                    s,
                    "item.collected",
                    "work_item",
                    f"{self.bot}:{it.reference}",
                    details={"priority": it.priority},
                )
                added += 1
        return added

    def clear(self) -> None:
        """Forget every item of this queue (used for the dry-run namespace only)."""
        with self.db.transaction() as s:
            s.execute(delete(WorkItem).where(WorkItem.bot == self.bot))

    def pending(self) -> list[Item[Mapping[str, Any]]]:
        """Items to work on now: new, retrying, or left in progress by an interrupted run."""
        with self.db.read() as s:
            rows = (
                s.execute(
                    select(WorkItem)
                    .where(WorkItem.bot == self.bot, WorkItem.state.in_([str(x) for x in OPEN_STATES]))
                    .order_by(
                        WorkItem.priority.desc(), WorkItem.deadline.is_(None), WorkItem.deadline, WorkItem.id
                    )
                )
                .scalars()
                .all()
            )
            return [_item(r) for r in rows]

    def start(self, item: Item[Any], run_id: int) -> Item[Mapping[str, Any]]:
        with self.db.transaction() as s:
            row = self._row(s, item.id)
            resumed = row.state == ItemState.IN_PROGRESS
            row.state, row.attempts, row.last_run_id = ItemState.IN_PROGRESS, row.attempts + 1, run_id
            row.updated_at = self.clock()
            self.audit.record(
                s,
                "item.started",
                "work_item",
                self._target(row),
                details={"attempt": row.attempts, "resumed": resumed},
            )
            return _item(row)

    def finish(
        self,
        item: Item[Any],
        state: ItemState,
        *,
        result: Mapping[str, Any] | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
        traceback: str | None = None,
        evidence: Sequence[Mapping[str, Any]] = (),
        next_attempt_at: datetime | None = None,
        action: str | None = None,
    ) -> None:
        with self.db.transaction() as s:
            row = self._row(s, item.id)
            row.state, row.updated_at, row.next_attempt_at = state, self.clock(), next_attempt_at
            if result is not None:
                row.result = dict(result)
            row.error_code, row.error_message, row.error_traceback = error_code, error_message, traceback
            if evidence:
                row.evidence = {"files": [dict(e) for e in evidence]}
            outcome = "ok" if state == ItemState.DONE else str(state)
            self.audit.record(
                s,
                action or f"item.{state}",
                "work_item",
                self._target(row),
                outcome=outcome,
                details={
                    "attempt": row.attempts,
                    "code": error_code,
                    "message": error_message,
                    **({"result": dict(result)} if result else {}),
                },
                evidence=[str(e["sha256"]) for e in evidence if "sha256" in e],
            )

    def resolve(self, reference: str, resolution: str, audit: AuditTrail) -> None:
        """A person closes an exception-queue item; ``audit`` is that person's trail (``user:<login>``)."""
        with self.db.transaction() as s:
            row = s.execute(
                select(WorkItem).where(WorkItem.bot == self.bot, WorkItem.reference == reference)
            ).scalar_one_or_none()
            if row is None:
                raise BusinessRuleError(f"{self.bot} has no work item {reference!r}", code="ITEM_UNKNOWN")
            if row.state not in EXCEPTION_STATES:
                raise BusinessRuleError(
                    f"{self.bot} item {reference} is {row.state}, not in the exception queue: "
                    "nothing to resolve",
                    code="ITEM_NOT_IN_EXCEPTION_QUEUE",
                )
            row.state, row.resolution, row.updated_at = ItemState.RESOLVED, resolution, self.clock()
            row.resolved_by = audit.actor
            audit.record(
                s,
                "exception.resolved",
                "work_item",
                self._target(row),
                details={"resolution": resolution, "was": row.error_code},
            )

    def retry(self, audit: AuditTrail, *, reference: str | None = None, code: str | None = None) -> list[str]:
        """Put application exceptions (technical failures: a screen that did not load, a server down)
        back into the queue for the next run, attempts reset; by reference, or every one with ``code``.
        Business exceptions are data a person must settle (``resolve``), never retried. Returns the
        references put back; each is audited as the person's action."""
        if (reference is None) == (code is None):
            raise ValueError("retry needs a reference or a code, not both")
        with self.db.transaction() as s:
            query = select(WorkItem).where(WorkItem.bot == self.bot)
            query = (
                query.where(WorkItem.reference == reference)
                if reference
                else query.where(
                    WorkItem.error_code == code, WorkItem.state == str(ItemState.APPLICATION_EXCEPTION)
                )
            )
            rows = list(s.execute(query.order_by(WorkItem.id)).scalars())
            if reference and not rows:
                raise BusinessRuleError(f"{self.bot} has no work item {reference!r}", code="ITEM_UNKNOWN")
            for row in rows:
                if row.state != ItemState.APPLICATION_EXCEPTION:
                    raise BusinessRuleError(
                        f"{self.bot} item {row.reference} is {row.state}: only application exceptions go "
                        "back into the queue (a person settles a business exception: rpa exceptions resolve)",
                        code="ITEM_NOT_RETRYABLE",
                    )
                was = row.error_code
                row.state, row.attempts, row.next_attempt_at = ItemState.NEW, 0, None
                row.error_code = row.error_message = row.error_traceback = None
                row.updated_at = self.clock()
                audit.record(s, "exception.retried", "work_item", self._target(row), details={"was": was})
            return [row.reference for row in rows]

    def collected_in(self, run_id: int) -> list[Item[Mapping[str, Any]]]:
        """The items first collected by run ``run_id`` with their current state, in collection order."""
        with self.db.read() as s:
            rows = (
                s.execute(
                    select(WorkItem)
                    .where(WorkItem.bot == self.bot, WorkItem.first_run_id == run_id)
                    .order_by(WorkItem.id)
                )
                .scalars()
                .all()
            )
            return [_item(r) for r in rows]

    def _row(self, s: Session, item_id: int) -> WorkItem:
        return s.execute(select(WorkItem).where(WorkItem.id == item_id)).scalar_one()

    def _target(self, row: WorkItem) -> str:
        return f"{self.bot}:{row.reference}"


def exception_queue(db: Database, bot: str | None = None) -> list[WorkItem]:
    """Items waiting for a person, oldest first."""
    with db.read() as s:
        q = select(WorkItem).where(
            WorkItem.state.in_([str(x) for x in EXCEPTION_STATES]),
            WorkItem.bot.not_like(f"%{DRY_RUN_SUFFIX}"),
        )
        if bot:
            q = q.where(WorkItem.bot == bot)
        return list(s.execute(q.order_by(WorkItem.updated_at)).scalars().all())


def items_of(db: Database, bot: str) -> list[WorkItem]:
    """Every work item of ``bot`` (its dry-run namespace is ``<bot>:dry-run``), oldest first."""
    with db.read() as s:
        return list(s.execute(select(WorkItem).where(WorkItem.bot == bot).order_by(WorkItem.id)).scalars())
