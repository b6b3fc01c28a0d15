"""Functions the contract tests run in separate processes (several writers, as on several machines)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rpa.audit.trail import AuditTrail
from rpa.runs import claim_fire
from rpa.store.db import Database
from rpa.workqueue import WorkQueue

FIRE = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def append_events(url: str, writer: int, count: int) -> int:
    db = Database(url)
    try:
        audit = AuditTrail(f"bot:writer-{writer}/run:1")
        for n in range(count):
            with db.transaction() as s:
                audit.record(s, "test.appended", "writer", str(writer), details={"n": n})
        return count
    finally:
        db.dispose()


def claim_all(url: str, bot: str, run_id: int) -> list[str]:
    """Claim items one at a time until none is left; return the references this process took."""
    db = Database(url)
    try:
        queue = WorkQueue(db, bot, AuditTrail(f"bot:{bot}/run:{run_id}"), lambda: datetime.now(UTC))
        taken: list[str] = []
        while batch := queue.claim(run_id, limit=2):
            taken += [item.reference for item in batch]
        return taken
    finally:
        db.dispose()


def claim_one_fire(url: str, offset_s: int) -> int | None:
    """Claim the run of the fire FIRE (the same fire in every process); the run id, or None (duplicate)."""
    db = Database(url)
    try:
        record = claim_fire(
            db, AuditTrail("system:scheduler"), "effects", trigger="schedule",
            now=FIRE + timedelta(seconds=offset_s), schedule="nightly", scheduled_for=FIRE, requested_by=None,
        )  # fmt: skip
        return None if record is None else record.id
    finally:
        db.dispose()
