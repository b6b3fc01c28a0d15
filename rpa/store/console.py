"""The console's repository: users, sessions, login throttling, claims, four-eyes proposals, and the
read queries behind its pages (keyset pagination on indexed columns, nothing scanned whole).

Every change a person makes is audited with their login in the same transaction. Resolutions go
through :meth:`rpa.workqueue.WorkQueue.resolve`, the one path that closes an exception-queue item.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Float, and_, case, cast, delete, func, select, tuple_, type_coerce
from sqlalchemy.orm import Session

from rpa.audit.trail import AuditTrail, format_ts
from rpa.errors import BusinessRuleError
from rpa.items import EXCEPTION_STATES, OPEN_STATES, ItemState, NewItem
from rpa.resolutions import FOLLOW_UP_SUFFIX, follow_up_item
from rpa.runs import RunRecord
from rpa.store.db import Database
from rpa.store.models import (
    AuditEvent,
    ConsoleSession,
    ItemClaim,
    LoginFailure,
    ResolutionProposal,
    Run,
    User,
    WorkItem,
)
from rpa.workqueue import DRY_RUN_SUFFIX, WorkQueue

ROLES = ("operator", "backoffice", "auditor", "admin")
Clock = Callable[[], datetime]


def user_actor(login: str) -> str:
    return f"user:{login}"


# --- users ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserRecord:
    id: int
    login: str
    display_name: str
    role: str
    active: bool
    created_at: datetime
    password_hash: str = field(repr=False, default="")

    @classmethod
    def of(cls, u: User) -> UserRecord:
        return cls(u.id, u.login, u.display_name, u.role, u.active, u.created_at, u.password_hash)


def add_user(
    db: Database,
    audit: AuditTrail,
    login: str,
    role: str,
    password_hash: str,
    now: datetime,
    display_name: str = "",
) -> UserRecord:
    if role not in ROLES:
        raise BusinessRuleError(f"unknown role {role!r} (roles: {', '.join(ROLES)})", code="ROLE_UNKNOWN")
    with db.transaction() as s:
        if s.execute(select(User.id).where(User.login == login)).first() is not None:
            raise BusinessRuleError(f"user {login!r} exists already", code="USER_EXISTS")
        user = User(
            login=login,
            display_name=display_name or login,
            role=role,
            password_hash=password_hash,
            active=True,
            created_at=now,
        )
        s.add(user)
        s.flush()
        audit.record(s, "user.added", "user", login, details={"role": role})
        return UserRecord.of(user)


def list_users(db: Database) -> list[UserRecord]:
    with db.read() as s:
        return [UserRecord.of(u) for u in s.execute(select(User).order_by(User.login)).scalars()]


def find_user(db: Database, login: str) -> UserRecord | None:
    with db.read() as s:
        u = s.execute(select(User).where(User.login == login)).scalar_one_or_none()
        return UserRecord.of(u) if u else None


def disable_user(db: Database, audit: AuditTrail, login: str) -> bool:
    """Disable ``login`` and end its sessions; False when it already was disabled."""
    with db.transaction() as s:
        u = s.execute(select(User).where(User.login == login)).scalar_one_or_none()
        if u is None:
            raise BusinessRuleError(f"there is no user {login!r}", code="USER_UNKNOWN")
        s.execute(delete(ConsoleSession).where(ConsoleSession.user_id == u.id))
        if not u.active:
            return False
        u.active = False
        audit.record(s, "user.disabled", "user", login)
        return True


def set_password_hash(db: Database, login: str, password_hash: str) -> None:
    """Store a re-hashed password (argon2 parameters raised since it was set)."""
    with db.transaction() as s:
        u = s.execute(select(User).where(User.login == login)).scalar_one()
        u.password_hash = password_hash


# --- sessions and throttling ---------------------------------------------------------------------------


def failures_since(db: Database, login: str, address: str, since: datetime) -> tuple[int, int]:
    """Failed logins since ``since``: (for this login, from this address)."""
    with db.read() as s:
        by_login = s.execute(
            select(func.count()).where(LoginFailure.login == login, LoginFailure.at >= since)
        ).scalar_one()
        by_address = s.execute(
            select(func.count()).where(LoginFailure.address == address, LoginFailure.at >= since)
        ).scalar_one()
        return int(by_login), int(by_address)


def record_login(
    db: Database, login: str, address: str, now: datetime, *, outcome: str, reason: str = ""
) -> None:
    """Audit one login attempt; a failure is also counted for throttling."""
    with db.transaction() as s:
        if outcome != "ok":
            s.add(LoginFailure(login=login[:128], address=address[:64], at=now))
        AuditTrail(user_actor(login[:120]) if outcome == "ok" else "anonymous").record(
            s,
            "console.login" if outcome == "ok" else "console.login_refused",
            "user",
            login[:255],
            outcome=outcome,
            details={"address": address, **({"reason": reason} if reason else {})},
        )


def open_session(
    db: Database,
    user: UserRecord,
    token_hash: str,
    csrf: str,
    address: str,
    now: datetime,
    lifetime: timedelta,
) -> None:
    with db.transaction() as s:
        s.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
        s.execute(delete(LoginFailure).where(LoginFailure.login == user.login))
        s.add(
            ConsoleSession(
                token_hash=token_hash,
                user_id=user.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + lifetime,
                address=address[:64],
            )
        )


def session_user(db: Database, token_hash: str, now: datetime) -> tuple[UserRecord, str] | None:
    """The active user of a live session and its CSRF token, or None."""
    with db.read() as s:
        row = s.execute(
            select(User, ConsoleSession.csrf_token)
            .join(ConsoleSession, ConsoleSession.user_id == User.id)
            .where(ConsoleSession.token_hash == token_hash, ConsoleSession.expires_at > now, User.active)
        ).first()
        return (UserRecord.of(row[0]), str(row[1])) if row else None


def close_session(db: Database, token_hash: str, login: str) -> None:
    with db.transaction() as s:
        s.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == token_hash))
        AuditTrail(user_actor(login)).record(s, "console.logout", "user", login)


def record_action(
    db: Database, login: str, action: str, target_type: str, target_id: str, details: dict[str, Any]
) -> None:
    """A person's action that changes nothing in the database itself (e.g. an export)."""
    with db.transaction() as s:
        AuditTrail(user_actor(login)).record(s, action, target_type, target_id, details=details)


