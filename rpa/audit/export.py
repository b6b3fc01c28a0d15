"""Export bundles an auditor verifies offline: events, signed checkpoints, public key, evidence files."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from rpa.audit.checkpoints import CheckpointStore
from rpa.audit.evidence import EvidenceStore
from rpa.audit.verify import EVENT_FIELDS, VerifyReport, verify_events
from rpa.errors import AuditIntegrityError
from rpa.store.db import Database
from rpa.store.models import AuditEvent

README = """Audit trail export of backoffice-rpa.

events.jsonl      every audit event, one JSON object per line, in chain order
checkpoints/      chain heads signed with Ed25519 (public key: checkpoint-signing.pub)
evidence/         the files referenced by events, named by their SHA-256
manifest.json     SHA-256 of every file of this bundle

Verify with:  rpa audit verify --bundle <this folder>
Each event's hash is SHA-256 over the RFC 8785 canonical JSON of its fields and the previous hash.
"""


def _events(db: Database) -> Iterator[dict[str, object]]:
    last = 0
    with db.read() as s:
        while True:
            rows = (
                s.execute(
                    select(AuditEvent).where(AuditEvent.seq > last).order_by(AuditEvent.seq).limit(5000)
                )
                .scalars()
                .all()
            )
            if not rows:
                return
            for r in rows:
                yield {f: getattr(r, f) for f in EVENT_FIELDS}
            last = rows[-1].seq
            s.expunge_all()


def export_bundle(db: Database, audit_dir: Path, out: Path, checkpoints: CheckpointStore) -> dict[str, int]:
    """Write the bundle into ``out`` (created, must be empty); return counts."""
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise AuditIntegrityError(
            f"export folder {out} is not empty; choose a new folder", code="AUDIT_EXPORT_DIR"
        )
    evidence = EvidenceStore(audit_dir / "evidence")
    wanted: set[str] = set()
    count = 0
    with (out / "events.jsonl").open("w", encoding="utf-8") as fh:
        for event in _events(db):
            fh.write(json.dumps(event, sort_keys=True, ensure_ascii=False) + "\n")
            wanted.update(json.loads(str(event["evidence"])))
            count += 1
    (out / "checkpoints").mkdir()
    for cp_file in sorted(checkpoints.dir.glob("*.json")) if checkpoints.dir.is_dir() else []:
        shutil.copy2(cp_file, out / "checkpoints" / cp_file.name)
    shutil.copy2(checkpoints.public_key_path(), out / "checkpoint-signing.pub")
    copied = missing = 0
    for digest in sorted(wanted):
        source = evidence.find(digest)
        if source is None:
            missing += 1
            continue
        target = out / "evidence" / source.name
        target.parent.mkdir(exist_ok=True)
        shutil.copy2(source, target)
        copied += 1
    (out / "README.txt").write_text(README)
    manifest = {str(p.relative_to(out)): _sha256(p) for p in sorted(out.rglob("*")) if p.is_file()}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return {"events": count, "evidence_files": copied, "evidence_missing": missing}


def verify_bundle(bundle: Path) -> VerifyReport:
    """Verify an exported bundle with nothing but its own files."""
    manifest = json.loads((bundle / "manifest.json").read_text())
    for name, digest in manifest.items():
        path = bundle / name
        if not path.is_file():
            return VerifyReport(False, 0, (f"bundle file {name} listed in manifest.json is missing",))
        if name != "manifest.json" and _sha256(path) != digest:
            return VerifyReport(
                False, 0, (f"bundle file {name} was altered (SHA-256 differs from manifest)",)
            )
    for ev_file in (bundle / "evidence").glob("*") if (bundle / "evidence").is_dir() else []:
        if _sha256(ev_file) != ev_file.name.split(".")[0]:
            return VerifyReport(False, 0, (f"evidence file {ev_file.name} does not match its SHA-256 name",))
    store = CheckpointStore(bundle)
    store.dir, store.key_dir = bundle / "checkpoints", bundle
    checkpoints = store.load()
    with (bundle / "events.jsonl").open(encoding="utf-8") as fh:
        return verify_events((json.loads(line) for line in fh if line.strip()), checkpoints)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
