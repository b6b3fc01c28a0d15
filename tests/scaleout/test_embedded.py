"""``rpa schedule run`` on the embedded SQLite database: one scheduler per installation, as ``rpa serve``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, cli_env
from tests.scaleout.conftest import wait_for


def test_schedule_run_on_sqlite_keeps_one_scheduler_per_installation(rpa_home: Path, tmp_path: Path) -> None:
    (rpa_home / "config" / "schedules.toml").write_text('[schedules.t]\nbot = "tick"\ncron = "0 7 1 1 *"\n')
    bots = ["tests.scaleout.bots:TICK_BOT"]
    logs = [tmp_path / f"s{n}.log" for n in range(2)]
    procs = []
    for log in logs:
        with log.open("ab") as out:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "rpa_cli", "schedule", "run"],
                    cwd=REPO,
                    env=cli_env(rpa_home, bots),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        loser = wait_for(lambda: next((p for p in procs if p.poll() is not None), None), 60, "one to refuse")
        winner = next(p for p in procs if p is not loser)
        assert winner.poll() is None
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(20)
    assert loser.returncode == 2
    assert f"another scheduler (pid {winner.pid}) is active" in logs[procs.index(loser)].read_text()
    assert winner.returncode == 0