# --- runs --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_cursor: str | None


def runs_page(
    db: Database,
    *,
    bot: str = "",
    status: str = "",
    trigger: str = "",
    before: int | None = None,
    limit: int = 50,
    offset: int | None = None,
) -> Page:
    """Runs newest first; ``before`` is the keyset cursor (a run id). ``offset`` pages the slow way
    (kept for the benchmark's baseline)."""
    q = select(Run).order_by(Run.id.desc())
    if bot:
        q = q.where(Run.bot == bot)
    if status:
        q = q.where(Run.status == status)
    if trigger:
        q = q.where(Run.trigger == trigger)
    if offset is not None:
        q = q.offset(offset)
    elif before is not None:
        q = q.where(Run.id < before)
    with db.read() as s:
        rows = [RunRecord.of(r) for r in s.execute(q.limit(limit + 1)).scalars()]
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, str(rows[-1].id) if more and rows else None)


def run_items(db: Database, run_id: int, limit: int = 200) -> tuple[list[WorkItem], dict[str, int]]:
    """Items last touched by the run (first ``limit``) and the count per state."""
    with db.read() as s:
        counts = {
            str(state): int(n)
            for state, n in s.execute(
                select(WorkItem.state, func.count())
                .where(WorkItem.last_run_id == run_id)
                .group_by(WorkItem.state)
            )
        }
        rows = list(
            s.execute(
                select(WorkItem).where(WorkItem.last_run_id == run_id).order_by(WorkItem.id).limit(limit)
            ).scalars()
        )
        return rows, counts


def recent_fires(db: Database, schedule: str, limit: int = 5) -> list[RunRecord]:
    with db.read() as s:
        q = select(Run).where(Run.schedule == schedule).order_by(Run.scheduled_for.desc()).limit(limit)
        return [RunRecord.of(r) for r in s.execute(q).scalars()]


# --- the exception queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    id: int
    bot: str
    reference: str
    state: str
    error_code: str | None
    error_message: str | None
    updated_at: datetime
    payload: dict[str, Any]
    holder: str | None
    pending_proposal: bool

    @property
    def amount(self) -> str:
        return item_amount(self.payload)


