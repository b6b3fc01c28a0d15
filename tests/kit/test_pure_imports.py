"""Pure modules load no browser, database, scheduler or spreadsheet: checked in a fresh interpreter each."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

HEAVY = ("playwright", "sqlalchemy", "openpyxl", "apscheduler")
# The edge rooms of a bot package (ARCHITECTURE: orchestration, page objects, files and reports).
EDGE_ROOMS = {"bot", "pages", "report", "offline", "open_items"}
KIT_PURE = ["rpa.bot", "rpa.items", "rpa.payloads", "rpa.errors", "rpa.documents.statements",
            "rpa.documents.fields", "rpa.documents.classify", "rpa.documents.dates", "rpa.documents.model",
            "rpa.documents.names",
            "rpa.calendar", "scheduler.calendar", "scheduler.fire_times", "scheduler.cron"]  # fmt: skip


def pure_modules() -> list[str]:
    found = []
    for path in sorted((REPO / "bots").glob("*/*.py")):
        if path.stem not in EDGE_ROOMS:
            package = path.parent.name
            found.append(f"bots.{package}" if path.stem == "__init__" else f"bots.{package}.{path.stem}")
    for name in ("money", "identifiers", "findings"):
        if (REPO / "rpa" / f"{name}.py").exists():
            found.append(f"rpa.{name}")
    return found + KIT_PURE


def loaded_after_import(module: str) -> list[str]:
    code = (
        f"import importlib, json, sys; importlib.import_module({module!r}); "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_the_bot_packages_have_pure_modules_to_check() -> None:
    modules = pure_modules()
    assert "bots.invoice_matching.matching" in modules and "bots.invoice_matching" in modules
    assert not any(m.startswith("bots.") and m.endswith((".bot", ".pages")) for m in modules)


@pytest.mark.parametrize("module", pure_modules())
def test_importing_a_pure_module_loads_no_heavy_engine(module: str) -> None:
    assert loaded_after_import(module) == [], f"{module} pulls in an engine pure logic must not touch"


def test_the_check_sees_an_engine_when_one_is_loaded() -> None:
    # The same probe on an edge room must report Playwright, or the test above proves nothing.
    assert "playwright" in loaded_after_import("bots.invoice_matching.bot")
    assert Path(REPO / "bots" / "invoice_matching" / "bot.py").exists()
