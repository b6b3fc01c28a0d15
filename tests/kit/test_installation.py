"""One installation, found the same way from anywhere: RPA_HOME, else a current directory holding
config/settings.toml; only `rpa init` creates one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def _rpa(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RPA_")}
    clean.update({"PYTHONPATH": str(REPO), "COLUMNS": "200", **env})
    return subprocess.run([sys.executable, "-m", "rpa_cli", *args], cwd=cwd, env=clean, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


def test_a_folder_that_is_no_installation_is_refused_and_left_untouched(tmp_path: Path) -> None:
    for command in (("runs", "list"), ("check-config",), ("exceptions", "list"), ("audit", "verify")):
        done = _rpa(tmp_path, *command)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "no installation here" in done.stderr and "rpa init" in done.stderr
    assert list(tmp_path.iterdir()) == []  # no database, audit folder or signing key appeared


def test_init_creates_one_that_every_command_then_finds(tmp_path: Path) -> None:
    home = tmp_path / "ops"
    created = _rpa(tmp_path, "init", str(home))
    assert created.returncode == 0, created.stderr
    assert (home / "config" / "settings.toml").is_file() and (home / "config" / "schedules.toml").is_file()
    assert (home / "config" / "templates" / "reminders").is_dir()

    from_inside = _rpa(home, "check-config")
    assert from_inside.returncode == 0, from_inside.stderr
    assert f"settings: {home / 'config' / 'settings.toml'}" in from_inside.stdout
    assert "(absent: its defaults)" in from_inside.stdout and "variables: none" in from_inside.stdout

    elsewhere = _rpa(tmp_path, "check-config", RPA_HOME=str(home), RPA_LOG__LEVEL="DEBUG")
    assert elsewhere.returncode == 0 and "RPA_HOME, RPA_LOG__LEVEL" in elsewhere.stdout
    assert _rpa(tmp_path, "runs", "list", RPA_HOME=str(home)).returncode == 0
    assert (home / "var" / "rpa.db").exists()

    again = _rpa(tmp_path, "init", str(home))
    assert again.returncode == 2 and "already an installation" in again.stderr


def test_state_is_its_owners_only_and_an_exposed_or_bad_signing_key_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "ops"
    assert _rpa(tmp_path, "init", str(home)).returncode == 0
    bad = _rpa(home, "check-config", RPA_AUDIT__SIGNING_KEY="not-a-key")
    assert bad.returncode == 2 and "RPA_AUDIT__SIGNING_KEY" in bad.stderr and "64 hex" in bad.stderr

    bots = '["tests.kit.sample_bots:MIXED_BOT"]'
    first = _rpa(home, "run", "mixed", RPA_EXTRA_BOTS=bots, RPA_RUN__BACKOFF_INITIAL_S="0")
    assert first.returncode == 0, first.stderr  # the run's final checkpoint created the signing key
    key = home / "audit_logs" / "keys" / "checkpoint-signing.key"
    assert key.is_file()
    for path in (home / "var" / "rpa.db", *(home / "audit_logs").rglob("*"), *(home / "var").rglob("*")):
        assert path.stat().st_mode & 0o077 == 0, path

    key.chmod(0o644)
    exposed = _rpa(home, "run", "mixed", RPA_EXTRA_BOTS=bots, RPA_RUN__BACKOFF_INITIAL_S="0")
    assert exposed.returncode != 0 and "readable by other accounts" in exposed.stdout + exposed.stderr
