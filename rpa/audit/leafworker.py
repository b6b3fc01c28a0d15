"""One slice of a verification done in another process: the events ``lo < seq <= hi`` of a SQLite file,
read-only, checked (seq continuity, links, hashes) and turned into Merkle leaves.

Imports nothing but the standard library, so a worker process starts in milliseconds. The canonical
bytes are built exactly as :func:`rpa.audit.trail.canonical_stored` builds them (a test compares them).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from json.encoder import encode_basestring as _q
from typing import Any

_SQL = (
    "SELECT seq, ts, actor, action, target_type, target_id, outcome, details, evidence, prev_hash, hash "
    "FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq"
)


def check_slice(path: str, lo: int, hi: int, want_evidence: bool, heads_at: frozenset[int]) -> dict[str, Any]:
    """``first_prev`` (the prev_hash of event lo+1), ``last`` (hash of the last event read), ``leaves``
    (32 bytes each, in order), ``count``, ``evidence`` (sha -> first seq), ``heads`` (the hashes of the
    events ``heads_at`` names) and the first ``problem``."""
    sha = hashlib.sha256
    conn = sqlite3.connect(path)
    leaves = bytearray()
    evidence: dict[str, int] = {}
    heads: dict[int, str] = {}
    expected, prev, before, first_prev, count = lo + 1, "", "", "", 0
    problem: tuple[int, str] | None = None
    try:
        cursor = conn.execute(_SQL, (lo, hi))
        while problem is None and (rows := cursor.fetchmany(20_000)):
            for seq, ts, actor, action, ttype, tid, outcome, details, ev, prev_hash, digest in rows:
                if seq != expected:
                    if seq > expected:
                        gone = f"{expected}" if seq == expected + 1 else f"{expected}–{seq - 1}"
                        problem = (expected, f"event seq {gone}: removed (found seq {seq} next)")
                    else:
                        problem = (seq, f"event seq {seq}: reordered or duplicated (expected seq {expected})")
                    break
                if count == 0:
                    first_prev = prev = prev_hash
                elif prev_hash != prev:
                    if before and prev_hash == before:
                        problem = (
                            seq - 1,
                            f"event seq {seq - 1}: inserted — event {seq} links to event {seq - 2}, "
                            "not to it (an event was slipped into the chain)",
                        )
                        break
                    problem = (
                        seq,
                        f"event seq {seq} ({action}): link broken — prev_hash does not match event "
                        f"{seq - 1}'s hash (an event was removed, inserted, swapped or reordered)",
                    )
                    break
                canonical = (
                    f'{{"action":{_q(action)},"actor":{_q(actor)},"details":{details},"evidence":{ev},'
                    f'"outcome":{_q(outcome)},"prev_hash":{_q(prev_hash)},"seq":{seq},'
                    f'"target":{{"id":{_q(tid)},"type":{_q(ttype)}}},"ts":{_q(ts)}}}'
                ).encode()
                if sha(canonical).hexdigest() != digest:
                    problem = (
                        seq,
                        f"event seq {seq} ({action}): content altered — its hash does not match its fields",
                    )
                    break
                leaves += sha(b"\x00" + canonical).digest()
                if want_evidence and ev != "[]":
                    for h in json.loads(ev):
                        evidence.setdefault(str(h), seq)
                if seq in heads_at:
                    heads[seq] = digest
                before, prev, expected, count = prev, digest, seq + 1, count + 1
    finally:
        conn.close()
    if problem is None and count != hi - lo:
        problem = (expected, f"event seq {expected}–{hi}: removed (the table ends at seq {expected - 1})")
    return {
        "first_prev": first_prev,
        "last": prev,
        "leaves": bytes(leaves),
        "count": count,
        "evidence": evidence,
        "heads": heads,
        "problem": problem,
    }
