"""``rpa users add|list|disable`` and ``rpa serve`` in a subprocess, as operations run them."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import REPO, cli_env, run_cli


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _init(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    assert run_cli(tmp_path, "init", str(home)).returncode == 0
    return home


def test_users_are_added_listed_and_disabled(tmp_path: Path) -> None:
    home = _init(tmp_path)
    add = [sys.executable, "-m", "rpa_cli", "users", "add", "alice", "--password-stdin", "--role"]
    added = subprocess.run(
        [*add, "backoffice"],
        cwd=REPO, env=cli_env(home), input="a-long-password\n", capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = run_cli(home, "users", "list")
    assert "alice" in listed.stdout and "backoffice" in listed.stdout
    again = subprocess.run(
        [*add, "auditor"],
        cwd=REPO, env=cli_env(home), input="a-long-password\n", capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert again.returncode == 2 and "exists already" in again.stderr
    bad_role = run_cli(home, "users", "add", "eve", "--role", "root", "--password-stdin")
    assert bad_role.returncode == 2 and "operator, backoffice, auditor, admin" in bad_role.stderr
    assert run_cli(home, "users", "disable", "alice").returncode == 0
    assert " no " in run_cli(home, "users", "list").stdout
    import sqlite3

    with sqlite3.connect(home / "var" / "rpa.db") as conn:
        stored = conn.execute("SELECT password_hash FROM users WHERE login = 'alice'").fetchone()[0]
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_events WHERE target_type = 'user'")]
    assert stored.startswith("$argon2id$") and "a-long-password" not in stored
    assert actions == ["user.added", "user.disabled"]


def test_serve_runs_the_console_and_the_scheduler_and_stops_on_sigterm(tmp_path: Path) -> None:
    home = _init(tmp_path)
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rpa_cli", "serve", "--port", str(port)],
            cwd=REPO, env=cli_env(home), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert answer.status_code == 200 and "Sign in" in answer.text
        assert (home / "var" / "scheduler.pid").exists()  # the scheduler holds its lock beside the console
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text()
    assert "console on http://127.0.0.1" in log.read_text()
