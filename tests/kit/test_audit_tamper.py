"""Editing, deleting or swapping one audit event makes ``rpa audit verify`` fail, naming that event."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import run_cli

BOTS = ["tests.kit.sample_bots:MIXED_BOT"]


@pytest.fixture
def trail(rpa_home: Path) -> Path:
    """A home whose database holds a real run's audit trail; returns the database file."""
    result = run_cli(rpa_home, "run", "mixed", extra_bots=BOTS, RPA_RUN__BACKOFF_INITIAL_S="0")
    assert result.returncode == 0, result.stderr
    ok = run_cli(rpa_home, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "OK:" in ok.stdout
    return rpa_home / "var" / "rpa.db"


def _sql(db: Path, statement: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(statement)


def test_altered_event_is_named(rpa_home: Path, trail: Path) -> None:
    _sql(
        trail,
        "UPDATE audit_events SET details = replace(details, 'AMOUNT_MISMATCH', 'OK') "
        "WHERE seq = (SELECT min(seq) FROM audit_events WHERE details LIKE '%AMOUNT_MISMATCH%')",
    )
    with sqlite3.connect(trail) as conn:
        seq = conn.execute("SELECT min(seq) FROM audit_events WHERE details LIKE '%\"OK\"%'").fetchone()[0]
    result = run_cli(rpa_home, "audit", "verify")
    assert result.returncode == 1
    assert f"event seq {seq}" in result.stderr and "content altered" in result.stderr


def test_deleted_event_is_named(rpa_home: Path, trail: Path) -> None:
    _sql(trail, "DELETE FROM audit_events WHERE seq = 7")
    result = run_cli(rpa_home, "audit", "verify")
    assert result.returncode == 1
    assert "event seq 7: removed" in result.stderr


def test_swapped_events_are_named(rpa_home: Path, trail: Path) -> None:
    with sqlite3.connect(trail) as conn:
        cols = "ts, actor, action, target_type, target_id, outcome, details, evidence, prev_hash, hash"
        a = conn.execute(f"SELECT {cols} FROM audit_events WHERE seq = 10").fetchone()
        b = conn.execute(f"SELECT {cols} FROM audit_events WHERE seq = 11").fetchone()
        sets = ", ".join(f"{c.strip()} = ?" for c in cols.split(","))
        conn.execute(f"UPDATE audit_events SET {sets} WHERE seq = 10", b)
        conn.execute(f"UPDATE audit_events SET {sets} WHERE seq = 11", a)
    result = run_cli(rpa_home, "audit", "verify")
    assert result.returncode == 1
    assert "event seq 10" in result.stderr


def test_removed_tail_is_caught_by_the_signed_checkpoint(rpa_home: Path, trail: Path) -> None:
    _sql(trail, "DELETE FROM audit_events WHERE seq > 20")
    _sql(
        trail,
        "UPDATE audit_head SET last_seq = 20, last_hash = (SELECT hash FROM audit_events WHERE seq = 20)",
    )
    result = run_cli(rpa_home, "audit", "verify")
    assert result.returncode == 1
    assert "removed" in result.stderr and "checkpoint" in result.stderr