def item_amount(payload: dict[str, Any]) -> str:
    """The amount an item is about (a bank line's, a reminder's total), as text; empty when none."""
    line = payload.get("line")
    if isinstance(line, dict) and line.get("amount") is not None:
        return str(line["amount"])
    reminder = payload.get("reminder")
    if isinstance(reminder, dict) and reminder.get("totals"):
        return str(sum((Decimal(str(t[1])) for t in reminder["totals"]), Decimal(0)))
    for key in ("amount", "amount_due", "total"):
        if payload.get(key) is not None:
            return str(payload[key])
    return ""


def _amount_expr(db: Database) -> Any:
    if db.is_sqlite:
        return cast(func.json_extract(WorkItem.payload, "$.line.amount"), Float)
    return type_coerce(WorkItem.payload, JSON)[("line", "amount")].as_float()


def exceptions_page(
    db: Database,
    now: datetime,
    *,
    bot: str = "",
    code: str = "",
    min_age_days: int | None = None,
    min_amount: float | None = None,
    max_amount: float | None = None,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
    offset: int | None = None,
) -> tuple[list[QueueRow], tuple[datetime, int] | None]:
    """Items waiting for a person, oldest first; ``after`` is the keyset cursor (updated_at, id).

    One indexed query per exception state, merged: each walks (state, updated_at, id) in order and
    stops at ``limit``. ``offset`` runs the single query with OFFSET instead (benchmark baseline)."""
    states = [str(x) for x in EXCEPTION_STATES]

    def query(state_filter: Any) -> Any:
        q = (
            select(WorkItem, ItemClaim.login, ResolutionProposal.id)
            .outerjoin(ItemClaim, ItemClaim.work_item_id == WorkItem.id)
            .outerjoin(
                ResolutionProposal,
                and_(ResolutionProposal.work_item_id == WorkItem.id, ResolutionProposal.state == "pending"),
            )
            .where(state_filter, WorkItem.bot.not_like(f"%{DRY_RUN_SUFFIX}"))
            .order_by(WorkItem.updated_at, WorkItem.id)
        )
        if bot:
            q = q.where(WorkItem.bot == bot)
        if code:
            q = q.where(WorkItem.error_code == code)
        if min_age_days is not None:
            q = q.where(WorkItem.updated_at <= now - timedelta(days=min_age_days))
        if min_amount is not None:
            q = q.where(_amount_expr(db) >= min_amount)
        if max_amount is not None:
            q = q.where(_amount_expr(db) <= max_amount)
        return q

    found: list[Any] = []
    with db.read() as s:
        if offset is not None:
            found = list(s.execute(query(WorkItem.state.in_(states)).offset(offset).limit(limit + 1)))
        else:
            for state in states:
                q = query(WorkItem.state == state)
                if after is not None:
                    # a row value: walked as one range of the (state, updated_at, id) index
                    q = q.where(tuple_(WorkItem.updated_at, WorkItem.id) > tuple_(after[0], after[1]))
                found.extend(s.execute(q.limit(limit + 1)))
            found.sort(key=lambda r: (r[0].updated_at, r[0].id))
        rows = [
            QueueRow(
                w.id,
                w.bot,
                w.reference,
                w.state,
                w.error_code,
                w.error_message,
                w.updated_at,
                dict(w.payload or {}),
                holder,
                proposal is not None,
            )
            for w, holder, proposal in found[: limit + 1]
        ]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, ((rows[-1].updated_at, rows[-1].id) if more and rows else None)


@dataclass(frozen=True)
class ProposalRecord:
    id: int
    work_item_id: int
    bot: str
    reference: str
    resolution: str
    amount: str
    proposed_by: str
    proposed_at: datetime
    state: str
    decided_by: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, p: ResolutionProposal) -> ProposalRecord:
        return cls(
            p.id,
            p.work_item_id,
            p.bot,
            p.reference,
            p.resolution,
            p.amount,
            p.proposed_by,
            p.proposed_at,
            p.state,
            p.decided_by,
            p.decided_at,
        )


