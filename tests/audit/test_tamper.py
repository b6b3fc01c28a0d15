"""The tamper suite: one test per way of changing the past; verification fails and names the event or the
checkpoint span. Tampering is done the way an intruder would: SQL on the database file, file edits."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from rpa.audit.checkpoints import CheckpointStore
from rpa.audit.trail import canonical_stored, event_hash
from rpa.audit.verify import verify_database
from rpa.clock import utcnow
from tests.audit.conftest import Trail
from tests.conftest import run_cli

COLS = "seq, ts, actor, action, target_type, target_id, outcome, details, evidence, prev_hash, hash"


def _problems(trail: Trail) -> str:
    report = verify_database(trail.db, trail.settings)
    assert not report.ok, "verification passed on a tampered trail"
    return "\n".join(report.problems)


def _sql(trail: Trail, *statements: str) -> None:
    trail.db.dispose()
    with sqlite3.connect(trail.db_file) as conn:
        for statement in statements:
            conn.execute(statement)


def _rehash_from(conn: sqlite3.Connection, seq: int) -> None:
    """Recompute every hash from ``seq`` on and the chain head: a chain that is consistent again."""
    prev = conn.execute("SELECT hash FROM audit_events WHERE seq = ?", (seq - 1,)).fetchone()
    prev_hash = prev[0] if prev else "0" * 64
    rows = conn.execute(f"SELECT {COLS} FROM audit_events WHERE seq >= ? ORDER BY seq", (seq,)).fetchall()
    for row in rows:
        digest = event_hash(canonical_stored(*row[:9], prev_hash))
        conn.execute(
            "UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev_hash, digest, row[0])
        )
        prev_hash = digest
    last = rows[-1][0] if rows else seq - 1
    conn.execute("UPDATE audit_head SET last_seq = ?, last_hash = ?", (last, prev_hash))


def test_the_untouched_trail_verifies(trail: Trail) -> None:
    report = verify_database(trail.db, trail.settings)
    assert report.ok, report.problems
    assert (report.count, report.checkpoints) == (120, 4)


def test_edited_field_is_named(trail: Trail) -> None:
    _sql(trail, "UPDATE audit_events SET details = replace(details, 'AMOUNT_MISMATCH', 'OK') WHERE seq = 4")
    problems = _problems(trail)
    assert problems.startswith("event seq 4 (item.business_exception): content altered")


def test_deleted_event_is_named(trail: Trail) -> None:
    _sql(trail, "DELETE FROM audit_events WHERE seq = 7")
    assert _problems(trail).startswith("event seq 7: removed")


def test_inserted_event_is_named(trail: Trail) -> None:
    trail.db.dispose()
    with sqlite3.connect(trail.db_file) as conn:
        for (seq,) in conn.execute(
            "SELECT seq FROM audit_events WHERE seq > 40 ORDER BY seq DESC"
        ).fetchall():
            conn.execute("UPDATE audit_events SET seq = seq + 1 WHERE seq = ?", (seq,))
        prev = conn.execute("SELECT hash FROM audit_events WHERE seq = 40").fetchone()[0]
        fields = (41, "2026-03-12T10:00:00.000000Z", "user:mallory", "exception.resolved", "work_item",
                  "sample:INV-1-10", "ok", '{"resolution":"paid"}', "[]")  # fmt: skip
        conn.execute(
            f"INSERT INTO audit_events ({COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (*fields, prev, event_hash(canonical_stored(*fields, prev))),
        )
    problems = _problems(trail)
    assert problems.startswith("event seq 41: inserted")


def test_swapped_events_are_named(trail: Trail) -> None:
    trail.db.dispose()
    with sqlite3.connect(trail.db_file) as conn:
        cols = COLS.split(", ")[1:]
        a = conn.execute(f"SELECT {', '.join(cols)} FROM audit_events WHERE seq = 10").fetchone()
        b = conn.execute(f"SELECT {', '.join(cols)} FROM audit_events WHERE seq = 11").fetchone()
        sets = ", ".join(f"{c} = ?" for c in cols)
        conn.execute(f"UPDATE audit_events SET {sets} WHERE seq = 10", b)
        conn.execute(f"UPDATE audit_events SET {sets} WHERE seq = 11", a)
    assert _problems(trail).startswith("event seq 10 (")


def test_truncated_tail_is_caught_by_the_signed_checkpoint(trail: Trail) -> None:
    _sql(
        trail,
        "DELETE FROM audit_events WHERE seq > 100",
        "UPDATE audit_head SET last_seq = 100, last_hash = (SELECT hash FROM audit_events WHERE seq = 100)",
    )
    problems = _problems(trail)
    assert "events 101–120 removed: signed checkpoint 0000-000000000120.json covers 120 events" in problems


def test_log_rewritten_with_recomputed_hashes_is_caught_and_the_span_named(trail: Trail) -> None:
    trail.db.dispose()
    with sqlite3.connect(trail.db_file) as conn:
        conn.execute("UPDATE audit_events SET target_id = 'sample:INV-9-99' WHERE seq = 45")
        _rehash_from(conn, 45)
    problems = _problems(trail)
    # The chain itself is consistent again: only the signed Merkle roots see the rewrite.
    assert "content altered" not in problems and "link broken" not in problems
    assert problems.startswith("checkpoint 0000-000000000060.json (events 1–60): the Merkle root differs")
    assert "events 33–48 were rewritten" in problems  # the signed frontier narrows it to one subtree
    assert "0000-000000000030.json" not in problems  # the first checkpoint still matches


def test_altered_evidence_file_is_named_with_its_event(trail: Trail) -> None:
    seq, sha = next(iter(trail.evidence.items()))
    path = next((trail.settings.audit_path / "evidence" / sha[:2]).glob(f"{sha}*"))
    path.write_bytes(b"another screenshot")
    problems = _problems(trail)
    assert f"evidence file {path.name} (referenced by event seq {seq}): altered" in problems


def test_checkpoint_forged_with_another_key_is_named(trail: Trail, tmp_path: Path) -> None:
    forger = CheckpointStore(tmp_path / "forger", SecretStr("11" * 32))
    forged = forger.write_next(trail.db, "run 4 finished", utcnow())
    assert forged is not None and forged.path is not None
    shutil.copy(forged.path, trail.store.dir / "0000-000000000120.json")
    problems = _problems(trail)
    assert problems.startswith("checkpoint 0000-000000000120.json: signature does not verify")


def test_older_checkpoint_replayed_is_named(trail: Trail) -> None:
    old = (trail.store.dir / "0000-000000000030.json").read_text()
    (trail.store.dir / "0000-000000000120.json").write_text(old)
    problems = _problems(trail)
    assert "checkpoint 0000-000000000120.json: holds the signed checkpoint of epoch 0 size 30" in problems
    assert "replayed" in problems


def test_removed_checkpoint_breaks_the_sequence(trail: Trail) -> None:
    (trail.store.dir / "0000-000000000060.json").unlink()
    problems = _problems(trail)
    assert "checkpoints 0000-000000000030.json → 0000-000000000090.json: not consecutive" in problems


def test_consistency_proof_between_checkpoints_is_checked(trail: Trail) -> None:
    path = trail.store.dir / "0000-000000000090.json"
    data = json.loads(path.read_text())
    data["consistency"][0] = "00" * 32  # unsigned part: the proof itself is what is checked
    path.write_text(json.dumps(data))
    problems = _problems(trail)
    assert "(events 61–90): the consistency proof fails" in problems


def test_cli_names_the_event_and_exits_1(trail: Trail, rpa_home: Path) -> None:
    _sql(trail, "DELETE FROM audit_events WHERE seq = 7")
    result = run_cli(rpa_home, "audit", "verify")
    assert result.returncode == 1
    assert "event seq 7: removed" in result.stderr


def test_chain_head_checkpoints_of_the_first_format_are_still_checked(trail: Trail) -> None:
    with sqlite3.connect(trail.db_file) as conn:
        digest = conn.execute("SELECT hash FROM audit_events WHERE seq = 50").fetchone()[0]
    message = f"backoffice-rpa-checkpoint|50|{digest}|2026-03-14T00:00:00+00:00|run 2 finished".encode()
    old = {"seq": 50, "hash": digest, "ts": "2026-03-14T00:00:00+00:00", "reason": "run 2 finished"}
    old["signature"] = trail.store.sign(message)
    (trail.store.dir / "000000000050.json").write_text(json.dumps(old))
    assert verify_database(trail.db, trail.settings).ok
    trail.db.dispose()
    with sqlite3.connect(trail.db_file) as conn:
        conn.execute("UPDATE audit_events SET outcome = 'x' WHERE seq = 45")
        _rehash_from(conn, 45)
    assert (
        "event seq 50: chain rewritten — hash differs from signed checkpoint 000000000050.json"
        in _problems(trail)
    )


def _edit(trail: Trail) -> None:
    _sql(trail, "UPDATE audit_events SET details = replace(details, 'AMOUNT_MISMATCH', 'OK') WHERE seq = 4")


def _delete(trail: Trail) -> None:
    _sql(trail, "DELETE FROM audit_events WHERE seq = 77")


def _rewrite(trail: Trail) -> None:
    trail.db.dispose()
    with sqlite3.connect(trail.db_file) as conn:
        conn.execute("UPDATE audit_events SET target_id = 'sample:INV-9-99' WHERE seq = 45")
        _rehash_from(conn, 45)


def _truncate(trail: Trail) -> None:
    _sql(
        trail,
        "DELETE FROM audit_events WHERE seq > 100",
        "UPDATE audit_head SET last_seq = 100, last_hash = (SELECT hash FROM audit_events WHERE seq = 100)",
    )


@pytest.mark.parametrize("tamper", [None, _edit, _delete, _rewrite, _truncate])
def test_verification_in_worker_processes_finds_the_same(trail: Trail, tamper: Any, monkeypatch: Any) -> None:
    from rpa.audit import verify

    if tamper is not None:
        tamper(trail)
    alone = verify_database(trail.db, trail.settings)
    monkeypatch.setattr(verify, "SLICE", 17)  # slices of 17 events: links across slices are checked too
    slices: list[int] = []
    absorb = verify.ChainWalker.absorb

    def counted(self: Any, part: dict[str, Any]) -> bool:
        slices.append(part["count"])
        return bool(absorb(self, part))

    monkeypatch.setattr(verify.ChainWalker, "absorb", counted)
    workers = verify_database(trail.db, trail.settings, parallel_from=1)
    assert slices and (tamper is not None or slices == [17] * 7 + [1])  # 120 events
    assert (workers.ok, workers.problems, workers.count, workers.root) == (
        alone.ok,
        alone.problems,
        alone.count,
        alone.root,
    )
