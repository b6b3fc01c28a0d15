"""The audit trail's export and verification as the console uses them: one place to switch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rpa.settings import Settings
from rpa.store.db import Database


@dataclass(frozen=True)
class Verification:
    ok: bool
    text: str


def verify(db: Database, settings: Settings) -> Verification:
    """Everything ``rpa audit verify`` checks: checkpoints, chain, Merkle roots, evidence files."""
    from rpa.audit.verify import verify_database

    report = verify_database(db, settings)
    return Verification(bool(report.ok), str(report.render()))


def write_bundle(
    db: Database, settings: Settings, start: date, end: date, out_dir: Path, actor: str
) -> dict[str, Any]:
    """Write the verifiable bundle of the events from ``start`` to ``end`` (inclusive) into the new
    folder ``out_dir``, audited as ``actor``'s export; return what was written."""
    from rpa.audit.bundle import write_bundle as bundle

    return dict(bundle(db, settings, start, end, out_dir, with_evidence=False, actor=actor))
