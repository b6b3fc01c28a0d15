"""Verifying the trail: chain, Merkle roots against the signed checkpoints, evidence files.

The first altered, removed, inserted or reordered event is named by its seq; a history rewritten with
recomputed hashes is caught by the signed Merkle roots and named by the span of events that differ.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from rpa.audit import merkle
from rpa.audit.checkpoints import Checkpoint, LegacyCheckpoint, store_for
from rpa.audit.evidence import EvidenceStore
from rpa.audit.leafworker import check_slice
from rpa.audit.trail import GENESIS_HASH
from rpa.audit.walk import COLUMNS, ChainWalker, stream
from rpa.errors import AuditIntegrityError
from rpa.store.db import Database
from rpa.store.models import AuditEvent

EVENT_FIELDS = COLUMNS


@dataclass(frozen=True, slots=True)
class VerifyReport:
    ok: bool
    count: int
    problems: tuple[str, ...] = field(default=())
    last_seq: int = 0
    last_hash: str = GENESIS_HASH
    checkpoints: int = 0
    root: str = ""
    warnings: tuple[str, ...] = field(default=())

    def render(self) -> str:
        if self.ok:
            head = f"seq {self.last_seq} hash {self.last_hash[:16]}…"
            root = f", Merkle root {self.root[:16]}…" if self.root else ""
            return f"OK: {self.count} events verified, chain head {head}{root}"
        return "FAILED: " + "\n".join(self.problems)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.count,
            "last_seq": self.last_seq,
            "last_hash": self.last_hash,
            "merkle_root": self.root,
            "checkpoints": self.checkpoints,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
        }


def _span(cp: Checkpoint, snapshot: list[bytes]) -> str:
    """The events whose subtree differs between the database and the signed frontier of ``cp``."""
    ranges = merkle.Frontier(cp.size, [bytes(32)] * bin(cp.size).count("1")).ranges()
    if len(cp.frontier) == len(snapshot):
        for (lo, hi), signed, ours in zip(ranges, cp.frontier, snapshot, strict=True):
            if signed != ours.hex():
                return f"events {lo + 1}–{hi}"
    return f"events 1–{cp.size}"


PARALLEL_FROM = 200_000  # events: below this, one process is quicker than starting others
SLICE = 125_000


def _walk_in_parallel(conn: Connection, walker: ChainWalker, parallel_from: int) -> int:
    """Walk the first events of a large SQLite trail in worker processes, slice by slice (each checks
    its events and returns their leaves; this process links the slices and folds the tree). Returns the
    seq walked up to; the rest (and any other database) is walked here."""
    path = conn.engine.url.database if conn.dialect.name == "sqlite" else None
    workers = min(4, os.cpu_count() or 1)
    if not path or path == ":memory:" or workers < 2:
        return 0
    top = conn.execute(text("SELECT max(seq) FROM audit_events")).scalar()
    if top is None or int(top) < parallel_from:
        return 0
    top = int(top)
    bounds = [(lo, min(lo + SLICE, top)) for lo in range(0, top, SLICE)]
    wanted = frozenset(walker.snapshot_at)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        results = pool.map(
            check_slice,
            [path] * len(bounds),
            [lo for lo, _ in bounds],
            [hi for _, hi in bounds],
            [walker.evidence is not None] * len(bounds),
            [wanted] * len(bounds),
        )
        for part in results:
            if not walker.absorb(part):
                break
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return walker.size


def _walk(
    conn: Connection,
    checkpoints: Sequence[Checkpoint],
    legacy: Sequence[LegacyCheckpoint] = (),
    evidence_root: Path | None = None,
    parallel_from: int = PARALLEL_FROM,
) -> VerifyReport:
    sizes = {c.size for c in checkpoints} | {c.seq for c in legacy}
    walker = ChainWalker(snapshot_at=sizes, evidence=evidence_root is not None)
    after = _walk_in_parallel(conn, walker, parallel_from)
    if walker.problem is None:
        for batch in stream(conn, after=after):
            if not walker.feed(batch):
                break
    problems: list[str] = [walker.problem] if walker.problem else []
    head = conn.execute(text("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")).first()
    if not problems and head is not None and int(head[0]) != walker.size:
        if int(head[0]) > walker.size:
            problems.append(
                f"events {walker.size + 1}–{head[0]} removed: the chain head says {head[0]} events, "
                f"the table ends at seq {walker.size}"
            )
        else:
            problems.append(f"events after seq {head[0]} appended outside the chain head (it says {head[0]})")
    elif not problems and head is not None and str(head[1]) != walker.prev_hash:
        problems.append(f"event seq {walker.size}: its hash is not the chain head's")
    for cp in checkpoints:
        snap = walker.snapshots.get(cp.size)
        if cp.size > walker.size and walker.problem is None:
            problems.append(
                f"events {walker.size + 1}–{cp.size} removed: signed checkpoint {cp.label} covers {cp.size} "
                f"events, the database holds {walker.size}"
            )
        elif snap is not None and snap[0].hex() != cp.root:
            problems.append(
                f"checkpoint {cp.label} (events 1–{cp.size}): the Merkle root differs from the signed root — "
                f"{_span(cp, snap[1])} were rewritten (hashes recomputed after an edit, insertion or removal)"
            )
        elif snap is not None and snap[2] != cp.head_hash:
            problems.append(
                f"checkpoint {cp.label}: event {cp.size}'s hash differs from the signed chain head"
            )
    for old in legacy:
        snap = walker.snapshots.get(old.seq)
        if snap is not None and snap[2] != old.hash:
            problems.append(
                f"event seq {old.seq}: chain rewritten — hash differs from signed checkpoint {old.path.name}"
            )
    warnings: list[str] = []
    if evidence_root is not None and walker.evidence:
        store = EvidenceStore(evidence_root)
        for sha, seq in sorted(walker.evidence.items(), key=lambda kv: kv[1]):
            found = store.find(sha)
            if found is None:
                warnings.append(f"evidence {sha[:16]}… (event seq {seq}) is not in the evidence store")
            elif _sha256(found) != sha:
                problems.append(
                    f"evidence file {found.name} (referenced by event seq {seq}): altered — its SHA-256 "
                    "no longer matches the hash the event recorded"
                )
    if problems:
        return VerifyReport(False, walker.count, tuple(problems), warnings=tuple(warnings))
    root = walker.frontier.root().hex() if walker.size else ""
    return VerifyReport(
        True, walker.count, (), walker.size, walker.prev_hash, len(checkpoints), root, tuple(warnings)
    )


def verify_chain(session: Session, checkpoints: Iterable[Checkpoint] = ()) -> VerifyReport:
    """The chain in ``session``'s database, and the given checkpoints' roots against it."""
    return _walk(session.connection(), list(checkpoints))


def verify_database(db: Database, settings: Any, *, parallel_from: int = PARALLEL_FROM) -> VerifyReport:
    """Everything ``rpa audit verify`` checks: the checkpoint files (signatures, links, consistency
    proofs), the chain, the Merkle root at every signed checkpoint of the current epoch, evidence files."""
    try:
        loaded = store_for(settings).load_all()
    except AuditIntegrityError as exc:
        return VerifyReport(False, 0, (exc.message,))
    with db.read_engine.connect() as conn:
        report = _walk(
            conn, loaded.current_epoch(), loaded.legacy, settings.audit_path / "evidence", parallel_from
        )
    if loaded.problems:
        return VerifyReport(False, report.count, loaded.problems + report.problems, warnings=report.warnings)
    if report.ok:
        return VerifyReport(
            True, report.count, (), report.last_seq, report.last_hash, len(loaded.checkpoints), report.root,
            report.warnings,
        )  # fmt: skip
    return report


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


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


def _as_dict(raw: AuditEvent | dict[str, object]) -> dict[str, object]:
    return raw if isinstance(raw, dict) else {c: getattr(raw, c) for c in EVENT_FIELDS}


def read_events(session: Session, *, action_prefix: str = "") -> list[dict[str, object]]:
    """Events in order (details and evidence decoded, sealed personal values opened while their subject's
    key exists) whose action starts with ``action_prefix``."""
    from rpa.audit.subjects import open_details

    found = []
    for row in _rows(session):
        if row.action.startswith(action_prefix):
            event = _as_dict(row)
            event["details"] = json.loads(str(event["details"]))
            if '"sealed":' in str(row.details):
                event["details"] = open_details(session, event["details"])
            event["evidence"] = json.loads(str(event["evidence"]))
            found.append(event)
    return found
