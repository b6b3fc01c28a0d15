"""Several schedulers and workers against one real PostgreSQL: processes started and stopped here."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest

from rpa.store.db import Database
from tests.conftest import REPO, cli_env, run_cli
from tests.scheduler.conftest import Webhook, webhook  # noqa: F401  (a real webhook receiver)

BOTS = ["tests.kit.sample_bots:EFFECT_BOT", "tests.scaleout.bots:TICK_BOT", "tests.scaleout.bots:SHARED_BOT"]
TAKEOVER_S = 6.0


@dataclass
class Cluster:
    """An installation on PostgreSQL and the ``rpa`` processes started against it."""

    home: Path
    url: str
    logs: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, *args: str, name: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "rpa_cli", *args],
                cwd=REPO,
                env=cli_env(self.home, BOTS),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.procs.append(proc)
        return proc

    def worker(self, name: str) -> subprocess.Popen[bytes]:
        return self.start("worker", "--concurrency", "1", "--name", name, name=name)

    def scheduler(self, name: str) -> subprocess.Popen[bytes]:
        return self.start("schedule", "run", name=name)

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                kill_tree(proc.pid)
                proc.wait()


def kill_tree(pid: int) -> list[int]:
    """SIGKILL a process and everything it started (a machine that dies takes its run processes along)."""
    try:
        root = psutil.Process(pid)
        family = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        return []
    for proc in family:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
    return [p.pid for p in family]


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def cluster(rpa_home: Path, pg_url: str, tmp_path: Path, webhook: Webhook) -> Iterator[Cluster]:  # noqa: F811
    webhook.received.clear()
    (rpa_home / "config" / "settings.toml").write_text(
        f'[database]\nurl = "{pg_url}"\n\n[alerts]\nwebhook_url = "{webhook.url}"\n\n'
        f"[scaleout]\nleader_takeover_s = {TAKEOVER_S}\nworker_heartbeat_s = 0.5\nworker_stalled_s = 3\n\n"
        "[run]\nbackoff_initial_s = 0\nbackoff_max_s = 0\n"
    )
    upgraded = run_cli(rpa_home, "db", "upgrade", extra_bots=BOTS)
    assert upgraded.returncode == 0, upgraded.stderr + upgraded.stdout
    logs = tmp_path / "logs"
    logs.mkdir()
    found = Cluster(rpa_home, pg_url, logs)
    try:
        yield found
    finally:
        found.stop_all()


@pytest.fixture
def pg_db(cluster: Cluster) -> Iterator[Database]:
    db = Database(cluster.url)
    yield db
    db.dispose()
