"""Shared fixtures for the statement reader tests: where the real-world corpus lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def statements_corpus() -> Path:
    root = Path(os.environ.get("RPA_CORPUS", REPO.parent / "shared" / "corpus")) / "statements"
    if not root.is_dir():
        pytest.skip(f"real-world statement corpus not found at {root} (set RPA_CORPUS)")
    return root
