"""SIGKILL a run between "performed" and "confirmed", run again: no effect is performed twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO, cli_env, run_cli

BOTS = ["tests.kit.sample_bots:EFFECT_BOT"]


def _configure(home: Path, target: Path, flag: Path, marker: Path) -> None:
    (home / "config" / "bots" / "effects.toml").write_text(
        f'target = "{target}"\nitems = 5\npause_flag = "{flag}"\npaused_marker = "{marker}"\n'
    )


def test_killed_run_resumes_without_repeating_an_effect(rpa_home: Path, tmp_path: Path) -> None:
    target, flag, marker = tmp_path / "outbox.txt", tmp_path / "pause", tmp_path / "paused"
    _configure(rpa_home, target, flag, marker)
    flag.write_text("once")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rpa_cli", "run", "effects"],
        cwd=REPO,
        env=cli_env(rpa_home, BOTS),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():  # the bot writes the marker right after performing e3's effect
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the run never reached the pause point"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert target.read_text().splitlines() == ["target:e1", "target:e2", "target:e3"]

    again = run_cli(rpa_home, "run", "effects", extra_bots=BOTS)
    assert again.returncode == 0, again.stderr

    lines = target.read_text().splitlines()
    assert sorted(lines) == [f"target:e{n}" for n in range(1, 6)]  # each effect exactly once
    runs = run_cli(rpa_home, "runs", "list")
    assert "interrupted" in runs.stdout and "succeeded" in runs.stdout
    verify = run_cli(rpa_home, "audit", "verify")
    assert verify.returncode == 0, verify.stderr
