"""Date-range bundles an auditor verifies on another machine with nothing but the bundle.

``write_bundle`` signs a fresh checkpoint, then writes the events of the range (contiguous by seq),
a Merkle range proof to the first signed checkpoint covering them, the checkpoints after it (each with
its consistency proof), the public key, the evidence files (optional), a readable CSV and XLSX copy,
a README, the standalone ``verify_bundle.py`` and a signed manifest of every file.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from rpa.audit import merkle
from rpa.audit.checkpoints import Checkpoint, check_sequence, store_for
from rpa.audit.evidence import EvidenceStore
from rpa.audit.trail import AuditTrail
from rpa.audit.verify import VerifyReport
from rpa.audit.walk import COLUMNS, ChainWalker, stream
from rpa.clock import utcnow
from rpa.documents.excel import neutralize
from rpa.errors import AuditIntegrityError, RpaError
from rpa.store.db import Database

STANDALONE = Path(__file__).with_name("standalone_verifier.py")
CSV_COLUMNS = (
    "seq",
    "ts",
    "actor",
    "action",
    "target_type",
    "target_id",
    "outcome",
    "details",
    "evidence",
    "hash",
)

README = """Audit trail bundle of backoffice-rpa: events {first}–{last} ({count} events),
{start} to {end} (UTC).

