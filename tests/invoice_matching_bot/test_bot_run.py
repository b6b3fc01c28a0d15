"""invoice_matching end to end: the real CLI, real Chromium, the legacy apps; scored against ground truth."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from legacy_apps.scoring import score
from legacy_apps.testing import RunningServer, running_server
from legacy_apps.truth import write_ground_truth
from tests.conftest import REPO, cli_env, run_cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SEED, LINES = 7, 40


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(seed=SEED, lines=LINES) as srv:
        yield srv


@pytest.fixture
def home(tmp_path: Path, server: RunningServer) -> Path:
    server.reset_erp()
    home = tmp_path / "home"
    (home / "config" / "bots").mkdir(parents=True)
    (home / "config" / "bots" / "invoice_matching.toml").write_text("lookback_days = 120\n")
    return home


def _env(server: RunningServer) -> dict[str, str]:
    return {
        "RPA_APPS__ERP__URL": server.erp_url, "RPA_APPS__ERP__USERNAME": server.erp_user,
        "RPA_APPS__ERP__PASSWORD": server.erp_password, "RPA_APPS__BANK__URL": server.bank_url,
        "RPA_APPS__BANK__USERNAME": server.bank_user, "RPA_APPS__BANK__PASSWORD": server.bank_password,
        "RPA_APPS__BANK__TOTP_SECRET": server.bank_totp_secret, "RPA_RUN__BACKOFF_INITIAL_S": "0.1",
    }  # fmt: skip


def _score(server: RunningServer, tmp_path: Path) -> dict[str, object]:
    truth = write_ground_truth(SEED, tmp_path / "truth", lines=LINES)
    return score(truth, server.base_url)


def test_run_posts_only_right_matches_and_a_rerun_adds_nothing(
    home: Path, server: RunningServer, tmp_path: Path
) -> None:
    first = run_cli(home, "run", "invoice_matching", timeout=600, **_env(server))
    assert first.returncode == 0, first.stderr[-3000:]
    figures = _score(server, tmp_path)
    assert figures["wrong"] == 0 and figures["duplicates_created"] == 0, figures
    assert float(figures["recall"]) >= 0.9, figures  # type: ignore[arg-type]
    posted = len(server.erp_payments())
    assert posted >= 20

    report = next((home / "var" / "reports" / "invoice_matching").glob("run-*/report.xlsx"))
    assert report.stat().st_size > 0
    queue = run_cli(home, "exceptions", "list")
    assert "waiting for a person" in queue.stdout

    again = run_cli(home, "run", "invoice_matching", timeout=600, **_env(server))
    assert again.returncode == 0, again.stderr[-3000:]
    assert "collected" in again.stdout and len(server.erp_payments()) == posted  # nothing posted twice
    assert run_cli(home, "audit", "verify").returncode == 0


def test_unconfirmed_posting_is_checked_in_the_erp_not_redone(
    home: Path, server: RunningServer, tmp_path: Path
) -> None:
    assert run_cli(home, "run", "invoice_matching", timeout=600, **_env(server)).returncode == 0
    before = Counter(p["bank_reference"] for p in server.erp_payments())
    db = home / "var" / "rpa.db"
    with sqlite3.connect(db) as conn:  # leave the ledger as a crash after "submitted" would have
        key, ref = conn.execute(
            "SELECT key, item_reference FROM effects WHERE state = 'confirmed' LIMIT 1"
        ).fetchone()
        conn.execute("UPDATE effects SET state = 'intent' WHERE key = ?", (key,))
        conn.execute("UPDATE work_items SET state = 'in_progress' WHERE reference = ?", (ref,))
    again = run_cli(home, "run", "invoice_matching", timeout=600, **_env(server))
    assert again.returncode == 0, again.stderr[-3000:]
    assert Counter(p["bank_reference"] for p in server.erp_payments()) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT state FROM effects WHERE key = ?", (key,)).fetchone()[0] == "confirmed"
        checked = conn.execute(
            "SELECT outcome FROM audit_events WHERE action = 'erp.payment.checked' AND target_id = ?", (key,)
        ).fetchall()
    assert checked == [("found",)]


def test_killed_run_then_rerun_never_duplicates_a_payment(
    home: Path, server: RunningServer, tmp_path: Path
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "rpa_cli", "run", "invoice_matching"],
        cwd=REPO,
        env=cli_env(home, **_env(server)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while len(server.erp_payments()) < 5:  # kill in the middle of posting
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    again = run_cli(home, "run", "invoice_matching", timeout=600, **_env(server))
    assert again.returncode == 0, again.stderr[-3000:]
    figures = _score(server, tmp_path)
    assert figures["duplicates_created"] == 0 and figures["wrong"] == 0, figures
    assert "interrupted" in run_cli(home, "runs", "list").stdout
