"""A small real trail: 120 events in four batches, a signed checkpoint after each, evidence files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rpa.audit.checkpoints import CheckpointStore, store_for
from rpa.audit.evidence import EvidenceStore
from rpa.audit.redact import STRICT_ENV
from rpa.audit.trail import AuditTrail
from rpa.settings import Settings, load_settings
from rpa.store.db import Database

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Trail:
    settings: Settings
    db: Database
    store: CheckpointStore
    evidence: dict[int, str]  # seq -> sha256 of the evidence file it references

    @property
    def db_file(self) -> Path:
        return self.settings.var_path / "rpa.db"


class StepClock:
    def __init__(self, start: datetime = START, step: timedelta = timedelta(hours=6)) -> None:
        self.now, self.step = start, step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


@pytest.fixture(autouse=True)
def strict_details(rpa_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Details outside their action's allow-list fail loudly in these tests (set after rpa_home has
    cleared the caller's RPA_* variables; subprocesses inherit it)."""
    monkeypatch.setenv(STRICT_ENV, "1")


def build_trail(settings: Settings, db: Database, batches: int = 4, per_batch: int = 30) -> Trail:
    clock = StepClock()
    store = store_for(settings)
    evidence_store = EvidenceStore(settings.audit_path / "evidence")
    evidence: dict[int, str] = {}
    for b in range(batches):
        audit = AuditTrail(f"bot:sample/run:{b + 1}", clock)
        for n in range(per_batch):
            with db.transaction() as s:
                if n == 5:
                    sha = evidence_store.put_bytes(f"screenshot of batch {b}".encode(), ".png")
                    ev = audit.record(s, "report.written", "report", f"r{b}", evidence=[sha])
                    evidence[ev.seq] = sha
                else:
                    code = "AMOUNT_MISMATCH" if n % 7 == 3 else None
                    audit.record(
                        s, "item.done" if code is None else "item.business_exception", "work_item",
                        f"sample:INV-{b}-{n}", details={"attempt": 1, "code": code, "message": None},
                    )  # fmt: skip
        store.write_next(db, f"run {b + 1} finished", clock())
    return Trail(settings, db, store, evidence)


@pytest.fixture
def trail(settings: Settings, db: Database) -> Iterator[Trail]:
    yield build_trail(settings, db)


@pytest.fixture
def settings_at(rpa_home: Path) -> Settings:
    return load_settings(home=rpa_home)
