"""``rpa documents check`` on real files: generated dossiers, hostile files, a path that does not exist."""

from __future__ import annotations

import csv
import json
import os
import zipfile
from pathlib import Path

from legacy_apps.docportal.generator import REFERENCE_DAY, generate_dossiers
from legacy_apps.docportal.truth import ground_truth
from tests.conftest import run_cli

HEADER = ["dossier", "file", "document_type", "code", "severity", "field", "message"]


def _write_dossiers(folder: Path, seed: int, count: int) -> None:
    for dossier in generate_dossiers(seed, count):
        for attachment in dossier.attachments:
            path = folder / dossier.id / attachment.filename
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(attachment.data)


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "findings.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == HEADER
        return list(reader)


def test_generated_dossiers_give_exactly_the_truths_findings(tmp_path: Path) -> None:
    _write_dossiers(tmp_path / "in", 42, 12)
    out = tmp_path / "out"
    done = run_cli(tmp_path / "home", "documents", "check", str(tmp_path / "in"), "--out", str(out),
                   "--as-of", REFERENCE_DAY.isoformat())  # fmt: skip
    truth = ground_truth(42, 12)
    expected = {(d, f["document"], f["code"]) for d, e in truth.items() for f in e["findings"]}
    incomplete = any(e["expected_status"] == "incomplete" for e in truth.values())
    assert done.returncode == (1 if incomplete else 0), done.stderr
    rows = _rows(out)
    assert {(r["dossier"], r["file"], r["code"]) for r in rows if r["severity"] != "info"} == expected
    documents = json.loads((out / "documents.json").read_text(encoding="utf-8"))
    assert [d["dossier"] for d in documents["dossiers"]] == sorted(truth)
    sources = {f["source"] for d in documents["dossiers"] for f in d["files"]}
    assert {"factur-x", "text", "table"} <= sources
    assert (out / "report.xlsx").stat().st_size > 0
    assert "dossiers" in done.stdout


def test_hostile_files_are_findings_and_the_good_ones_still_read(tmp_path: Path) -> None:
    folder = tmp_path / "in" / "DOS-X"
    _write_dossiers(tmp_path / "gen", 42, 1)
    good = next((tmp_path / "gen").iterdir())
    for path in good.iterdir():
        (folder / path.name).parent.mkdir(parents=True, exist_ok=True)
        (folder / path.name).write_bytes(path.read_bytes())
    kbis = (folder / "kbis.pdf").read_bytes()
    (folder / "cut.pdf").write_bytes(kbis[: len(kbis) // 3])
    (folder / "noise.pdf").write_bytes(os.urandom(4096))
    (folder / "=cmd.pdf").write_bytes(b"")  # an empty file whose name would be a formula
    with zipfile.ZipFile(folder / "macro.xlsx", "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/vbaProject.bin", b"\x00" * 64)
    with (folder / "huge.pdf").open("wb") as handle:
        handle.truncate(30 * 1024 * 1024)  # sparse: over the 20 MB limit without using the disk
    out = tmp_path / "out"
    done = run_cli(tmp_path / "home", "documents", "check", str(tmp_path / "in"), "--out", str(out),
                   "--as-of", REFERENCE_DAY.isoformat())  # fmt: skip
    assert done.returncode == 1, done.stderr
    rows = _rows(out)
    unreadable = {r["file"] for r in rows if r["code"] == "UNREADABLE" and r["severity"] == "error"}
    assert unreadable == {"cut.pdf", "noise.pdf", "'=cmd.pdf", "macro.xlsx", "huge.pdf"}
    assert any("20,971,520" in r["message"] for r in rows if r["file"] == "huge.pdf")
    documents = json.loads((out / "documents.json").read_text(encoding="utf-8"))
    files = {f["file"]: f for f in documents["dossiers"][0]["files"]}
    assert files["rib.pdf"]["document_type"] == "rib" and files["rib.pdf"]["readable"]
    assert files["cut.pdf"]["readable"] is False


def test_a_path_that_does_not_exist_is_refused_with_its_name(tmp_path: Path) -> None:
    done = run_cli(
        tmp_path / "home", "documents", "check", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")
    )
    assert done.returncode == 2
    assert "nowhere" in done.stderr and "no such file or folder" in done.stderr
    assert not (tmp_path / "o").exists()
