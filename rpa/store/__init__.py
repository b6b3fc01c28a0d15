"""Persistence: SQLAlchemy 2 models, the database handle and Alembic migrations."""

from rpa.store.db import Database
from rpa.store.models import AuditEvent, Base, Effect, Run, User, WorkItem

__all__ = ["AuditEvent", "Base", "Database", "Effect", "Run", "User", "WorkItem"]
