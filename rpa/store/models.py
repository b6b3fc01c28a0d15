"""The tables: runs, work items, effects, audit events (with their chain head) and users.

Portable SQL only (SQLite embedded, PostgreSQL scale-out). Money never lives here as a column:
business payloads are JSON text with Decimals as strings. Instants are aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware UTC instant")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UtcDateTime}


class Run(Base):
    """One execution of a bot. ``(schedule, scheduled_for)`` is unique: a fire yields at most one run."""

    __tablename__ = "runs"
    __table_args__ = (
        UniqueConstraint("schedule", "scheduled_for", name="uq_runs_fire"),
        Index("ix_runs_bot_status", "bot", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bot: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | manual | console | api | demo
    schedule: Mapped[str | None] = mapped_column(String(128))
    scheduled_for: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(32))  # pending | running | <outcome>
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    pid: Mapped[int | None]
    host: Mapped[str | None] = mapped_column(String(255))
    worker: Mapped[str | None] = mapped_column(String(255))  # scale-out: host:pid/name of the worker
    # The interrupted (or failed) run this one resumes: its report covers both.
    resumed_from: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    requested_by: Mapped[str | None] = mapped_column(String(128))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class WorkItem(Base):
    """A unit of work with a business reference unique per bot; the exception queue is a state of it."""

    __tablename__ = "work_items"
    __table_args__ = (
        UniqueConstraint("bot", "reference", name="uq_work_items_ref"),
        Index("ix_work_items_bot_state", "bot", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bot: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    deadline: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    error_traceback: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    first_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Effect(Base):
    """The effect ledger: one row per external write, keyed by a stable business key."""

    __tablename__ = "effects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    bot: Mapped[str] = mapped_column(String(64))
    item_reference: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16))  # intent | confirmed | failed | needs_review
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Watermark(Base):
    """How far a bot has covered a source (e.g. the last booking date of the bank statements it read)."""

    __tablename__ = "watermarks"

    bot: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))  # ISO text (a date, an instant, a sequence number)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    updated_at: Mapped[datetime]


class AuditEvent(Base):
    """One link of the hash chain. Rows are only ever inserted (PostgreSQL refuses anything else)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_ts", "ts"),
        Index("ix_audit_events_actor", "actor"),
        Index("ix_audit_events_target", "target_type", "target_id"),
        Index("ix_audit_events_run", "run_id"),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    ts: Mapped[str] = mapped_column(String(40))  # ISO-8601 UTC text: hashed exactly as stored
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(96), index=True)
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(32))
    details: Mapped[str] = mapped_column(Text)  # canonical JSON
    evidence: Mapped[str] = mapped_column(Text)  # canonical JSON list of sha256
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[int | None] = mapped_column(Integer, default=None)  # from the actor; a lookup aid


class SchedulerLeader(Base):
    """Scale-out: which scheduler leads (one row), stamped by its heartbeat; a new leader replays from it."""

    __tablename__ = "scheduler_leader"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    replay_from: Mapped[datetime]  # the first fire it was responsible for is after this instant


class SchedulePause(Base):
    """Scale-out: a schedule operations paused, read by every scheduler (on one machine: a var/ file)."""

    __tablename__ = "schedule_pauses"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    paused_by: Mapped[str] = mapped_column(String(128))
    paused_at: Mapped[datetime]


class AuditHead(Base):
    """The chain head, one row: appending updates it first, which serializes writers on every database."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditSubjectKey(Base):
    """The AES-256-GCM key sealing one data subject's personal values in the trail; forgetting the
    subject erases the key (the sealed values stay, hashed into the chain, unreadable)."""

    __tablename__ = "audit_subject_keys"

    subject: Mapped[str] = mapped_column(String(128), primary_key=True)
    key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime]
    forgotten_at: Mapped[datetime | None]
    forgotten_by: Mapped[str | None] = mapped_column(String(128))


class AuditMerkleBlock(Base):
    """The Merkle root of each full block of 1024 events: a cache that makes an inclusion proof read a few
    thousand rows instead of the whole trail. Not trusted: a proof built from it is checked against the
    signed root before it is shown."""

    __tablename__ = "audit_merkle_blocks"

    block: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))


class User(Base):
    """A person using the console: operator, backoffice, auditor or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(128), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))  # operator | backoffice | auditor | admin
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


# --- the console (migration 0003) --------------------------------------------------------------------


class ConsoleSession(Base):
    """A signed-in browser: the cookie carries a random token, the table keeps only its SHA-256."""

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    address: Mapped[str] = mapped_column(String(64))


class LoginFailure(Base):
    """One refused console login, counted per login and per address for throttling."""

    __tablename__ = "console_login_failures"
    __table_args__ = (
        Index("ix_console_login_failures_login_at", "login", "at"),
        Index("ix_console_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(128))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class ItemClaim(Base):
    """Who holds an exception-queue item: one holder at a time, others see who."""

    __tablename__ = "console_claims"

    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id"), primary_key=True)
    login: Mapped[str] = mapped_column(String(128), index=True)
    claimed_at: Mapped[datetime]


class ResolutionProposal(Base):
    """A resolution above the four-eyes amount, waiting for a second person's approval."""

    __tablename__ = "console_proposals"
    __table_args__ = (Index("ix_console_proposals_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    work_item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id"), index=True)
    bot: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(255))
    resolution: Mapped[str] = mapped_column(Text)
    amount: Mapped[str] = mapped_column(String(32))
    proposed_by: Mapped[str] = mapped_column(String(128))
    proposed_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))  # pending | approved | rejected
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