@dataclass(frozen=True)
class ItemView:
    item: WorkItem
    holder: str | None
    claimed_at: datetime | None
    proposals: list[ProposalRecord]

    @property
    def pending(self) -> ProposalRecord | None:
        return next((p for p in self.proposals if p.state == "pending"), None)

    @property
    def open(self) -> bool:
        return self.item.state in {str(x) for x in EXCEPTION_STATES}


def item_view(db: Database, item_id: int) -> ItemView | None:
    with db.read() as s:
        item = s.get(WorkItem, item_id)
        if item is None:
            return None
        claim = s.get(ItemClaim, item_id)
        proposals = [
            ProposalRecord.of(p)
            for p in s.execute(
                select(ResolutionProposal)
                .where(ResolutionProposal.work_item_id == item_id)
                .order_by(ResolutionProposal.id)
            ).scalars()
        ]
        return ItemView(item, claim.login if claim else None, claim.claimed_at if claim else None, proposals)


def pending_proposals(db: Database, limit: int = 50) -> list[ProposalRecord]:
    with db.read() as s:
        q = (
            select(ResolutionProposal)
            .where(ResolutionProposal.state == "pending")
            .order_by(ResolutionProposal.id)
        )
        return [ProposalRecord.of(p) for p in s.execute(q.limit(limit)).scalars()]


def _open_item(s: Session, item_id: int) -> WorkItem:
    item = s.get(WorkItem, item_id)
    if item is None:
        raise BusinessRuleError(f"there is no work item {item_id}", code="ITEM_UNKNOWN")
    if item.state not in {str(x) for x in EXCEPTION_STATES}:
        raise BusinessRuleError(
            f"{item.bot} item {item.reference} is {item.state}: it is no longer in the exception queue",
            code="ITEM_NOT_IN_EXCEPTION_QUEUE",
        )
    return item


def claim(db: Database, item_id: int, login: str, now: datetime, *, release: bool = False) -> str | None:
    """Take (or give back) an item; returns the holder after the change. Taking an item someone else
    holds is refused (they give it back first)."""
    with db.transaction() as s:
        item = _open_item(s, item_id)
        held = s.get(ItemClaim, item_id)
        target = f"{item.bot}:{item.reference}"
        trail = AuditTrail(user_actor(login))
        if release:
            if held is None or held.login != login:
                raise BusinessRuleError(f"{target} is not held by {login}", code="ITEM_NOT_HELD")
            s.delete(held)
            trail.record(s, "exception.released", "work_item", target)
            return None
        if held is not None:
            if held.login == login:
                return login
            raise BusinessRuleError(
                f"{target} is held by {held.login} since {held.claimed_at:%Y-%m-%d %H:%M} UTC",
                code="ITEM_HELD",
            )
        s.add(ItemClaim(work_item_id=item_id, login=login, claimed_at=now))
        trail.record(s, "exception.claimed", "work_item", target)
        return login


def _check_holder(s: Session, item: WorkItem, login: str) -> None:
    held = s.get(ItemClaim, item.id)
    if held is None or held.login != login:
        who = f"held by {held.login}" if held else "not claimed"
        raise BusinessRuleError(
            f"{item.bot}:{item.reference} is {who}: claim it before deciding", code="ITEM_NOT_HELD"
        )


def resolve_or_propose(
    db: Database,
    item_id: int,
    login: str,
    resolution: str,
    amount: str,
    needs_second_person: bool,
    now: datetime,
    clock: Clock,
) -> ProposalRecord | None:
    """Resolve the item now (through the work queue), or record a proposal waiting for a second
    person when ``needs_second_person``; returns the proposal in that case."""
    with db.transaction() as s:
        item = _open_item(s, item_id)
        _check_holder(s, item, login)
        if s.execute(
            select(ResolutionProposal.id).where(
                ResolutionProposal.work_item_id == item_id, ResolutionProposal.state == "pending"
            )
        ).first():
            raise BusinessRuleError(
                f"{item.bot}:{item.reference} already has a resolution waiting for approval",
                code="PROPOSAL_PENDING",
            )
        bot, reference = item.bot, item.reference
        if needs_second_person:
            proposal = ResolutionProposal(
                work_item_id=item_id,
                bot=bot,
                reference=reference,
                resolution=resolution,
                amount=amount,
                proposed_by=login,
                proposed_at=now,
                state="pending",
            )
            s.add(proposal)
            s.flush()
            AuditTrail(user_actor(login)).record(
                s,
                "exception.proposed",
                "work_item",
                f"{bot}:{reference}",
                details={"resolution": resolution, "amount": amount, "proposal": proposal.id},
            )
            return ProposalRecord.of(proposal)
    _resolve(db, item_id, bot, reference, resolution, login, clock)
    return None


