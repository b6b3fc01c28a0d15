"""On PostgreSQL the events table refuses UPDATE, DELETE and TRUNCATE (triggers of migration 0002)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from rpa.audit import merkle
from rpa.audit.checkpoints import store_for
from rpa.audit.proofs import prove_event
from rpa.audit.search import search_events
from rpa.audit.trail import AuditTrail
from rpa.audit.verify import verify_chain, verify_database
from rpa.clock import utcnow
from rpa.settings import load_settings
from rpa.store.db import Database

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET outcome = 'ok' WHERE seq = 1",
        "DELETE FROM audit_events WHERE seq = 2",
        "TRUNCATE audit_events",
        "TRUNCATE audit_events CASCADE",
    ],
)
def test_events_cannot_be_changed_or_removed(pg_url: str, statement: str) -> None:
    db = Database(pg_url)
    try:
        db.upgrade()
        with db.transaction() as s:
            for n in range(3):
                AuditTrail("user:alice").record(
                    s, "exception.resolved", "work_item", f"w{n}", details={"resolution": "x"}
                )
        with pytest.raises(DBAPIError, match="append-only"), db.transaction() as s:
            s.execute(text(statement))
        with db.read() as s:
            assert s.execute(text("SELECT count(*) FROM audit_events")).scalar() == 3
            assert verify_chain(s).ok
        with db.transaction() as s:  # appending still works
            AuditTrail("user:alice").record(s, "exception.retried", "work_item", "w0", details={"was": "X"})
    finally:
        db.dispose()


def test_checkpoints_verification_and_proofs_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    settings = load_settings(home=tmp_path, database={"url": pg_url})
    db = Database(pg_url)
    try:
        db.upgrade()
        for run in range(3):
            with db.transaction() as s:
                for n in range(700):
                    AuditTrail(f"bot:x/run:{run}").record(
                        s, "item.started", "work_item", f"x:{n}", details={"attempt": 1}
                    )
            store_for(settings).write_next(db, f"run {run}", utcnow())
        report = verify_database(db, settings)
        assert report.ok and (report.count, report.checkpoints) == (2100, 3), report.problems
        proof = prove_event(db, settings, 1500)
        leaf, path = bytes.fromhex(proof["leaf_hash"]), [bytes.fromhex(h) for h in proof["audit_path"]]
        assert merkle.root_from_inclusion(1499, 2100, leaf, path).hex() == proof["root"]
        assert search_events(db, run_id=1, limit=5)[-1]["target_id"] == "x:699"
    finally:
        db.dispose()
