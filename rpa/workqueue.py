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

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from rpa.audit.trail import AuditTrail
from rpa.effects import EffectState, confirmed_of, open_intents
from rpa.errors import BusinessRuleError
from rpa.items import EXCEPTION_STATES, OPEN_STATES, Item, ItemState, NewItem
from rpa.store.db import Database
from rpa.store.models import AuditEvent, WorkItem

DRY_RUN_SUFFIX = ":dry-run"
ALERT_PREFIX = "alert:"  # items that stand for a run's alert (``ctx.alert``), not for collected work


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

    def add(
        self,
        items: Iterable[NewItem[Mapping[str, Any]]],
        run_id: int,
        *,
        then: Callable[[Session], None] | None = None,
    ) -> int:
        """Insert items not seen before (by reference); return how many were new. ``then`` is called in
        the same transaction (a shared run defers its helpers' jobs there: items and jobs, or neither)."""
        added = 0
        with self.db.transaction() as s:
            known = set(s.execute(select(WorkItem.reference).where(WorkItem.bot == self.bot)).scalars())
            for it in items:
                if it.reference in known:
                    continue
                known.add(it.reference)
                self._insert(s, it, run_id)
                added += 1
            if then is not None:
                then(s)
        return added

    def _insert(self, s: Session, it: NewItem[Mapping[str, Any]], run_id: int) -> None:
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
            s, "item.collected", "work_item", f"{self.bot}:{it.reference}", details={"priority": it.priority}
        )

    def add_alert(self, code: str, message: str, run_id: int, details: Mapping[str, Any]) -> str:
        """Put a run's alert into the exception queue as an item of its own; return its reference."""
        reference = f"{ALERT_PREFIX}{code}:{run_id}"
        now = self.clock()
        with self.db.transaction() as s:
            s.add(
                WorkItem(
                    bot=self.bot, reference=reference, state=ItemState.BUSINESS_EXCEPTION, priority=0,
                    attempts=0, payload={"alert": code, **dict(details)}, result={}, evidence={},
                    error_code=code, error_message=message, first_run_id=run_id, last_run_id=run_id,
                    created_at=now, updated_at=now,
                )
            )  # fmt: skip
            self.audit.record(
                s, "run.alert", "work_item", f"{self.bot}:{reference}", outcome="alert",
                details={"code": code, "message": message, **dict(details)},
            )  # fmt: skip
        return reference

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

    def claim(
        self,
        run_id: int,
        *,
        limit: int = 1,
        reclaim: Sequence[int] = (),
        stale_before: datetime | None = None,
    ) -> list[Item[Mapping[str, Any]]]:
        """Take up to ``limit`` items to work on, for run ``run_id``, as ``in_progress`` — in one
        transaction, so several processes (several workers sharing one run) never take the same item.

        Candidates: new items, retrying items, and items left ``in_progress`` by the runs in
        ``reclaim`` (interrupted ones), and items ``in_progress`` not touched since ``stale_before``
        (their claimer is taken for dead: the claim timeout of a shared run). On PostgreSQL the rows
        are locked ``FOR UPDATE SKIP LOCKED``: a claimer passes over rows another claimer holds instead
        of waiting; on SQLite the write transaction is exclusive already.
        """
        states = [str(ItemState.NEW), str(ItemState.RETRYING)]
        now = self.clock()
        with self.db.transaction() as s:
            open_: ColumnElement[bool] = WorkItem.state.in_(states)
            if reclaim:
                open_ = or_(
                    open_,
                    and_(
                        WorkItem.state == str(ItemState.IN_PROGRESS), WorkItem.last_run_id.in_(list(reclaim))
                    ),
                )
            if stale_before is not None:
                open_ = or_(
                    open_,
                    and_(WorkItem.state == str(ItemState.IN_PROGRESS), WorkItem.updated_at < stale_before),
                )
            rows = (
                s.execute(
                    select(WorkItem)
                    .where(
                        WorkItem.bot == self.bot,
                        open_,
                        or_(WorkItem.next_attempt_at.is_(None), WorkItem.next_attempt_at <= now),
                    )
                    .order_by(
                        WorkItem.priority.desc(), WorkItem.deadline.is_(None), WorkItem.deadline, WorkItem.id
                    )
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
                .scalars()
                .all()
            )
            for row in rows:
                resumed = row.state == ItemState.IN_PROGRESS
                row.state, row.attempts, row.last_run_id = ItemState.IN_PROGRESS, row.attempts + 1, run_id
                row.updated_at = now
                self.audit.record(
                    s,
                    "item.started",
                    "work_item",
                    self._target(row),
                    details={"attempt": row.attempts, "resumed": resumed, "claimed": True},
                )
            return [_item(r) for r in rows]

    def open_count(self) -> int:
        """Items not settled yet: new, retrying, or in progress (claimed by someone)."""
        with self.db.read() as s:
            return int(
                s.execute(
                    select(func.count())
                    .select_from(WorkItem)
                    .where(WorkItem.bot == self.bot, WorkItem.state.in_([str(x) for x in OPEN_STATES]))
                ).scalar_one()
            )

    def settled_in(self, run_id: int) -> dict[ItemState, int]:
        """How many items (alerts aside) run ``run_id`` took last, by the state they are in now."""
        with self.db.read() as s:
            rows = s.execute(
                select(WorkItem.state, func.count())
                .where(
                    WorkItem.bot == self.bot,
                    WorkItem.last_run_id == run_id,
                    WorkItem.reference.not_like(f"{ALERT_PREFIX}%"),
                )
                .group_by(WorkItem.state)
            ).all()
            return {ItemState(state): int(count) for state, count in rows}

    def retries_by(self, actor: str) -> int:
        """How many attempts ``actor`` (a run's processes) sent back to wait for a retry."""
        with self.db.read() as s:
            found = s.execute(
                select(func.count()).where(AuditEvent.actor == actor, AuditEvent.action == "item.retrying")
            ).scalar_one()
            return int(found)

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
    ) -> ItemState:
        """Move the item to ``state``; return the state it really reached.

        An item never reaches a final state while one of its effects is still ``intent`` (started, its
        outcome not established in the target): it goes to a person instead (``needs_review``, the
        effects named and marked for review), so nobody posts it a second time by hand. An item that
        goes to the exception queue after some of its effects were done names them in its message.
        """
        with self.db.transaction() as s:
            row = self._row(s, item.id)
            if state != ItemState.RETRYING:
                state, error_code, error_message = self._settle_effects(
                    s, row, state, error_code, error_message
                )
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
        return state

    def abandon(self, item: Item[Any], reason: str) -> None:
        """Give an item back untouched by this attempt (the run was interrupted while it was in hand):
        the attempt is not charged, its open effects are checked by the next attempt."""
        with self.db.transaction() as s:
            row = self._row(s, item.id)
            row.attempts = max(0, row.attempts - 1)
            row.state = ItemState.NEW if row.attempts == 0 else ItemState.RETRYING
            row.updated_at, row.next_attempt_at = self.clock(), None
            self.audit.record(
                s,
                "item.abandoned",
                "work_item",
                self._target(row),
                outcome=str(row.state),
                details={"reason": reason, "attempts": row.attempts},
            )

    def _settle_effects(
        self, s: Session, row: WorkItem, state: ItemState, code: str | None, message: str | None
    ) -> tuple[ItemState, str | None, str | None]:
        owner = self.bot.removesuffix(DRY_RUN_SUFFIX)
        opened = open_intents(s, owner, row.reference)
        if opened:
            keys = ", ".join(e.key for e in opened)
            for effect in opened:
                effect.state, effect.updated_at = EffectState.NEEDS_REVIEW, self.clock()
                self.audit.record(s, "effect.uncertain", "effect", effect.key, outcome="needs_review")
            note = f"started but not confirmed in the target: {keys}; check there whether it happened"
            if state in EXCEPTION_STATES:  # a person looks at it anyway: told what to check first
                message = f"{message}; {note}" if message else note
            else:  # a bot ending an item with an open intent: never "done"
                was = f" (the attempt ended with [{code}] {message})" if code else ""
                state, code = ItemState.NEEDS_REVIEW, "EFFECT_UNCERTAIN"
                message = f"{note} before doing it by hand{was}"
        if state in EXCEPTION_STATES:
            done = confirmed_of(s, owner, row.reference)
            if done:
                names = ", ".join(f"{e.key} {_short(e.result)}".rstrip() for e in done)
                message = f"{message or ''}; already done in the target: {names}".lstrip("; ")
        return state, code, message

    def resolve(
        self,
        reference: str,
        resolution: str,
        audit: AuditTrail,
        *,
        follow_up: Callable[[Mapping[str, Any]], NewItem[Mapping[str, Any]] | None] | None = None,
        then: Callable[[Session, int], None] | None = None,
    ) -> None:
        """A person closes an exception-queue item; ``audit`` is that person's trail (``user:<login>``).

        ``follow_up`` turns the item's payload into the work item that carries the decision out on the
        bot's next run (or None); it is added, and ``then(session, item_id)`` called, in the same
        transaction: a decision is never recorded without the work that carries it out.
        """
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
            new = follow_up(dict(row.payload or {})) if follow_up is not None else None
            run_id = row.last_run_id or row.first_run_id
            if new is not None and run_id is not None:
                taken = s.execute(
                    select(WorkItem.id).where(WorkItem.bot == self.bot, WorkItem.reference == new.reference)
                ).first()
                if taken is not None:
                    raise BusinessRuleError(
                        f"{self.bot} already has a follow-up item {new.reference!r}", code="FOLLOW_UP_EXISTS"
                    )
                self._insert(s, new, run_id)
            if then is not None:
                then(s, row.id)

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

    def collected_in(self, *run_ids: int) -> list[Item[Mapping[str, Any]]]:
        """The items first collected by the runs ``run_ids`` with their current state, in collection order."""
        with self.db.read() as s:
            rows = (
                s.execute(
                    select(WorkItem)
                    .where(WorkItem.bot == self.bot, WorkItem.first_run_id.in_(list(run_ids)))
                    .where(WorkItem.reference.not_like(f"{ALERT_PREFIX}%"))
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


def _short(result: Mapping[str, Any] | None) -> str:
    """The gist of an effect's result for a message: its scalar fields."""
    fields = [f"{k}={v}" for k, v in (result or {}).items() if isinstance(v, str | int | float)]
    return f"({', '.join(fields)})" if fields else ""


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
