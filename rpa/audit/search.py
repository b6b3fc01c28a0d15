"""Looking events up (by actor, action, target, run, time: all indexed) and forgetting a data subject."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from rpa.audit.subjects import forget_subject, open_details, sealed_count
from rpa.audit.trail import AuditTrail
from rpa.audit.walk import COLUMNS
from rpa.clock import utcnow
from rpa.errors import RpaError
from rpa.store.db import Database
from rpa.store.models import AuditEvent


def search_events(
    db: Database,
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    run_id: int | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Matching events, oldest first (the newest ``limit``), details decoded and personal values opened."""
    q = select(AuditEvent)
    if actor:
        q = q.where(AuditEvent.actor == actor)
    if action:
        q = q.where(
            AuditEvent.action.startswith(action[:-1]) if action.endswith("*") else AuditEvent.action == action
        )
    if target:
        kind, sep, ident = target.partition(":")
        q = (
            q.where(AuditEvent.target_type == kind, AuditEvent.target_id == ident)
            if sep
            else q.where(AuditEvent.target_id == target)
        )
    if run_id is not None:
        q = q.where(AuditEvent.run_id == run_id)
    if start:
        q = q.where(AuditEvent.ts >= start.isoformat() + "T00:00:00")
    if end:
        q = q.where(AuditEvent.ts < (end + timedelta(days=1)).isoformat() + "T00:00:00")
    with db.read() as s:
        rows = s.execute(q.order_by(AuditEvent.seq.desc()).limit(limit)).scalars().all()
        found = []
        for r in reversed(rows):
            e = {c: getattr(r, c) for c in COLUMNS}
            e["details"] = open_details(s, json.loads(r.details))
            e["evidence"] = json.loads(r.evidence)
            found.append(e)
    return found


def forget(db: Database, subject: str, actor: str) -> int:
    """Erase ``subject``'s key (audited); return how many sealed values became unreadable."""
    now = utcnow()
    with db.transaction() as s:
        count = sealed_count(s, subject)
        if not forget_subject(s, subject, actor, now):
            raise RpaError(f"subject {subject!r} has no key in the audit trail (unknown or forgotten)",
                           code="AUDIT_UNKNOWN_SUBJECT")  # fmt: skip
        AuditTrail(actor).record(
            s,
            "audit.subject_forgotten",
            "subject",
            subject,
            details={"subject": subject, "values_sealed": count},
        )
    if db.is_sqlite:  # the pages that held the key leave the write-ahead log for the (zeroed) file
        raw = db.write_engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    return count
