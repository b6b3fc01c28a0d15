"""Appending to the audit trail: canonical JSON (RFC 8785), each event hashed with the previous hash.

An event is appended inside the caller's write transaction, so it commits or rolls back together
with the state change it describes. Appending updates the one-row chain head first, which takes a
row lock (PostgreSQL) or the write lock (SQLite): concurrent writers are serialized, seq has no gaps.

The hashed bytes of an event are the RFC 8785 canonical JSON of all its fields (see
:func:`canonical_stored`); the chain hash is ``SHA-256(bytes)``, the Merkle leaf is
``SHA-256(0x00 || bytes)`` (:mod:`rpa.audit.merkle`). Details pass the allow-list of their action
(:mod:`rpa.audit.redact`) and personal values are sealed with their subject's key
(:mod:`rpa.audit.subjects`) before anything is hashed or stored.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any, cast

import rfc8785
from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.orm import Session

from rpa.audit.redact import allowed_details, sanitize
from rpa.audit.subjects import seal_personal
from rpa.clock import utcnow
from rpa.errors import AuditIntegrityError
from rpa.store.models import AuditEvent

GENESIS_HASH = "0" * 64
Clock = Callable[[], datetime]
AfterCommit = Callable[[int], None]
_RUN_OF_ACTOR = re.compile(r"/run:(\d+)$")
_PENDING_KEY = "rpa.audit.last_seq"
_HEAD_KEY = "rpa.audit.head"
_LISTENING_KEY = "rpa.audit.head_listener"
_LOCK_HEAD = text("UPDATE audit_head SET last_seq = last_seq WHERE id = 1")
_READ_HEAD = text("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")
_WRITE_HEAD = text("UPDATE audit_head SET last_seq = :seq, last_hash = :hash WHERE id = 1")
_WRITE_HEAD_SQLITE = "UPDATE audit_head SET last_seq = ?, last_hash = ? WHERE id = 1"

# RFC 8785 serializes a string like ECMAScript's JSON.stringify: only '"', '\\' and control characters
# are escaped (\b \t \n \f \r, else \u00xx in lower case), every other character is kept as UTF-8.
# The standard library's ensure_ascii=False encoder does exactly that (tested against rfc8785).
_q = encode_basestring
quote_json_string = encode_basestring


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


def canonical_stored(
    seq: int,
    ts: str,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    outcome: str,
    details_json: str,
    evidence_json: str,
    prev_hash: str,
) -> bytes:
    """:func:`canonical_event` of a stored event, whose details and evidence are kept as canonical JSON
    text already: the same bytes, built in a few microseconds (what makes verification fast)."""
    return (
        f'{{"action":{_q(action)},"actor":{_q(actor)},"details":{details_json},"evidence":{evidence_json},'
        f'"outcome":{_q(outcome)},"prev_hash":{_q(prev_hash)},"seq":{seq},'
        f'"target":{{"id":{_q(target_id)},"type":{_q(target_type)}}},"ts":{_q(ts)}}}'
    ).encode()


def event_hash(canonical: bytes) -> str:
    return hashlib.sha256(canonical).hexdigest()


def format_ts(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def run_of_actor(actor: str) -> int | None:
    """The run id in a ``bot:<id>/run:<n>`` actor (indexed, for lookups by run)."""
    m = _RUN_OF_ACTOR.search(actor)
    return int(m.group(1)) if m else None


class AuditTrail:
    """Appends events for one actor (``bot:<id>/run:<id>`` or ``user:<login>``).

    ``after_commit`` (optional) is called with the last seq once a transaction holding events has
    committed: the periodic signed checkpoints hang there (:class:`rpa.audit.checkpoints.CheckpointPolicy`).
    """

    def __init__(
        self, actor: str, clock: Clock | None = None, *, after_commit: AfterCommit | None = None
    ) -> None:
        self.actor = actor
        self._clock = clock or utcnow
        self._after_commit = after_commit

    def as_actor(self, actor: str) -> AuditTrail:
        return AuditTrail(actor, self._clock, after_commit=self._after_commit)

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
        event = append(
            session,
            EventRecord(self.actor, action, target_type, target_id, outcome, details, tuple(evidence)),
            self._clock(),
        )
        if self._after_commit is not None:
            self._notify_after_commit(session, event.seq)
        return event

    def _notify_after_commit(self, session: Session, seq: int) -> None:
        first = _PENDING_KEY not in session.info
        session.info[_PENDING_KEY] = seq
        if not first:
            return
        callback = self._after_commit
        assert callback is not None

        def fire(sess: Session) -> None:
            last = sess.info.pop(_PENDING_KEY, None)
            if last is not None:
                callback(last)

        def forget(sess: Session, _previous: Any = None) -> None:
            sess.info.pop(_PENDING_KEY, None)

        sa_event.listen(session, "after_commit", fire, once=True)
        sa_event.listen(session, "after_rollback", forget, once=True)


def _clear_head(session: Session, *_args: Any) -> None:
    session.info.pop(_HEAD_KEY, None)


def _position(session: Session) -> list[Any]:
    """``[last seq, last hash]`` of the chain in this transaction. The first event of a transaction locks
    the head row (an UPDATE: row lock on PostgreSQL, SQLite holds the write lock already) and reads it;
    later events of the same transaction use the values this transaction wrote. Any (sub)transaction's
    end forgets them, so a rolled-back savepoint never leaves a stale head behind."""
    cached = session.info.get(_HEAD_KEY)
    if cached is not None:
        return cast(list[Any], cached)
    if not session.info.get(_LISTENING_KEY):
        sa_event.listen(session, "after_transaction_end", _clear_head)
        session.info[_LISTENING_KEY] = True
    try:
        conn = session.connection()
        conn.execute(_LOCK_HEAD)
        row = conn.execute(_READ_HEAD).one()
    except Exception as exc:
        raise AuditIntegrityError(f"audit chain head cannot be locked: {exc}") from exc
    head = [int(row[0]), str(row[1])]
    session.info[_HEAD_KEY] = head
    return head


def append(session: Session, record: EventRecord, now: datetime) -> AuditEvent:
    head = _position(session)
    seq, prev_hash = head[0] + 1, head[1]
    kept = allowed_details(
        record.action, dict(record.details or {}), target_type=record.target_type, outcome=record.outcome
    )
    details = sanitize(seal_personal(session, kept, now))
    evidence = sorted(set(record.evidence))
    ts = format_ts(now)
    details_json = rfc8785.dumps(details).decode()
    evidence_json = rfc8785.dumps(evidence).decode()
    target_id = str(record.target_id)
    canonical = canonical_stored(
        seq,
        ts,
        record.actor,
        record.action,
        record.target_type,
        target_id,
        record.outcome,
        details_json,
        evidence_json,
        prev_hash,
    )
    digest = event_hash(canonical)
    event = AuditEvent(
        seq=seq,
        ts=ts,
        actor=record.actor,
        action=record.action,
        target_type=record.target_type,
        target_id=target_id,
        outcome=record.outcome,
        details=details_json,
        evidence=evidence_json,
        prev_hash=prev_hash,
        hash=digest,
        run_id=run_of_actor(record.actor),
    )
    session.add(event)
    conn = session.connection()
    if conn.dialect.name == "sqlite":  # the driver directly: this statement runs once per event
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute(_WRITE_HEAD_SQLITE, (seq, digest))
    else:
        conn.execute(_WRITE_HEAD, {"seq": seq, "hash": digest})
    head[0], head[1] = seq, digest
    return event
