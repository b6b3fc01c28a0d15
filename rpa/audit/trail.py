"""Appending to the audit trail: canonical JSON (RFC 8785), each event hashed with the previous hash.

An event is appended inside the caller's write transaction, so it commits or rolls back together
with the state change it describes. Appending updates the one-row chain head first, which takes a
row lock (PostgreSQL) or the write lock (SQLite): concurrent writers are serialized, seq has no gaps.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rpa.audit.redact import sanitize
from rpa.clock import utcnow
from rpa.errors import AuditIntegrityError
from rpa.store.models import AuditEvent, AuditHead

GENESIS_HASH = "0" * 64
Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class EventRecord:
    """What an event says, before it gets its place in the chain."""

    actor: str
    action: str
    target_type: str
    target_id: str
    outcome: str = "ok"
    details: Mapping[str, Any] | None = None
    evidence: Sequence[str] = ()


def canonical_event(
    seq: int,
    ts: str,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    outcome: str,
    details: Any,
    evidence: Any,
    prev_hash: str,
) -> bytes:
    """The exact bytes that are hashed: RFC 8785 canonical JSON of every field of the event."""
    return rfc8785.dumps(
        {
            "seq": seq,
            "ts": ts,
            "actor": actor,
            "action": action,
            "target": {"type": target_type, "id": target_id},
            "outcome": outcome,
            "details": details,
            "evidence": evidence,
            "prev_hash": prev_hash,
        }
    )


def event_hash(canonical: bytes) -> str:
    return hashlib.sha256(canonical).hexdigest()


def format_ts(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class AuditTrail:
    """Appends events for one actor (``bot:<id>/run:<id>`` or ``user:<login>``)."""

    def __init__(self, actor: str, clock: Clock | None = None) -> None:
        self.actor = actor
        self._clock = clock or utcnow

    def as_actor(self, actor: str) -> AuditTrail:
        return AuditTrail(actor, self._clock)

    def record(
        self,
        session: Session,
        action: str,
        target_type: str,
        target_id: str,
        *,
        outcome: str = "ok",
        details: Mapping[str, Any] | None = None,
        evidence: Sequence[str] = (),
    ) -> AuditEvent:
        """Append one event in ``session``'s transaction; the caller commits."""
        return append(
            session,
            EventRecord(self.actor, action, target_type, target_id, outcome, details, tuple(evidence)),
            self._clock(),
        )


def append(session: Session, record: EventRecord, now: datetime) -> AuditEvent:
    try:
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_seq=AuditHead.last_seq + 1))
        head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    except Exception as exc:
        raise AuditIntegrityError(f"audit chain head cannot be locked: {exc}") from exc
    session.refresh(head)
    seq, prev_hash = head.last_seq, head.last_hash
    details = sanitize(dict(record.details or {}))
    evidence = sorted(set(record.evidence))
    ts = format_ts(now)
    canonical = canonical_event(
        seq,
        ts,
        record.actor,
        record.action,
        record.target_type,
        record.target_id,
        record.outcome,
        details,
        evidence,
        prev_hash,
    )
    digest = event_hash(canonical)
    event = AuditEvent(
        seq=seq,
        ts=ts,
        actor=record.actor,
        action=record.action,
        target_type=record.target_type,
        target_id=str(record.target_id),
        outcome=record.outcome,
        details=rfc8785.dumps(details).decode(),
        evidence=rfc8785.dumps(evidence).decode(),
        prev_hash=prev_hash,
        hash=digest,
    )
    session.add(event)
    head.last_hash = digest
    session.flush()
    return event
