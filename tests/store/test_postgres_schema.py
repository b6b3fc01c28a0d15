"""The schema migrates on a real PostgreSQL as it does on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from rpa.store.db import Database, head_revision

pytestmark = pytest.mark.postgres


def test_every_migration_applies_on_postgres(pg_url: str) -> None:
    database = Database(pg_url)
    try:
        database.ensure_current()
        tables = set(inspect(database.read_engine).get_table_names())
        assert {"runs", "work_items", "effects", "audit_events", "audit_head", "users"} <= tables
        with database.read() as session:
            version = session.connection().exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        assert version == head_revision()
    finally:
        database.dispose()