What is here
  events.jsonl          the events, one JSON object per line, in chain order (contiguous by seq: the
                        range runs from the first event of {start} to the last of {end})
  proof.json            the Merkle range proof of these events to the signed checkpoint that covers them
  checkpoints/          signed checkpoints (Ed25519): the covering one first, then every later one, each
                        with its consistency proof (RFC 9162) from the one before
  checkpoint-signing.pub  the public key (hex, Ed25519); its fingerprint: sha256:{fingerprint}
  evidence/             the files the events reference, named by their SHA-256 (when exported with evidence)
  events.csv, events.xlsx  the same events for reading (cells that would start a formula are prefixed with ')
  verify_bundle.py      a verifier needing only Python 3.9+ and the `cryptography` package
  manifest.json/.sig    the SHA-256 of every file, signed with the same key

How to verify (on any machine)
  python3 -m pip install cryptography     # if not installed
  python3 verify_bundle.py .               # or: rpa audit verify --bundle <this folder>
  Then compare the printed key fingerprint with the one published by the organisation (not with this
  file: whoever can change the bundle can change this README too).

What is checked
  - every file matches the signed manifest: one byte changed anywhere is refused;
  - each event's hash is SHA-256 of its RFC 8785 canonical JSON and links to the previous event's hash;
  - the events, as RFC 6962 leaves SHA-256(0x00 || canonical JSON), rebuild the Merkle root signed by
    the covering checkpoint (with the hashes of proof.json for the events outside the range);
  - each later checkpoint extends the one before (consistency proof): nothing was rewritten since;
  - evidence files hash to the SHA-256 the events recorded.
"""


class BundleError(RpaError):
    """The bundle folder cannot be written or read (wrong path, not empty, not a bundle)."""

    code = "AUDIT_BUNDLE"


def _bounds(db: Database, start: date, end: date) -> tuple[int, int] | None:
    lo = start.isoformat() + "T00:00:00"
    hi = (end + timedelta(days=1)).isoformat() + "T00:00:00"
    with db.read_engine.connect() as conn:
        row = conn.execute(
            text("SELECT min(seq), max(seq) FROM audit_events WHERE ts >= :lo AND ts < :hi"),
            {"lo": lo, "hi": hi},
        ).first()
    if row is None or row[0] is None:
        return None
    return int(row[0]), int(row[1])


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def write_bundle(
    db: Database,
    settings: Any,
    start: date,
    end: date,
    out_dir: Path,
    *,
    with_evidence: bool = False,
    actor: str | None = None,
) -> dict[str, Any]:
    """Write the bundle of the events from ``start`` to ``end`` (UTC dates, inclusive) into ``out_dir``
    (created; must be empty). Returns what was written. ``actor`` given: the export is audited as theirs."""
    if end < start:
        raise BundleError(f"--to {end} is before --from {start}")
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise BundleError(
            f"export folder {out_dir} is not empty; choose a new folder", code="AUDIT_EXPORT_DIR"
        )
    store = store_for(settings)
    store.write_next(db, "export", utcnow())
    loaded = store.load_all()
    if loaded.problems:
        raise AuditIntegrityError(f"no bundle written: {loaded.problems[0]}", code="AUDIT_CHECKPOINT_INVALID")
    epoch = loaded.current_epoch()
    bounds = _bounds(db, start, end)
    latest = epoch[-1] if epoch else None
    if bounds is not None and latest is not None:
        bounds = (bounds[0], min(bounds[1], latest.size))
    if bounds is not None and bounds[0] > bounds[1]:
        bounds = None
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "checkpoints").mkdir()
    events: list[dict[str, Any]] = []
    cover: Checkpoint | None = None
    proof: dict[str, Any] = {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "events": 0,
        "with_evidence": with_evidence,
    }
    if bounds is not None and latest is not None:
        first, last = bounds
        cover = next(c for c in epoch if c.size >= last)
        walker = ChainWalker(keep_leaves=True)
        with db.read_engine.connect() as conn:
            for batch in stream(conn, upto=cover.size):
                if not walker.feed(batch):
                    raise AuditIntegrityError(
                        f"no bundle written: {walker.problem}", code="AUDIT_CHAIN_BROKEN"
                    )
                events.extend(dict(zip(COLUMNS, r, strict=True)) for r in batch if first <= r[0] <= last)
        if walker.frontier.root().hex() != cover.root:
            raise AuditIntegrityError(
                f"no bundle written: the database does not match signed checkpoint {cover.label}; "
                "run `rpa audit verify`",
                code="AUDIT_CHAIN_BROKEN",
            )
        sub = merkle.subtree_from_leaves(walker.leaves or [])
        proof.update(
            events=len(events),
            first_seq=first,
            last_seq=last,
            checkpoint=cover.name,
            checkpoint_size=cover.size,
            range_proof=[h.hex() for h in merkle.range_proof(first - 1, last, cover.size, sub)],
        )
    for cp in epoch:
        if cover is not None and cp.size >= cover.size and cp.path is not None:
            shutil.copy2(cp.path, out_dir / "checkpoints" / cp.name)
    with (out_dir / "events.jsonl").open("w", encoding="utf-8") as fh:
        for e in events:
            fh.write(json.dumps(e, sort_keys=True, ensure_ascii=False) + "\n")
    wanted = sorted({str(sha) for e in events for sha in json.loads(e["evidence"])})
    copied, missing = 0, []
    if with_evidence:
        evidence = EvidenceStore(settings.audit_path / "evidence")
        for digest in wanted:
            source = evidence.find(digest)
            if source is None:
                missing.append(digest)
                continue
            (out_dir / "evidence").mkdir(exist_ok=True)
            shutil.copy2(source, out_dir / "evidence" / source.name)
            copied += 1
        proof["evidence_missing"] = missing
    (out_dir / "proof.json").write_text(json.dumps(proof, indent=2, sort_keys=True) + "\n")
    _write_csv(out_dir / "events.csv", events)
    _write_xlsx(out_dir / "events.xlsx", events)
    pub = store.public_key_path()
    store.public_key()
    shutil.copy2(pub, out_dir / "checkpoint-signing.pub")
    fingerprint = hashlib.sha256(bytes.fromhex(pub.read_text().strip())).hexdigest()[:32]
    (out_dir / "README.txt").write_text(
        README.format(
            first=proof.get("first_seq", "-"),
            last=proof.get("last_seq", "-"),
            count=len(events),
            start=start.isoformat(),
            end=end.isoformat(),
            fingerprint=fingerprint,
        )
    )
    shutil.copyfile(STANDALONE, out_dir / "verify_bundle.py")
    files = {p.relative_to(out_dir).as_posix(): _sha256(p) for p in sorted(out_dir.rglob("*")) if p.is_file()}
    manifest = (json.dumps({"files": files}, indent=2, sort_keys=True) + "\n").encode()
    (out_dir / "manifest.json").write_bytes(manifest)
    (out_dir / "manifest.sig").write_text(store.sign(manifest))
    result = {
        "events": len(events),
        "first_seq": proof.get("first_seq"),
        "last_seq": proof.get("last_seq"),
        "checkpoint": cover.name if cover else None,
        "checkpoints": len(list((out_dir / "checkpoints").iterdir())),
        "evidence_files": copied,
        "evidence_missing": len(missing),
        "from": start.isoformat(),
        "to": end.isoformat(),
        "out_dir": str(out_dir),
    }
    if actor is not None:
        with db.transaction() as s:
            AuditTrail(actor).record(
                s, "audit.exported", "bundle", str(out_dir),
                details={k: v for k, v in result.items() if k not in ("out_dir", "checkpoint", "checkpoints")},  # noqa: E501
            )  # fmt: skip
    return result


def _rows_for_humans(events: list[dict[str, Any]]) -> list[list[str]]:
    return [[neutralize(str(e[c])) for c in CSV_COLUMNS] for e in events]


def _write_csv(path: Path, events: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        w.writerows(_rows_for_humans(events))


def _write_xlsx(path: Path, events: list[dict[str, Any]]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("events")
    ws.append(list(CSV_COLUMNS))
    for row in _rows_for_humans(events):
        ws.append(row)
    wb.save(path)


# --- verifying with the product ---------------------------------------------------------------------


def verify_bundle(bundle: Path) -> VerifyReport:
    """Verify a bundle with the product's own code (the same checks as its ``verify_bundle.py``)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    bundle = Path(bundle)
    if not (bundle / "manifest.json").is_file():
        raise BundleError(
            f"{bundle} is not an audit bundle (no manifest.json there)", code="AUDIT_BUNDLE_NOT_FOUND"
        )

    def fail(message: str, count: int = 0) -> VerifyReport:
        return VerifyReport(False, count, (message,))

    try:
        key = Ed25519PublicKey.from_public_bytes(
            bytes.fromhex((bundle / "checkpoint-signing.pub").read_text().strip())
        )
        raw = (bundle / "manifest.json").read_bytes()
        try:
            key.verify(bytes.fromhex((bundle / "manifest.sig").read_text().strip()), raw)
        except (InvalidSignature, ValueError):
            return fail("manifest.sig: the manifest's signature does not verify with checkpoint-signing.pub")
        files = json.loads(raw)["files"]
        if (json.dumps({"files": files}, indent=2, sort_keys=True) + "\n").encode() != raw:
            return fail("manifest.json: not in its canonical form (edited)")
        present = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
        present -= {"manifest.json", "manifest.sig"}
        if present != set(files):
            return fail(f"bundle files differ from the manifest: {sorted(present ^ set(files))}")
        for name, digest in sorted(files.items()):
            if _sha256(bundle / name) != digest:
                return fail(f"bundle file {name} was altered (SHA-256 differs from the signed manifest)")
        proof = json.loads((bundle / "proof.json").read_text())
        cps = [
            Checkpoint.from_json(json.loads(p.read_text()), p)
            for p in sorted((bundle / "checkpoints").glob("*.json"))
        ]
        problems = [p for p in check_sequence(cps, key) if "is not the first" not in p]
        if problems:
            return fail(problems[0])
        rows = []
        with (bundle / "events.jsonl").open(encoding="utf-8") as fh:
            rows = [tuple(json.loads(line)[c] for c in COLUMNS) for line in fh if line.strip()]
        if not rows:
            return VerifyReport(True, 0, (), checkpoints=len(cps))
        first, last = int(rows[0][0]), int(rows[-1][0])
        walker = ChainWalker(first, str(rows[0][9]), keep_leaves=True)
        if not walker.feed(rows):
            return fail(str(walker.problem), walker.count)
        cover = next((c for c in cps if c.name == proof.get("checkpoint")), None)
        if cover is None or cps[0] is not cover or (proof["first_seq"], proof["last_seq"]) != (first, last):
            return fail("proof.json does not match the bundle's events and checkpoints", walker.count)
        root = merkle.root_from_range(
            first - 1, last, cover.size, walker.leaves or [], [bytes.fromhex(h) for h in proof["range_proof"]]
        )
        if root is None or root.hex() != cover.root:
            return fail(
                f"events {first}–{last}: the Merkle range proof does not lead to the root signed by "
                f"checkpoint {cover.name} (events altered, inserted, removed or reordered)",
                walker.count,
            )
        if proof.get("with_evidence"):
            for e in (bundle / "evidence").glob("*") if (bundle / "evidence").is_dir() else []:
                if _sha256(e) != e.name.split(".")[0]:
                    return fail(f"evidence file {e.name} does not match its SHA-256 name", walker.count)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return fail(f"the bundle is damaged ({type(exc).__name__}: {exc})")
    return VerifyReport(True, walker.count, (), last, walker.prev_hash, len(cps), cover.root)


def today_utc() -> date:
    return datetime.now(UTC).date()
