"""``benchmarks/document_check.py --quick`` runs to the end and prints its sections as one JSON object."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_quick_run_prints_every_section() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "document_check.py"), "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert {"accuracy", "throughput", "hostile", "meets_targets"} <= figures.keys()
    overall = figures["accuracy"]["overall"]
    assert isinstance(overall["precision"], float) and isinstance(overall["recall"], float)
    assert figures["throughput"]["pool"]["docs_per_second"] > 0
    assert figures["hostile"]["all_have_findings"] is True
