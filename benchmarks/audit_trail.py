"""Audit trail figures: append rate (chained) against plain inserts, verification rate on a large trail,
inclusion-proof size and time, incremental checkpoint time.

* append: events written as a bot writes them (batches of ~50 per transaction, committed durably on the
  product's own SQLite settings: WAL, synchronous=NORMAL) through ``AuditTrail.record`` (head lock,
  allow-list, canonical JSON, chain hash) — baseline in the same run: the same rows inserted with the
  same ORM and transactions, without chaining (no head, no hashing, no canonical JSON).
* verify: ``verify_database`` on a trail of ``--events`` events (default 1M) with signed checkpoints:
  chain, Merkle root at every checkpoint, checkpoint signatures and consistency proofs — as shipped
  (slices checked in worker processes), then in one process (with its CPU time, less sensitive to
  other load on the machine).
* proof: ``rpa audit prove`` of the middle event (RFC 9162 audit path): bytes, hashes, time.

    python benchmarks/audit_trail.py [--events 1000000] [--appends 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loguru import logger  # noqa: E402

from rpa.audit.checkpoints import store_for  # noqa: E402
from rpa.audit.proofs import prove_event  # noqa: E402
from rpa.audit.trail import GENESIS_HASH, AuditTrail, canonical_stored, event_hash, format_ts  # noqa: E402
from rpa.audit.verify import verify_database  # noqa: E402
from rpa.settings import load_settings  # noqa: E402
from rpa.store.db import Database  # noqa: E402
from rpa.store.models import AuditEvent  # noqa: E402

BATCH = 50
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _home(base: Path, name: str) -> tuple[object, Database]:
    home = base / name
    (home / "config").mkdir(parents=True)
    settings = load_settings(home=home)
    db = Database(settings.database_url)
    db.upgrade()
    return settings, db


def bench_append(base: Path, n: int) -> dict[str, object]:
    _, chained_db = _home(base, "chained")
    _, plain_db = _home(base, "plain")
    audit = AuditTrail("bot:invoice_matching/run:1")
    details = {
        "attempt": 1,
        "code": None,
        "message": None,
        "result": {"posted": ["INV-2026-00042"], "amount": "1250.00"},
    }

    def chained() -> float:
        started = time.perf_counter()
        for b in range(0, n, BATCH):
            with chained_db.transaction() as s:
                for i in range(b, min(n, b + BATCH)):
                    audit.record(s, "item.done", "work_item", f"invoice_matching:L{i}", details=details)
        return time.perf_counter() - started

    def plain() -> float:
        started = time.perf_counter()
        text = json.dumps(details, sort_keys=True)
        seq = plain_db_seq[0]
        for b in range(0, n, BATCH):
            with plain_db.transaction() as s:
                for i in range(b, min(n, b + BATCH)):
                    seq += 1
                    s.add(AuditEvent(seq=seq, ts=format_ts(datetime.now(UTC)), actor=audit.actor,
                                     action="item.done", target_type="work_item",
                                     target_id=f"invoice_matching:L{i}", outcome="ok",
                                     details=text, evidence="[]", prev_hash="", hash=""))  # fmt: skip
        plain_db_seq[0] = seq
        return time.perf_counter() - started

    plain_db_seq = [0]
    chained(), plain()  # warm-up: connections, statement caches
    rounds = [(chained(), plain()) for _ in range(3)]
    c = min(r[0] for r in rounds)  # best of three: the machine is shared
    p = min(r[1] for r in rounds)
    chained_db.dispose()
    plain_db.dispose()
    return {
        "events": n,
        "batch": BATCH,
        "chained_events_per_s": round(n / c),
        "plain_inserts_per_s": round(n / p),
        "chaining_cost_x": round(c / p, 2),
        "target_cost_x": 2.0,
    }


def build_large(settings: object, db: Database, n: int) -> dict[str, float]:
    """``n`` chained events written straight into the file (fast), with checkpoints at n/2 and n."""
    db_file = settings.var_path / "rpa.db"  # type: ignore[attr-defined]
    conn = sqlite3.connect(db_file)
    conn.execute("PRAGMA journal_mode=WAL")
    prev = GENESIS_HASH
    started = time.perf_counter()
    store = store_for(settings)
    checkpoint_s: list[float] = []
    rows = []
    for seq in range(1, n + 1):
        ts = format_ts(T0 + timedelta(seconds=seq * 3))
        actor = f"bot:invoice_matching/run:{seq // 2000 + 1}"
        details = f'{{"attempt":1,"code":null,"message":null,"result":{{"posted":["INV-{seq:08d}"]}}}}'
        fields = (seq, ts, actor, "item.done", "work_item", f"invoice_matching:L{seq}", "ok", details, "[]")
        digest = event_hash(canonical_stored(*fields, prev))
        rows.append((*fields, prev, digest, seq // 2000 + 1))
        prev = digest
        if len(rows) == 50_000 or seq == n:
            conn.executemany(
                "INSERT INTO audit_events (seq, ts, actor, action, target_type, target_id, outcome, details, "
                "evidence, prev_hash, hash, run_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
            conn.execute("UPDATE audit_head SET last_seq = ?, last_hash = ?", (seq, prev))
            conn.commit()
            rows = []
            if seq in (n // 2, n):
                t = time.perf_counter()
                store.write_next(db, "benchmark", datetime.now(UTC))
                checkpoint_s.append(time.perf_counter() - t)
    conn.close()
    return {
        "build_s": round(time.perf_counter() - started, 1),
        "checkpoint_s": [round(x, 2) for x in checkpoint_s],
    }


def bench_verify_and_prove(base: Path, n: int) -> dict[str, object]:
    settings, db = _home(base, "large")
    built = build_large(settings, db, n)
    started = time.perf_counter()
    report = verify_database(db, settings)  # worker processes from 200k events on (SQLite)
    verify_s = time.perf_counter() - started
    assert report.ok and report.count == n, report.problems
    started, cpu = time.perf_counter(), time.process_time()
    single = verify_database(db, settings, parallel_from=n + 1)  # the same in this process alone
    single_s, single_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    assert single.ok and single.root == report.root
    # After 1000 more events: what a run's end-of-run checkpoint costs on a large trail (incremental).
    with db.transaction() as s:
        for i in range(1000):
            AuditTrail("bot:x/run:9").record(s, "item.started", "work_item", f"x:{i}", details={"attempt": 1})
    t = time.perf_counter()
    store_for(settings).write_next(db, "run finished", datetime.now(UTC))
    incremental_s = time.perf_counter() - t
    middle = n // 2
    t, cpu = time.perf_counter(), time.process_time()
    proof = prove_event(db, settings, middle)
    prove_s, prove_cpu_s = time.perf_counter() - t, time.process_time() - cpu
    db.dispose()
    return {
        "events": n,
        "verify_s": round(verify_s, 2),
        "verified_events_per_s": round(n / verify_s),
        "verify_workers": min(4, os.cpu_count() or 1),
        "single_process_verify_s": round(single_s, 2),
        "single_process_events_per_s": round(n / single_s),
        "single_process_events_per_cpu_s": round(n / single_cpu_s),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "target_events_per_s": 200_000,
        "checkpoints_verified": report.checkpoints,
        "build": built,
        "incremental_checkpoint_after_1000_events_s": round(incremental_s, 3),
        "proof": {
            "seq": middle,
            "tree_size": proof["tree_size"],
            "hashes": len(proof["audit_path"]),
            "audit_path_bytes": 32 * len(proof["audit_path"]),
            "json_bytes": len(json.dumps(proof)),
            "time_s": round(prove_s, 2),
            "cpu_s": round(prove_cpu_s, 2),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=5_000)
    args = parser.parse_args()
    logger.remove()
    os.environ.pop("RPA_AUDIT_STRICT_DETAILS", None)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        result = {
            "benchmark": "audit_trail",
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "append": bench_append(base, args.appends),
            "verify": bench_verify_and_prove(base, args.events),
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
