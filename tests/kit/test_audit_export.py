"""An exported bundle verifies offline, and any edit inside it is caught."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli

BOTS = ["tests.kit.sample_bots:MIXED_BOT"]


def test_export_verifies_offline_and_detects_edits(rpa_home: Path, tmp_path: Path) -> None:
    assert run_cli(rpa_home, "run", "mixed", extra_bots=BOTS, RPA_RUN__BACKOFF_INITIAL_S="0").returncode == 0
    bundle = tmp_path / "bundle"
    exported = run_cli(rpa_home, "audit", "export", "--out", str(bundle))
    assert exported.returncode == 0, exported.stderr
    assert (bundle / "checkpoint-signing.pub").exists() and list((bundle / "checkpoints").glob("*.json"))

    ok = run_cli(rpa_home, "audit", "verify", "--bundle", str(bundle))
    assert ok.returncode == 0, ok.stderr
    assert "OK:" in ok.stdout

    events = (bundle / "events.jsonl").read_text().splitlines()
    fifth = json.loads(events[4])
    fifth["outcome"] = "done"
    events[4] = json.dumps(fifth, sort_keys=True)
    (bundle / "events.jsonl").write_text("\n".join(events) + "\n")
    tampered = run_cli(rpa_home, "audit", "verify", "--bundle", str(bundle))
    assert tampered.returncode == 1
    assert "events.jsonl was altered" in tampered.stderr


def test_export_refuses_a_non_empty_folder(rpa_home: Path, tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x")
    result = run_cli(rpa_home, "audit", "export", "--out", str(tmp_path / "used"))
    assert result.returncode == 2 and "not empty" in result.stderr
