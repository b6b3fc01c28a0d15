"""The contract suite: the same tests against the embedded SQLite database and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rpa.store.db import Database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each backend: its URL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'contract.db'}"
    url = request.getfixturevalue("pg_url")
    assert isinstance(url, str)
    return url


@pytest.fixture
def backend(backend_url: str) -> Iterator[Database]:
    """The database at the current schema (``rpa db upgrade``)."""
    database = Database(backend_url)
    database.upgrade()
    yield database
    database.dispose()
