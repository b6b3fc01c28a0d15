"""Reading the trail in batches and walking it: chain links, event hashes and Merkle leaves in one pass.

One SELECT streams every event in seq order (no query per event); each event's canonical bytes are
built once and hashed twice (chain hash, Merkle leaf). This is what ``rpa audit verify``, the
checkpoint writer and the export share.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, text

from rpa.audit.merkle import Frontier
from rpa.audit.trail import GENESIS_HASH
from rpa.audit.trail import quote_json_string as _q

COLUMNS = (
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
BATCH = 20_000
_sha = hashlib.sha256


def stream(
    conn: Connection, after: int = 0, upto: int | None = None, batch: int = BATCH
) -> Iterator[Sequence[Any]]:
    """Batches of event rows (tuples in :data:`COLUMNS` order) with ``after < seq <= upto``, in order."""
    sql = f"SELECT {', '.join(COLUMNS)} FROM audit_events WHERE seq > :after"  # noqa: S608 (constant columns)
    params: dict[str, int] = {"after": after}
    if upto is not None:
        sql += " AND seq <= :upto"
        params["upto"] = upto
    sql += " ORDER BY seq"
    if conn.dialect.name == "sqlite":
        # The driver's cursor straight away: SQLAlchemy's row objects cost more than the hashing.
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            cursor.execute(sql.replace(":after", "?").replace(":upto", "?"), tuple(params.values()))
            while rows := cursor.fetchmany(batch):
                yield rows
        finally:
            cursor.close()
        return
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(text(sql), params)
    yield from result.partitions(batch)


class ChainWalker:
    """Walks events from ``expected_seq`` on, given the hash of the event before and the Merkle frontier
    of everything before. Stops at the first problem (:attr:`problem`), naming the event."""

    def __init__(
        self,
        expected_seq: int = 1,
        prev_hash: str = GENESIS_HASH,
        frontier: Frontier | None = None,
        *,
        snapshot_at: Iterable[int] = (),
        keep_leaves: bool = False,
        evidence: bool = False,
    ) -> None:
        self.expected = expected_seq
        self.prev_hash = prev_hash
        self.before_prev = ""
        self.frontier = frontier or Frontier()
        self.count = 0
        self.problem: str | None = None
        self.problem_seq: int | None = None
        self.snapshot_at = set(snapshot_at)
        self.snapshots: dict[int, tuple[bytes, list[bytes], str]] = {}  # size -> (root, frontier, head)
        self.leaves: list[bytes] | None = [] if keep_leaves else None
        self.evidence: dict[str, int] | None = {} if evidence else None  # sha256 -> first seq naming it

    @property
    def size(self) -> int:
        return self.expected - 1

    def _fail(self, seq: int, message: str) -> bool:
        self.problem, self.problem_seq = message, seq
        return False

    def absorb(self, part: dict[str, Any]) -> bool:
        """Take a slice checked by :func:`rpa.audit.leafworker.check_slice` (the events right after the
        ones walked so far): its link to them, its leaves, its first problem."""
        if self.problem is not None:
            return False
        if part["count"] and part["first_prev"] != self.prev_hash:
            seq = self.expected
            return self._fail(
                seq,
                f"event seq {seq}: link broken — prev_hash does not match event {seq - 1}'s hash "
                "(an event was removed, inserted, swapped or reordered)",
            )
        blob: bytes = part["leaves"]
        frontier, snaps = self.frontier, self.snapshot_at
        for i in range(0, len(blob), 32):
            frontier.push(blob[i : i + 32])
            if frontier.size in snaps:
                head = part["heads"].get(frontier.size, "")
                self.snapshots[frontier.size] = (frontier.root(), list(frontier.hashes), head)
        if self.leaves is not None:
            self.leaves.extend(blob[i : i + 32] for i in range(0, len(blob), 32))
        if self.evidence is not None:
            for sha, seq in part["evidence"].items():
                self.evidence.setdefault(sha, seq)
        self.count += part["count"]
        self.expected += part["count"]
        if part["count"]:
            self.before_prev, self.prev_hash = "", part["last"]
        if part["problem"] is not None:
            return self._fail(*part["problem"])
        return True

    def feed(self, rows: Sequence[Sequence[Any]]) -> bool:
        """Walk ``rows``; False (and :attr:`problem` set) at the first bad event."""
        if self.problem is not None:
            return False
        expected, prev, before = self.expected, self.prev_hash, self.before_prev
        hashes, fsize = self.frontier.hashes, self.frontier.size
        leaves, snaps, evidence = self.leaves, self.snapshot_at, self.evidence
        try:
            for seq, ts, actor, action, ttype, tid, outcome, details, ev, prev_hash, digest in rows:
                if seq != expected:
                    if seq > expected:
                        gone = f"{expected}" if seq == expected + 1 else f"{expected}–{seq - 1}"
                        return self._fail(expected, f"event seq {gone}: removed (found seq {seq} next)")
                    return self._fail(
                        seq, f"event seq {seq}: reordered or duplicated (expected seq {expected})"
                    )
                if prev_hash != prev:
                    if before and prev_hash == before:
                        return self._fail(
                            seq - 1,
                            f"event seq {seq - 1}: inserted — event {seq} links to event {seq - 2}, "
                            "not to it (an event was slipped into the chain)",
                        )
                    return self._fail(
                        seq,
                        f"event seq {seq} ({action}): link broken — prev_hash does not match event "
                        f"{seq - 1}'s hash (an event was removed, inserted, swapped or reordered)",
                    )
                canonical = (  # canonical_stored(), inlined
                    f'{{"action":{_q(action)},"actor":{_q(actor)},"details":{details},"evidence":{ev},'
                    f'"outcome":{_q(outcome)},"prev_hash":"{prev_hash}","seq":{seq},'
                    f'"target":{{"id":{_q(tid)},"type":{_q(ttype)}}},"ts":{_q(ts)}}}'
                ).encode()
                if _sha(canonical).hexdigest() != digest:
                    return self._fail(
                        seq,
                        f"event seq {seq} ({action}): content altered — its hash does not match its fields",
                    )
                leaf = _sha(b"\x00" + canonical).digest()
                # Frontier.push, inlined: this loop is the verification speed.
                hashes.append(leaf)
                s = fsize
                while s & 1:
                    right = hashes.pop()
                    hashes[-1] = _sha(b"\x01" + hashes[-1] + right).digest()
                    s >>= 1
                fsize += 1
                if leaves is not None:
                    leaves.append(leaf)
                if evidence is not None and ev != "[]":
                    for sha in json.loads(ev):
                        evidence.setdefault(str(sha), seq)
                before, prev, expected = prev, digest, seq + 1
                if seq in snaps:
                    self.frontier.size = fsize
                    self.snapshots[seq] = (self.frontier.root(), list(hashes), digest)
                self.count += 1
            return True
        finally:
            self.expected, self.prev_hash, self.before_prev = expected, prev, before
            self.frontier.size = fsize
