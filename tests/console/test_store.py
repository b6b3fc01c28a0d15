"""The console's queries on a real PostgreSQL (the migration, the JSON amount filter, the audit sums) and
the keyset pages on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rpa.audit.trail import AuditTrail
from rpa.clock import utcnow
from rpa.store import console as store
from rpa.store.db import Database
from tests.console.conftest import bank_line_payload, exception_item


@pytest.mark.postgres
def test_pages_queries_run_on_postgres(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        db.ensure_current()
        small = exception_item(db, "invoice_matching", "L-1", bank_line_payload("L-1", "40.00", "INV-1"), "X")
        big = exception_item(db, "invoice_matching", "L-2", bank_line_payload("L-2", "4000.00", "INV-2"), "X")
        now = utcnow()
        rows, _ = store.exceptions_page(db, now, min_amount=1000.0)
        assert [r.id for r in rows] == [big]
        rows, _ = store.exceptions_page(db, now, bot="invoice_matching", max_amount=100.0)
        assert [r.id for r in rows] == [small]
        with db.transaction() as s:
            AuditTrail("bot:invoice_matching").record(
                s, "erp.payment.posted", "invoice", "INV-9", details={"amount": "12.50", "bank_line": "L-9"}
            )
        days = store.daily_events(db, "erp.payment.posted", now - timedelta(days=1), "amount")
        assert sum(total for _n, total in days.values()) == 12.5
        page = store.events_page(db, actor="bot:invoice_matching", start=now - timedelta(days=1))
        assert page.rows and all(e.actor == "bot:invoice_matching" for e in page.rows)
        ages = store.open_exceptions_by_age(db, now, ["invoice_matching"])
        assert ages == {"invoice_matching": {"< 1 day": 2, "1-7 days": 0, "> 7 days": 0}}
        runs = store.runs_page(db, bot="invoice_matching")
        assert len(runs.rows) == 2
        _check_keyset_pages(db)
    finally:
        db.dispose()


def _check_keyset_pages(db: Database) -> None:
    """Page by page with the cursors, every row once, in order: exceptions, runs, events."""
    now = utcnow()
    first, cursor = store.exceptions_page(db, now, limit=1)
    assert cursor is not None
    second, last = store.exceptions_page(db, now, limit=1, after=cursor)
    assert last is None and len(first) == len(second) == 1 and first[0].id < second[0].id
    runs = store.runs_page(db, limit=1)
    assert runs.next_cursor is not None
    older = store.runs_page(db, limit=1, before=int(runs.next_cursor))
    assert older.rows[0].id < runs.rows[0].id
    seen: list[int] = []
    before = None
    while True:
        page = store.events_page(db, limit=7, before=before)
        seen += [e.seq for e in page.rows]
        if page.next_cursor is None:
            break
        before = int(page.next_cursor)
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) and seen[-1] == 1


def test_keyset_pages_on_sqlite(db: Database) -> None:
    exception_item(db, "invoice_matching", "L-1", bank_line_payload("L-1", "40.00", "INV-1"), "X")
    exception_item(db, "invoice_matching", "L-2", bank_line_payload("L-2", "4000.00", "INV-2"), "X")
    _check_keyset_pages(db)
