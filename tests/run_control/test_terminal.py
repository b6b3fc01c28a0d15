"""What an operator reads on an 80-column terminal: whole references, dry runs marked, the zone of
every time, the run summary in plain words."""

from __future__ import annotations

from pathlib import Path

import pytest
from loguru import logger

from rpa.log import configure_logging
from rpa.settings import load_settings
from tests.conftest import run_cli

BOTS = ["tests.run_control.bots:LEDGER_BOT"]
LONG = "BQ-2026-12-03-000000000042-R"  # a bank reference as long as they come


def test_lists_fit_80_columns_keep_references_whole_and_mark_dry_runs(rpa_home: Path, tmp_path: Path) -> None:
    (rpa_home / "config" / "bots" / "ledger.toml").write_text(
        f'target = "{tmp_path / "t.json"}"\nlines = 2\nprefix = "{LONG}"\nrefuse = "{LONG}2/2"\n'
    )
    real = run_cli(rpa_home, "run", "ledger", extra_bots=BOTS)
    assert real.returncode == 0, real.stderr
    assert "items done" in real.stdout and "to a person: business rule" in real.stdout
    dry = run_cli(rpa_home, "run", "ledger", "--dry-run", extra_bots=BOTS)
    assert dry.returncode == 0 and "DRY RUN" in dry.stdout

    runs = run_cli(rpa_home, "runs", "list", extra_bots=BOTS, COLUMNS="80")
    lines = runs.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, runs.stdout
    assert "(Europe/Paris)" in runs.stdout and "(DRY-RUN)" in runs.stdout
    assert sum("(DRY-RUN)" in line for line in lines) == 1

    queue = run_cli(rpa_home, "exceptions", "list", extra_bots=BOTS, COLUMNS="80")
    assert max(len(line) for line in queue.stdout.splitlines()) <= 80, queue.stdout
    assert f"{LONG}2" in queue.stdout  # the reference whole, on one line, the message wrapped
    assert "REFUSED" in queue.stdout and "refused" in queue.stdout  # the message, wrapped


def test_log_lines_carry_the_time_zone_of_the_tables(
    rpa_home: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging(load_settings(home=rpa_home, timezone="America/New_York"))
    try:
        logger.info("a line")
    finally:
        logger.remove()
    line = capfd.readouterr().err.strip().splitlines()[-1]
    assert line.split()[1] in ("EST", "EDT"), line
