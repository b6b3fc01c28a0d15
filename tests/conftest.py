"""Shared fixtures: a throw-away project home, its settings and database, the CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rpa.settings import Settings, load_settings
from rpa.store.db import Database

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("RPA_CORPUS", REPO.parent / "shared" / "corpus"))


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"real-world corpus not found at {CORPUS} (set RPA_CORPUS)")
    return CORPUS


@pytest.fixture
def rpa_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project home: config/, var/, audit_logs/ under tmp; RPA_* variables of the caller ignored."""
    for key in list(os.environ):
        if key.startswith("RPA_") and key != "RPA_CORPUS":
            monkeypatch.delenv(key)
    home = tmp_path / "home"
    (home / "config" / "bots").mkdir(parents=True)
    monkeypatch.setenv("RPA_HOME", str(home))
    return home


@pytest.fixture
def settings(rpa_home: Path) -> Settings:
    return load_settings(home=rpa_home, run={"backoff_initial_s": 0.0, "backoff_max_s": 0.0})


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database_url)
    database.upgrade()
    yield database
    database.dispose()


def cli_env(home: Path, extra_bots: list[str] | None = None, **env: str) -> dict[str, str]:
    """Environment for running ``rpa`` in a subprocess against ``home``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("RPA_")}
    base.update({"RPA_HOME": str(home), "PYTHONPATH": str(REPO), "COLUMNS": "200"})
    if extra_bots:
        base["RPA_EXTRA_BOTS"] = json.dumps(extra_bots)
    base.update(env)
    return base


def run_cli(
    home: Path, *args: str, extra_bots: list[str] | None = None, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rpa_cli", *args],
        cwd=REPO,
        env=cli_env(home, extra_bots, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[object]:
    """One throwaway PostgreSQL server for the whole session (see tests/pg.py)."""
    from tests.pg import PostgresCluster

    cluster = PostgresCluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: object) -> str:
    """A fresh, empty PostgreSQL database for one test: its SQLAlchemy URL."""
    from tests.pg import PostgresCluster

    assert isinstance(pg_cluster, PostgresCluster)
    return pg_cluster.create_database()
