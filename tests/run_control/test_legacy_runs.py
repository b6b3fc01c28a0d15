"""invoice_matching with real Chromium against the legacy apps: sessions expiring between a payment's
POST and its confirmation, and SIGINT in the middle of a run."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from legacy_apps.scoring import score
from legacy_apps.testing import RunningServer, running_server
from legacy_apps.truth import write_ground_truth
from tests.conftest import REPO, cli_env, run_cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SEED, LINES = 7, 40
FINAL = ("done", "business_exception", "application_exception", "needs_review", "resolved")


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(seed=SEED, lines=LINES) as srv:
        yield srv


@pytest.fixture
def home(tmp_path: Path, server: RunningServer) -> Iterator[Path]:
    server.reset_erp()
    home = tmp_path / "home"
    (home / "config" / "bots").mkdir(parents=True)
    (home / "config" / "bots" / "invoice_matching.toml").write_text("lookback_days = 120\n")
    yield home
    server.set_faults("none")


def apps_env(server: RunningServer) -> dict[str, str]:
    return {
        "RPA_APPS__ERP__URL": server.erp_url, "RPA_APPS__ERP__USERNAME": server.erp_user,
        "RPA_APPS__ERP__PASSWORD": server.erp_password, "RPA_APPS__BANK__URL": server.bank_url,
        "RPA_APPS__BANK__USERNAME": server.bank_user, "RPA_APPS__BANK__PASSWORD": server.bank_password,
        "RPA_APPS__BANK__TOTP_SECRET": server.bank_totp_secret, "RPA_RUN__BACKOFF_INITIAL_S": "0.1",
    }  # fmt: skip


def _rows(home: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(home / "var" / "rpa.db") as conn:
        return conn.execute(sql).fetchall()


def test_expiring_sessions_post_every_payment_once_and_leave_no_line_half_posted(
    home: Path, server: RunningServer, tmp_path: Path
) -> None:
    server.set_faults("expiry")
    done = run_cli(home, "run", "invoice_matching", timeout=900, **apps_env(server))
    assert done.returncode == 0, done.stderr[-3000:]
    figures = score(write_ground_truth(SEED, tmp_path / "truth", lines=LINES), server.base_url)
    # A line partly posted is "wrong invoices or amounts" to the score: none, and nothing twice.
    assert figures["wrong"] == 0 and figures["duplicates_created"] == 0, figures["wrong_matches"]
    open_in_final = _rows(
        home,
        "SELECT e.key, w.state FROM effects e JOIN work_items w ON w.reference = e.item_reference "
        f"WHERE e.state = 'intent' AND w.state IN {FINAL}",
    )
    assert open_in_final == []
    states = dict(_rows(home, "SELECT state, count(*) FROM work_items GROUP BY state"))
    queued = ("business_exception", "application_exception", "needs_review")
    assert (states.get("done", 0) + sum(states.get(s, 0) for s in queued)) / LINES >= 0.99, states
    unexplained = _rows(
        home,
        f"SELECT reference FROM work_items WHERE state IN {queued} "
        "AND (error_code IS NULL OR error_message IS NULL OR error_message = '')",
    )
    assert unexplained == []
    # The sessions really did expire after posts, and the checks established each outcome.
    checked = _rows(home, "SELECT outcome FROM audit_events WHERE action = 'erp.payment.checked'")
    assert ("found",) in checked
    assert _rows(home, "SELECT max(attempts) FROM work_items WHERE state = 'done'") == [(1,)]


def test_sigint_mid_run_charges_nothing_to_untried_items_and_the_next_run_reports_both(
    home: Path, server: RunningServer, tmp_path: Path
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "rpa_cli", "run", "invoice_matching"],
        cwd=REPO, env=cli_env(home, **apps_env(server)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while len(server.erp_payments()) < 5:  # in the middle of posting
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr

    assert _rows(home, "SELECT status FROM runs WHERE id = 1") == [("interrupted",)]
    assert _rows(home, "SELECT outcome FROM audit_events WHERE action = 'run.finished'") == [("interrupted",)]
    started = {str(r[0]).split(":", 1)[1] for r in _rows(
        home, "SELECT target_id FROM audit_events WHERE action = 'item.started'")}  # fmt: skip
    items = _rows(home, "SELECT reference, state, attempts FROM work_items")
    untried = [(ref, state, attempts) for ref, state, attempts in items if ref not in started]
    assert untried, "the run was stopped after it had tried every item"
    assert {(state, attempts) for _, state, attempts in untried} == {("new", 0)}
    assert [i for i in items if i[1] == "in_progress"] == []
    # No report for the interrupted run (the next run reports its items); only the open items it read.
    stopped = home / "var" / "reports" / "invoice_matching" / "run-1"
    assert not (stopped / "decisions.csv").exists() and not (stopped / "report.xlsx").exists()

    again = run_cli(home, "run", "invoice_matching", timeout=900, **apps_env(server))
    assert again.returncode == 0, again.stderr[-3000:]
    assert _rows(home, "SELECT resumed_from FROM runs WHERE id = 2") == [(1,)]
    with (home / "var" / "reports" / "invoice_matching" / "run-2" / "decisions.csv").open() as fh:
        reported = [row[0] for row in csv.reader(fh)][1:]
    assert sorted(reported) == sorted(ref for ref, _, _ in items) and len(reported) == LINES
    figures = score(write_ground_truth(SEED, tmp_path / "truth", lines=LINES), server.base_url)
    assert figures["wrong"] == 0 and figures["duplicates_created"] == 0, figures["wrong_matches"]


def test_the_statement_starts_at_the_watermark_and_a_gap_the_bank_no_longer_offers_is_an_alert(
    home: Path, server: RunningServer, tmp_path: Path
) -> None:
    truth = json.loads(write_ground_truth(SEED, tmp_path / "truth", lines=LINES).read_text())
    booked = {ref: date.fromisoformat(line["booking_date"]) for ref, line in truth["bank_lines"].items()}
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    first_day = min(booked.values())
    recent = today - max(booked.values()) + timedelta(days=10)  # the first run sees the last 10 days only
    history = (today - first_day).days + 5  # the portal still offers every line of the legacy bank
    config = home / "config" / "bots" / "invoice_matching.toml"
    config.write_text(f"lookback_days = {recent.days}\noverlap_days = 2\nbank_history_days = {history}\n")

    assert run_cli(home, "run", "invoice_matching", timeout=900, **apps_env(server)).returncode == 0
    first = {str(r[0]) for r in _rows(home, "SELECT reference FROM work_items")}
    assert first == {ref for ref, day in booked.items() if day >= today - recent} and 0 < len(first) < LINES
    assert _rows(home, "SELECT value FROM watermarks WHERE bot = 'invoice_matching'") == [
        (today.isoformat(),)
    ]

    # As if the last run had been long ago (but within what the portal keeps): it starts from there.
    older = first_day + timedelta(days=3)
    with sqlite3.connect(home / "var" / "rpa.db") as conn:
        conn.execute("UPDATE watermarks SET value = ?", (older.isoformat(),))
    assert run_cli(home, "run", "invoice_matching", timeout=900, **apps_env(server)).returncode == 0
    second = {str(r[0]) for r in _rows(home, "SELECT reference FROM work_items")}
    assert second == {ref for ref, day in booked.items() if day >= older - timedelta(days=2)}
    assert _rows(home, "SELECT count(*) FROM work_items WHERE reference LIKE 'alert:%'") == [(0,)]

    # Longer ago than the portal keeps: what cannot be fetched any more is an alert, not a silent loss.
    lost = today - timedelta(days=history + 30)
    with sqlite3.connect(home / "var" / "rpa.db") as conn:
        conn.execute("UPDATE watermarks SET value = ?", (lost.isoformat(),))
    gap = run_cli(home, "run", "invoice_matching", timeout=900, **apps_env(server))
    assert gap.returncode == 0, gap.stderr[-3000:]
    assert _rows(home, "SELECT status FROM runs WHERE id = 3") == [("succeeded_with_exceptions",)]
    alert = _rows(
        home,
        "SELECT state, error_code, error_message FROM work_items WHERE reference = 'alert:STATEMENT_GAP:3'",
    )
    assert alert and alert[0][:2] == ("business_exception", "STATEMENT_GAP")
    assert f"from {lost - timedelta(days=2)}" in str(alert[0][2])
    listed = run_cli(home, "exceptions", "list")
    assert "alert:STATEMENT_GAP:3" in listed.stdout