def decide_proposal(
    db: Database, proposal_id: int, login: str, approve: bool, note: str, now: datetime, clock: Clock
) -> ProposalRecord:
    """A second person approves (the item is resolved, by them, with the proposal's decision) or rejects
    it (the item stays in the queue). The proposer cannot decide their own proposal. An approval and the
    resolution it makes are one transaction."""

    def decide(s: Session) -> ProposalRecord:
        p = s.get(ResolutionProposal, proposal_id)
        if p is None or p.state != "pending":
            raise BusinessRuleError(
                f"proposal {proposal_id} is not waiting for approval", code="PROPOSAL_UNKNOWN"
            )
        if p.proposed_by == login:
            raise BusinessRuleError(
                f"proposal {proposal_id} was made by {login}: a second person approves it (four eyes)",
                code="FOUR_EYES",
            )
        p.state, p.decided_by, p.decided_at, p.decision_note = (
            ("approved" if approve else "rejected"),
            login,
            now,
            note,
        )
        AuditTrail(user_actor(login)).record(
            s,
            "exception.approved" if approve else "exception.rejected",
            "work_item",
            f"{p.bot}:{p.reference}",
            details={"proposal": p.id, "proposed_by": p.proposed_by, "note": note, "amount": p.amount},
        )
        return ProposalRecord.of(p)

    with db.read() as s:
        p = s.get(ResolutionProposal, proposal_id)
        if p is None or p.state != "pending" or not approve:
            p = None
        else:
            bot, reference, item_id = p.bot, p.reference, p.work_item_id
            text = f"{p.resolution} (proposed by {p.proposed_by}, approved by {login})"
    if p is None:  # a rejection, or a proposal that is not pending: decide() says which
        with db.transaction() as s:
            return decide(s)
    decided: list[ProposalRecord] = []
    _resolve(db, item_id, bot, reference, text, login, clock, then=lambda s: decided.append(decide(s)))
    return decided[0]


def _resolve(
    db: Database,
    item_id: int,
    bot: str,
    reference: str,
    resolution: str,
    login: str,
    clock: Clock,
    then: Callable[[Session], object] | None = None,
) -> None:
    """Close the item through the work queue as ``login``; a decision the bot carries out (a chosen
    match, a verdict on a dossier's findings) becomes a new work item of the bot, done by its next run
    through the effect ledger."""
    trail = AuditTrail(user_actor(login), clock)
    queue = WorkQueue(db, bot, trail, clock)

    def carry_out(payload: Mapping[str, Any]) -> NewItem[Mapping[str, Any]] | None:
        return follow_up_item(reference, payload, resolution)

    def release_claim(s: Session, held: int) -> None:
        if then is not None:
            then(s)
        s.execute(delete(ItemClaim).where(ItemClaim.work_item_id == held))

    # One transaction: the decision, the work item that carries it out and the claim's release.
    queue.resolve(reference, resolution, trail, follow_up=carry_out, then=release_claim)


# --- the dashboard -----------------------------------------------------------------------------------


def _first_run_since(s: Session, since: datetime) -> int | None:
    """The first run created at or after ``since`` (ids grow with creation time): by the created_at index."""
    q = select(Run.id).where(Run.created_at >= since).order_by(Run.created_at).limit(1)
    value = s.execute(q).scalar_one_or_none()
    return int(value) if value is not None else None


def runs_since(db: Database, since: datetime, limit: int = 30) -> tuple[list[RunRecord], dict[str, int]]:
    with db.read() as s:
        first = _first_run_since(s, since)
        if first is None:
            return [], {}
        counts = {
            str(st): int(n)
            for st, n in s.execute(
                select(Run.status, func.count()).where(Run.id >= first).group_by(Run.status)
            )
        }
        q = select(Run).where(Run.id >= first).order_by(Run.id.desc()).limit(limit)
        return [RunRecord.of(r) for r in s.execute(q).scalars()], counts


