"""Checkpoints while a run writes (``audit.checkpoint_every``), at its end, and inclusion proofs."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import text

from rpa.audit import merkle
from rpa.audit.checkpoints import CheckpointPolicy, store_for
from rpa.audit.proofs import prove_event
from rpa.audit.trail import AuditTrail
from rpa.clock import utcnow
from rpa.settings import Settings
from rpa.store.db import Database
from tests.conftest import run_cli

BOTS = ["tests.kit.sample_bots:MIXED_BOT"]


def test_checkpoints_are_signed_every_n_events_and_at_the_end_of_a_run(rpa_home: Path) -> None:
    result = run_cli(
        rpa_home,
        "run",
        "mixed",
        extra_bots=BOTS,
        RPA_RUN__BACKOFF_INITIAL_S="0",
        RPA_AUDIT__CHECKPOINT_EVERY="20",
    )
    assert result.returncode == 0, result.stderr
    files = sorted((rpa_home / "audit_logs" / "checkpoints").glob("0000-*.json"))
    signed = [json.loads(f.read_text()) for f in files]
    reasons = [c["reason"] for c in signed]
    assert reasons.count("periodic") >= 2 and reasons[-1] == "run 1 finished"
    sizes = [c["size"] for c in signed]
    assert sizes == sorted(sizes) and all(b - a >= 20 for a, b in pairwise(sizes[:-1]))
    assert all(len(c["consistency"]) > 0 for c in signed[1:])  # each one proves it extends the one before
    verified = run_cli(rpa_home, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert f"{len(files)} signed checkpoint(s) match" in verified.stdout


def test_prove_prints_an_inclusion_proof_to_the_latest_checkpoint(rpa_home: Path) -> None:
    assert run_cli(rpa_home, "run", "mixed", extra_bots=BOTS, RPA_RUN__BACKOFF_INITIAL_S="0").returncode == 0
    result = run_cli(rpa_home, "audit", "prove", "7")
    assert result.returncode == 0, result.stderr
    proof = json.loads(result.stdout)
    assert proof["seq"] == 7 and proof["event"]["seq"] == 7
    leaf = merkle.leaf_hash(proof["canonical"].encode())
    assert leaf.hex() == proof["leaf_hash"]
    path = [bytes.fromhex(h) for h in proof["audit_path"]]
    assert merkle.root_from_inclusion(6, proof["tree_size"], leaf, path).hex() == proof["checkpoint"]["root"]
    assert (
        merkle.root_from_inclusion(6, proof["tree_size"], merkle.leaf_hash(b"x"), path).hex() != proof["root"]
    )
    missing = run_cli(rpa_home, "audit", "prove", "100000")
    assert missing.returncode == 2 and "not in the trail" in missing.stderr


def test_proofs_use_the_block_cache_and_survive_a_tampered_one(settings: Settings, db: Database) -> None:
    audit = AuditTrail("bot:sample/run:1")
    for b in range(5):
        with db.transaction() as s:
            for n in range(500):
                audit.record(s, "item.started", "work_item", f"sample:{b}-{n}", details={"attempt": 1})
        if b in (1, 4):
            store_for(settings).write_next(db, f"run {b}", utcnow())
    with db.read() as s:
        blocks = dict(s.execute(text("SELECT block, hash FROM audit_merkle_blocks ORDER BY block")).all())
    assert sorted(blocks) == [
        0,
        1,
    ]  # 2500 events: two full blocks of 1024, the second completed incrementally
    for seq in (1, 1024, 1025, 1500, 2049, 2500):
        proof = prove_event(db, settings, seq)
        leaf, path = bytes.fromhex(proof["leaf_hash"]), [bytes.fromhex(h) for h in proof["audit_path"]]
        assert merkle.root_from_inclusion(seq - 1, 2500, leaf, path).hex() == proof["root"]
        assert proof["event"]["seq"] == seq
    with db.transaction() as s:
        s.execute(text("UPDATE audit_merkle_blocks SET hash = :h WHERE block = 0"), {"h": "00" * 32})
    proof = prove_event(db, settings, 2000)  # block 0 is its sibling: the cache is wrong, the proof is not
    leaf, path = bytes.fromhex(proof["leaf_hash"]), [bytes.fromhex(h) for h in proof["audit_path"]]
    assert merkle.root_from_inclusion(1999, 2500, leaf, path).hex() == proof["root"]


def test_the_policy_signs_after_n_minutes_while_events_are_written(settings: Settings, db: Database) -> None:
    now = [0.0]
    store = store_for(settings)
    policy = CheckpointPolicy(
        db, store, every_events=1000, every_minutes=5, clock=utcnow, monotonic=lambda: now[0]
    )
    audit = AuditTrail("user:alice", after_commit=policy.after_commit)
    with db.transaction() as s:
        audit.record(s, "exception.retried", "work_item", "a", details={"was": "X"})
    assert store.latest() is None  # neither 1000 events nor 5 minutes yet
    now[0] = 301.0
    with db.transaction() as s:
        audit.record(s, "exception.retried", "work_item", "b", details={"was": "X"})
        audit.record(s, "exception.retried", "work_item", "c", details={"was": "X"})
    latest = store.latest()
    assert latest is not None and (latest.size, latest.reason) == (3, "periodic")
    with pytest.raises(RuntimeError), db.transaction() as s:  # a rolled-back transaction signs nothing
        audit.record(s, "exception.retried", "work_item", "d", details={"was": "X"})
        now[0] = 700.0
        raise RuntimeError("rolled back")
    assert store.latest() == latest
