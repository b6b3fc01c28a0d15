"""Date-range bundles: verified in a separate process from only their own files; one byte changed anywhere
is refused; the product verifies them too."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from rpa.audit.bundle import BundleError, verify_bundle, write_bundle
from tests.audit.conftest import Trail
from tests.conftest import run_cli


def _standalone(bundle: Path, cwd: Path, script: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The bundle's own verifier, isolated (-I: no PYTHONPATH, no user site, no repository on sys.path)."""
    return subprocess.run(
        [sys.executable, "-I", str(script or bundle / "verify_bundle.py"), str(bundle)],
        cwd=cwd, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.fixture
def bundle(trail: Trail, tmp_path: Path) -> tuple[Path, dict[str, object]]:
    # The trail's clock starts on 2 March 2026 and advances 6 hours per event: 4 events a day.
    out = tmp_path / "bundle"
    result = write_bundle(
        trail.db, trail.settings, date(2026, 3, 10), date(2026, 3, 14), out, with_evidence=True
    )
    return out, result


def test_bundle_holds_the_range_and_verifies_standalone(
    bundle: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    out, result = bundle
    assert result["events"] == 19 and (result["first_seq"], result["last_seq"]) == (31, 49)
    assert result["checkpoint"] == "0000-000000000060.json" and result["evidence_files"] == 1
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in events] == list(range(31, 50))
    assert all("2026-03-10" <= e["ts"][:10] <= "2026-03-14" for e in events)
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == [
        "0000-000000000060.json", "0000-000000000090.json", "0000-000000000120.json",
    ]  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ok = _standalone(out, elsewhere)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(
        "OK: 19 events (seq 31–49) proven in signed checkpoint 0000-000000000060.json"
    )
    assert "consistent with 2 later checkpoint(s) up to size 120" in ok.stdout
    assert verify_bundle(out).ok


def test_one_byte_changed_anywhere_is_refused(bundle: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    out, _ = bundle
    pristine_script = tmp_path / "verify_bundle.py"
    shutil.copy(out / "verify_bundle.py", pristine_script)
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert len(files) >= 12
    for n, path in enumerate(files):
        copy = tmp_path / f"copy{n}"
        shutil.copytree(out, copy)
        target = copy / path.relative_to(out)
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0x01
        target.write_bytes(bytes(data))
        result = _standalone(copy, tmp_path, pristine_script)
        assert result.returncode == 1, f"{path.name} changed, yet accepted: {result.stdout}"
        assert result.stderr.startswith("FAILED: ")
        assert not verify_bundle(copy).ok, path.name
        shutil.rmtree(copy)


def test_an_added_file_or_a_rewritten_event_with_a_fixed_manifest_is_refused(
    bundle: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    out, _ = bundle
    (out / "note.txt").write_text("added later")
    assert "not in the manifest" in _standalone(out, tmp_path).stderr
    (out / "note.txt").unlink()
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"]["events.csv"] = "0" * 64
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    assert "manifest's signature does not verify" in _standalone(out, tmp_path).stderr


def test_csv_cells_that_would_be_formulas_are_neutralised(trail: Trail, tmp_path: Path) -> None:
    from rpa.audit.trail import AuditTrail

    with trail.db.transaction() as s:
        AuditTrail("user:alice").record(s, "exception.resolved", "work_item", "=HYPERLINK(\"http://x\")",
                                        details={"resolution": "+1 paid"})  # fmt: skip
    out = tmp_path / "b"
    write_bundle(trail.db, trail.settings, date(2020, 1, 1), date(2030, 1, 1), out)
    rows = list(csv.DictReader((out / "events.csv").open(encoding="utf-8")))
    assert rows[-1]["target_id"] == '\'=HYPERLINK("http://x")'
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    from openpyxl import load_workbook

    sheet = load_workbook(out / "events.xlsx").active
    assert sheet is not None
    assert sheet.cell(row=sheet.max_row, column=6).value == '\'=HYPERLINK("http://x")'
    assert _standalone(out, tmp_path).returncode == 0


def test_export_and_verify_through_the_command(rpa_home: Path, tmp_path: Path) -> None:
    assert run_cli(rpa_home, "run", "mixed", extra_bots=["tests.kit.sample_bots:MIXED_BOT"],
                   RPA_RUN__BACKOFF_INITIAL_S="0").returncode == 0  # fmt: skip
    today = date.today().isoformat()
    out = tmp_path / "b"
    exported = run_cli(rpa_home, "audit", "export", "--from", "2020-01-01", "--to", today, "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    verified = run_cli(rpa_home, "audit", "verify", "--bundle", str(out))
    assert verified.returncode == 0 and "OK:" in verified.stdout, verified.stderr
    assert _standalone(out, tmp_path).returncode == 0
    wrong = run_cli(rpa_home, "audit", "verify", "--bundle", str(tmp_path / "nowhere"))
    assert wrong.returncode == 2
    assert len(wrong.stderr.strip().splitlines()) == 1 and "not an audit bundle" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_a_used_folder_is_refused(trail: Trail, tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x")
    with pytest.raises(BundleError, match="not empty"):
        write_bundle(trail.db, trail.settings, date(2026, 3, 1), date(2026, 3, 2), tmp_path / "used")