def open_exceptions_by_age(db: Database, now: datetime, bots: Sequence[str]) -> dict[str, dict[str, int]]:
    """Open exception-queue items per bot in age buckets (by when they entered the queue): one count
    per bot and state, read from the (bot, state, updated_at) index alone."""
    day, week = now - timedelta(days=1), now - timedelta(days=7)
    recent = func.sum(case((WorkItem.updated_at >= day, 1), else_=0))
    this_week = func.sum(case((WorkItem.updated_at >= week, 1), else_=0))
    found: dict[str, dict[str, int]] = {}
    with db.read() as s:
        for bot in bots:
            counts = {"< 1 day": 0, "1-7 days": 0, "> 7 days": 0}
            for state in EXCEPTION_STATES:
                q = select(func.count(), this_week, recent).where(
                    WorkItem.bot == bot, WorkItem.state == str(state)
                )
                total, week_n, day_n = s.execute(q).one()
                total, week_n, day_n = int(total or 0), int(week_n or 0), int(day_n or 0)
                counts["< 1 day"] += day_n
                counts["1-7 days"] += week_n - day_n
                counts["> 7 days"] += total - week_n
            if any(counts.values()):
                found[bot] = counts
    return found


def match_rates(
    db: Database, bot: str, since: datetime, until: datetime | None = None
) -> list[tuple[datetime, float, int]]:
    """(created_at, match_rate, lines) of the bot's runs created in ``[since, until)`` whose summary has
    a match rate; the time range becomes a run-id range (created_at index), then (bot, id) is walked."""
    with db.read() as s:
        first = _first_run_since(s, since)
        if first is None:
            return []
        rate = Run.summary["match_rate"].as_float()
        lines = Run.summary["lines"].as_integer()
        q = select(Run.created_at, rate, lines).where(Run.bot == bot, Run.id >= first, rate.is_not(None))
        if until is not None:
            last = _first_run_since(s, until)
            if last is not None:
                q = q.where(Run.id < last)
        return [(c, float(r), int(n or 0)) for c, r, n in s.execute(q)]


def first_seq_at(s: Session, instant: datetime, *, before: bool = False) -> int | None:
    """The first event at or after ``instant`` (or the last one before it), by the ts index."""
    ts = format_ts(instant)
    if before:
        q = select(AuditEvent.seq).where(AuditEvent.ts < ts).order_by(AuditEvent.ts.desc()).limit(1)
    else:
        q = select(AuditEvent.seq).where(AuditEvent.ts >= ts).order_by(AuditEvent.ts).limit(1)
    value = s.execute(q).scalar_one_or_none()
    return int(value) if value is not None else None


def daily_events(
    db: Database, action: str, since: datetime, amount_key: str = "", until: datetime | None = None
) -> dict[str, tuple[int, float]]:
    """Per UTC day in ``[since, until)``: how many ``action`` events, and the sum of their ``amount_key``
    detail. The time range becomes a seq range (ts index), then the (action, seq) index is walked."""
    with db.read() as s:
        start = first_seq_at(s, since)
        if start is None:
            return {}
        day = func.substr(AuditEvent.ts, 1, 10)
        if amount_key and db.is_sqlite:
            amount: Any = func.sum(cast(func.json_extract(AuditEvent.details, f"$.{amount_key}"), Float))
        elif amount_key:
            amount = func.sum(cast(cast(AuditEvent.details, JSON)[amount_key].as_string(), Float))
        else:
            amount = func.count()
        q = select(day, func.count(), amount).where(AuditEvent.action == action, AuditEvent.seq >= start)
        if until is not None:
            end = first_seq_at(s, until)
            if end is not None:
                q = q.where(AuditEvent.seq < end)
        return {str(d): (int(n), float(a or 0)) for d, n, a in s.execute(q.group_by(day))}


