"""Walking the chain: the first altered, removed or reordered event is named."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from rpa.audit.checkpoints import Checkpoint
from rpa.audit.trail import GENESIS_HASH, canonical_event, event_hash
from rpa.store.models import AuditEvent, AuditHead

EVENT_FIELDS = (
    "seq",
    "ts",
    "actor",
    "action",
    "target_type",
    "target_id",
    "outcome",
    "details",
    "evidence",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True, slots=True)
class VerifyReport:
    ok: bool
    count: int
    problems: tuple[str, ...] = field(default=())
    last_seq: int = 0
    last_hash: str = GENESIS_HASH

    def render(self) -> str:
        if self.ok:
            head = f"seq {self.last_seq} hash {self.last_hash[:16]}…"
            return f"OK: {self.count} events verified, chain head {head}"
        return "FAILED: " + "\n".join(self.problems)


def _rows(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = (
            session.execute(
                select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(batch)
            )
            .scalars()
            .all()
        )
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq
        session.expunge_all()


def verify_events(
    events: Iterable[AuditEvent | dict[str, object]],
    checkpoints: Iterable[Checkpoint] = (),
    head: tuple[int, str] | None = None,
) -> VerifyReport:
    """Check seq continuity, each hash, each link, then the signed checkpoints and the recorded head."""
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    hashes_at: dict[int, str] = {}
    wanted = {c.seq for c in checkpoints}
    for raw in events:
        e = _as_dict(raw)
        seq = int(e["seq"])  # type: ignore[call-overload]
        if seq != expected_seq:
            what = "removed" if seq > expected_seq else "reordered or duplicated"
            return VerifyReport(False, count, (f"event seq {expected_seq}: {what} (found seq {seq} next)",))
        canonical = canonical_event(
            seq,
            str(e["ts"]),
            str(e["actor"]),
            str(e["action"]),
            str(e["target_type"]),
            str(e["target_id"]),
            str(e["outcome"]),
            json.loads(str(e["details"])),
            json.loads(str(e["evidence"])),
            str(e["prev_hash"]),
        )
        if e["prev_hash"] != prev_hash:
            return VerifyReport(
                False,
                count,
                (
                    f"event seq {seq} ({e['action']}): link broken — prev_hash does not match event "
                    f"{seq - 1}'s hash (an event was removed, swapped or reordered)",
                ),
            )
        if event_hash(canonical) != e["hash"]:
            return VerifyReport(
                False,
                count,
                (f"event seq {seq} ({e['action']}): content altered — its hash does not match its fields",),
            )
        prev_hash = str(e["hash"])
        if seq in wanted:
            hashes_at[seq] = prev_hash
        expected_seq, count = seq + 1, count + 1
    problems = []
    for cp in checkpoints:
        if cp.seq >= expected_seq:
            problems.append(
                f"events after seq {expected_seq - 1} removed: signed checkpoint covers seq {cp.seq}"
            )
        elif hashes_at.get(cp.seq) != cp.hash:
            problems.append(f"event seq {cp.seq}: chain rewritten — hash differs from signed checkpoint")
    if head is not None and head[0] != expected_seq - 1:
        problems.append(f"events after seq {expected_seq - 1} removed: chain head says {head[0]} events")
    if problems:
        return VerifyReport(False, count, tuple(problems[:1]) + tuple(problems[1:]))
    return VerifyReport(True, count, (), expected_seq - 1, prev_hash)


def verify_chain(session: Session, checkpoints: Iterable[Checkpoint] = ()) -> VerifyReport:
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one_or_none()
    head_pair = (head.last_seq, head.last_hash) if head is not None else None
    return verify_events(_rows(session), checkpoints, head_pair)


def _as_dict(raw: AuditEvent | dict[str, object]) -> dict[str, object]:
    return raw if isinstance(raw, dict) else {c: getattr(raw, c) for c in EVENT_FIELDS}


def read_events(session: Session, *, action_prefix: str = "") -> list[dict[str, object]]:
    """Events in order (details and evidence decoded) whose action starts with ``action_prefix``."""
    found = []
    for row in _rows(session):
        if row.action.startswith(action_prefix):
            event = _as_dict(row)
            event["details"] = json.loads(str(event["details"]))
            event["evidence"] = json.loads(str(event["evidence"]))
            found.append(event)
    return found
