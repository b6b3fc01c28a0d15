"""Inclusion proofs of single events, and adopting a database as the start of a new checkpoint epoch."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from rpa.audit import merkle
from rpa.audit.checkpoints import BLOCK, Checkpoint, database_mismatch, store_for
from rpa.audit.trail import AuditTrail, canonical_stored
from rpa.audit.walk import COLUMNS, ChainWalker, stream
from rpa.clock import utcnow
from rpa.errors import AuditIntegrityError, RpaError
from rpa.store.db import Database

_BLOCKS = "SELECT block, hash FROM audit_merkle_blocks WHERE block < :n"


def prove_event(db: Database, settings: Any, seq: int) -> dict[str, Any]:
    """The RFC 9162 inclusion proof of event ``seq`` in the latest signed checkpoint (signed now if the
    event is newer than it), with everything needed to check it by hand."""
    store = store_for(settings)
    store.write_next(db, "proof requested", utcnow())
    cps = store.load_all().current_epoch()
    cp: Checkpoint | None = cps[-1] if cps else None
    if cp is None or not 1 <= seq <= cp.size:
        raise RpaError(
            f"event seq {seq} is not in the trail (the latest signed checkpoint covers "
            f"{cp.size if cp else 0} events)",
            code="AUDIT_NO_SUCH_EVENT",
        )
    path, leaf, row = _path_from_blocks(db, seq, cp)
    if merkle.root_from_inclusion(seq - 1, cp.size, leaf, path) != bytes.fromhex(cp.root):
        path, leaf, row = _path_from_all_leaves(db, seq, cp)  # the block cache is stale or was tampered with
    canonical = canonical_stored(*(row[c] for c in COLUMNS[:10]))
    return {
        "seq": seq,
        "leaf_index": seq - 1,
        "tree_size": cp.size,
        "leaf_hash": leaf.hex(),
        "audit_path": [h.hex() for h in path],
        "root": cp.root,
        "checkpoint": {
            "file": cp.label,
            "epoch": cp.epoch,
            "size": cp.size,
            "root": cp.root,
            "signature": cp.signature,
            "signed": cp.message().decode(),
        },
        "public_key": store.public_key_path().read_text().strip(),
        "event": row,
        "canonical": canonical.decode(),
        "hashing": "leaf = SHA-256(0x00 || canonical); node = SHA-256(0x01 || left || right) (RFC 6962); "
        "audit path from the leaf upwards (RFC 9162 2.1.3)",
    }


def _path_from_blocks(db: Database, seq: int, cp: Checkpoint) -> tuple[list[bytes], bytes, dict[str, Any]]:
    """The audit path from the cached block roots plus the events of two blocks at most (the event's
    own and the incomplete last one): a few thousand rows, whatever the size of the trail."""
    size = cp.size
    with db.read_engine.connect() as conn:
        blocks = {int(b): bytes.fromhex(h) for b, h in conn.execute(text(_BLOCKS), {"n": size // BLOCK})}
        fetched: dict[int, list[tuple[Any, bytes]]] = {}

        def block(b: int) -> list[tuple[Any, bytes]]:
            if b not in fetched:
                lo, hi = b * BLOCK, min((b + 1) * BLOCK, size)
                rows = [r for batch in stream(conn, after=lo, upto=hi) for r in batch]
                fetched[b] = [(r, merkle.leaf_hash(canonical_stored(*r[:10]))) for r in rows]
            return fetched[b]

        def subtree(lo: int, hi: int) -> bytes:
            n = hi - lo
            if n == BLOCK and lo % BLOCK == 0 and lo // BLOCK in blocks:
                return blocks[lo // BLOCK]
            if lo // BLOCK == (hi - 1) // BLOCK:
                base = (lo // BLOCK) * BLOCK
                return merkle.root_of([leaf for _, leaf in block(lo // BLOCK)[lo - base : hi - base]])
            k = merkle.split_point(n)
            return merkle.node_hash(subtree(lo, lo + k), subtree(lo + k, hi))

        path = merkle.inclusion_proof(seq - 1, size, subtree)
        own = block((seq - 1) // BLOCK)
        index = (seq - 1) % BLOCK
        if index >= len(own):
            return path, b"", {}
        raw, leaf = own[index]
    return path, leaf, dict(zip(COLUMNS, raw, strict=True))


def _path_from_all_leaves(
    db: Database, seq: int, cp: Checkpoint
) -> tuple[list[bytes], bytes, dict[str, Any]]:
    walker = ChainWalker(keep_leaves=True)
    row: dict[str, Any] = {}
    with db.read_engine.connect() as conn:
        for batch in stream(conn, upto=cp.size):
            if not walker.feed(batch):
                raise AuditIntegrityError(f"no proof: {walker.problem}", code="AUDIT_CHAIN_BROKEN")
            for r in batch:
                if r[0] == seq:
                    row = dict(zip(COLUMNS, r, strict=True))
    leaves = walker.leaves or []
    if walker.frontier.root().hex() != cp.root:
        raise AuditIntegrityError(
            f"no proof: the database does not match signed checkpoint {cp.label}", code="AUDIT_CHAIN_BROKEN"
        )
    return merkle.inclusion_proof(seq - 1, cp.size, merkle.subtree_from_leaves(leaves)), leaves[seq - 1], row


def adopt_database(db: Database, settings: Any, actor: str) -> Checkpoint:
    """Accept the database as it is as the trail from now on: an audited event, then a checkpoint that
    starts a new epoch. The old checkpoints stay (and still verify among themselves)."""
    store = store_for(settings)
    latest = store.latest()
    problem = database_mismatch(db, latest) if latest is not None else None
    if latest is None or problem is None:
        raise RpaError(
            "nothing to adopt: the database matches the latest signed checkpoint"
            if latest is not None
            else "nothing to adopt: no checkpoint has been signed yet",
            code="NOTHING_TO_ADOPT",
        )
    with db.read_engine.connect() as conn:
        head = conn.execute(text("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")).first()
    with db.transaction() as s:
        AuditTrail(actor).record(
            s,
            "audit.database_adopted",
            "database",
            settings.database_url.split("@")[-1],
            outcome="adopted",
            details={
                "events": int(head[0]) if head else 0,
                "head_hash": str(head[1]) if head else "",
                "previous_size": latest.size,
                "previous_root": latest.root,
                "previous_file": latest.label,
            },
        )
    cp = store.write_next(db, f"database adopted by {actor}", utcnow(), new_epoch=True)
    assert cp is not None
    return cp