# --- the audit trail -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    seq: int
    ts: str
    actor: str
    action: str
    target_type: str
    target_id: str
    outcome: str
    details: str
    evidence: str
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, e: AuditEvent) -> EventRow:
        return cls(
            e.seq,
            e.ts,
            e.actor,
            e.action,
            e.target_type,
            e.target_id,
            e.outcome,
            e.details,
            e.evidence,
            e.prev_hash,
            e.hash,
        )

    @property
    def details_dict(self) -> Any:
        return json.loads(self.details)

    @property
    def evidence_list(self) -> list[str]:
        return [str(x) for x in json.loads(self.evidence)]


def _event_query(
    s: Session, start: datetime | None, end: datetime | None, actor: str, action: str, target: str
) -> Any:
    q = select(AuditEvent)
    if start is not None:
        low = first_seq_at(s, start)
        q = q.where(AuditEvent.seq >= (low if low is not None else 1 << 62))
    if end is not None:
        high = first_seq_at(s, end, before=True)
        q = q.where(AuditEvent.seq <= (high if high is not None else 0))
    if actor:
        q = q.where(AuditEvent.actor == actor)
    if action:
        q = q.where(AuditEvent.action == action)
    if target:
        q = q.where(AuditEvent.target_id == target)
    return q


def events_page(
    db: Database,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    actor: str = "",
    action: str = "",
    target: str = "",
    before: int | None = None,
    limit: int = 50,
    offset: int | None = None,
) -> Page:
    """Events newest first; the date range becomes a seq range (by the ts index), ``before`` is the
    keyset cursor (a seq)."""
    with db.read() as s:
        q = _event_query(s, start, end, actor, action, target).order_by(AuditEvent.seq.desc())
        if offset is not None:
            q = q.offset(offset)
        elif before is not None:
            q = q.where(AuditEvent.seq < before)
        rows = [EventRow.of(e) for e in s.execute(q.limit(limit + 1)).scalars()]
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, str(rows[-1].seq) if more and rows else None)


def event(db: Database, seq: int) -> EventRow | None:
    with db.read() as s:
        e = s.get(AuditEvent, seq)
        return EventRow.of(e) if e else None


def iter_events(
    db: Database,
    start: datetime | None,
    end: datetime | None,
    actor: str = "",
    action: str = "",
    target: str = "",
) -> Iterator[EventRow]:
    """Every event of the range in chain order, read in batches (for the CSV export)."""
    last = 0
    while True:
        with db.read() as s:
            q = _event_query(s, start, end, actor, action, target).where(AuditEvent.seq > last)
            batch = [EventRow.of(e) for e in s.execute(q.order_by(AuditEvent.seq).limit(5000)).scalars()]
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def bulk_insert(db: Database, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows in one executemany (the benchmark's seeding; no audit, no checks)."""
    from rpa.store.models import Base

    with db.transaction() as s:
        s.execute(Base.metadata.tables[table].insert(), list(rows))


# --- the invoice search ------------------------------------------------------------------------------


def allocated_since(db: Database, bot: str, run_id: int) -> dict[str, Decimal]:
    """Invoice -> amount taken from it since run ``run_id`` exported the open items: what the bot's items
    posted in that run or later (``result.posted``, performed, not a dry run), and what a person decided
    that the next run has yet to post (pending ``<line>:resolved`` items)."""
    taken: dict[str, Decimal] = {}

    def add(invoice: Any, amount: Any) -> None:
        try:
            value = Decimal(str(amount))
        except ArithmeticError:
            return
        taken[str(invoice)] = taken.get(str(invoice), Decimal(0)) + value

    with db.read() as s:
        done = s.execute(
            select(WorkItem.result).where(
                WorkItem.bot == bot, WorkItem.state == ItemState.DONE, WorkItem.last_run_id >= run_id
            )
        ).scalars()
        for result in done:
            for p in (result or {}).get("posted") or []:
                if isinstance(p, dict) and p.get("performed") and not p.get("dry_run"):
                    add(p.get("invoice"), p.get("amount"))
        waiting = s.execute(
            select(WorkItem.payload).where(
                WorkItem.bot == bot,
                WorkItem.state.in_([str(x) for x in OPEN_STATES]),
                WorkItem.reference.like(f"%{FOLLOW_UP_SUFFIX}"),
            )
        ).scalars()
        for payload in waiting:
            for a in (payload or {}).get("allocations") or []:
                if isinstance(a, dict):
                    add(a.get("invoice"), a.get("amount"))
    return taken
