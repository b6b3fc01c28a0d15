"""invoice_matching on PostgreSQL workers, with real Chromium against the legacy apps: its worker SIGKILLed
while posting payments (with the run process and the browser, as when a machine dies), another worker
resumes the run and every payment is in the ERP once."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from sqlalchemy import bindparam, text

from legacy_apps.scoring import score
from legacy_apps.testing import RunningServer, running_server
from legacy_apps.truth import write_ground_truth
from rpa.bot import RunStatus
from rpa.runs import RunRecord, get_run, list_runs, process_alive
from rpa.settings import load_settings
from rpa.store.db import Database
from scheduler.distributed import enqueue_now
from tests.conftest import REPO, cli_env, run_cli
from tests.scaleout.conftest import BOTS, Cluster, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.browser, pytest.mark.slow]
SEED, LINES = 11, 16
FINAL = ("done", "business_exception", "application_exception", "needs_review", "resolved")


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(seed=SEED, lines=LINES) as srv:
        yield srv


def _apps_env(server: RunningServer) -> dict[str, str]:
    return {
        "RPA_APPS__ERP__URL": server.erp_url, "RPA_APPS__ERP__USERNAME": server.erp_user,
        "RPA_APPS__ERP__PASSWORD": server.erp_password, "RPA_APPS__BANK__URL": server.bank_url,
        "RPA_APPS__BANK__USERNAME": server.bank_user, "RPA_APPS__BANK__PASSWORD": server.bank_password,
        "RPA_APPS__BANK__TOTP_SECRET": server.bank_totp_secret, "RPA_RUN__BACKOFF_INITIAL_S": "0.1",
    }  # fmt: skip


def _worker(cluster: Cluster, server: RunningServer, name: str) -> subprocess.Popen[bytes]:
    """``rpa worker`` in a process group of its own (its run processes and their browsers with it)."""
    with (cluster.logs / f"{name}.log").open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rpa_cli", "worker", "--concurrency", "1", "--name", name],
            cwd=REPO,
            env=cli_env(cluster.home, BOTS, **_apps_env(server)),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    cluster.procs.append(proc)
    return proc


def _kill_machine(pid: int) -> list[int]:
    """SIGKILL the worker's process group and every descendant (a run process may lead its own group)."""
    try:
        family = [pid, *(p.pid for p in psutil.Process(pid).children(recursive=True))]
    except psutil.NoSuchProcess:
        family = [pid]
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    for member in family:
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)
    return family


def _newest_finished(db: Database, count: int) -> RunRecord | None:
    runs = list_runs(db, bot="invoice_matching")
    return runs[0] if len(runs) >= count and runs[0].status.finished else None


def test_a_worker_killed_while_posting_payments_each_payment_is_in_the_erp_once(
    cluster: Cluster, pg_db: Database, server: RunningServer, tmp_path: Path
) -> None:
    server.reset_erp()
    home = cluster.home
    (home / "config" / "bots" / "invoice_matching.toml").write_text("lookback_days = 120\n")
    worker_a = _worker(cluster, server, "wa")
    settings = load_settings(home=home, extra_bots=tuple(BOTS))
    queued = enqueue_now(settings, pg_db, "invoice_matching", requested_by="user:ops")
    assert queued.run_id is not None and queued.status == RunStatus.PENDING

    deadline = time.monotonic() + 120
    while len(server.erp_payments()) < 2:  # in the middle of posting
        assert worker_a.poll() is None, cluster.log("wa")[-3000:]
        assert time.monotonic() < deadline, cluster.log("wa")[-3000:]
        time.sleep(0.05)
    first = get_run(pg_db, queued.run_id)
    assert first.status == RunStatus.RUNNING and first.worker, first
    assert re.search(rf":{worker_a.pid}/wa \(worker \d+\)$", first.worker), first.worker
    killed = _kill_machine(worker_a.pid)
    assert first.pid in killed  # the run process went with its worker
    posted_before = len(server.erp_payments())
    wait_for(lambda: not process_alive(first.pid, first.started_at), 10, "the run process to be gone")
    worker_a.wait(10)

    worker_b = _worker(cluster, server, "wb")
    resumed = wait_for(lambda: _newest_finished(pg_db, 2), 180, "worker wb to resume the run")
    assert worker_b.poll() is None, cluster.log("wb")[-3000:]
    assert get_run(pg_db, first.id).status == RunStatus.INTERRUPTED
    assert resumed.trigger == "resume" and resumed.status.finished, resumed
    assert resumed.status != RunStatus.FAILED, cluster.log("wb")[-3000:]
    assert resumed.worker and re.search(rf":{worker_b.pid}/wb \(worker \d+\)$", resumed.worker)

    # The ERP counts each (bank reference, invoice) once, and what was posted is what the truth says.
    payments = server.erp_payments()
    assert len(payments) > posted_before  # the resumed run posted the rest
    twice = {k: n for k, n in Counter((p["bank_reference"], p["invoice"]) for p in payments).items() if n > 1}
    assert twice == {}
    figures = score(write_ground_truth(SEED, tmp_path / "truth", lines=LINES), server.base_url)
    assert figures["wrong"] == 0 and figures["duplicates_created"] == 0, figures
    with pg_db.read() as s:
        open_in_final = s.execute(
            text(
                "SELECT e.key, w.state FROM effects e JOIN work_items w ON w.reference = e.item_reference "
                "WHERE e.state = 'intent' AND w.state IN :final"
            ).bindparams(bindparam("final", value=list(FINAL), expanding=True))
        ).all()
        in_progress = s.execute(text("SELECT reference FROM work_items WHERE state = 'in_progress'")).all()
        confirmed = s.execute(text("SELECT key FROM effects WHERE state = 'confirmed'")).scalars().all()
    assert open_in_final == [] and in_progress == []
    # One confirmed effect in the ledger per payment in the ERP, and the other way round.
    assert sorted(confirmed) == sorted(f"erp:payment:{p['bank_reference']}:{p['invoice']}" for p in payments)

    # Operations see which worker ran what.
    listed = run_cli(home, "runs", "list", "--json", extra_bots=BOTS)
    assert listed.returncode == 0, listed.stderr
    rows = {r["id"]: r for r in json.loads(listed.stdout)}
    assert rows[first.id]["worker"] == first.worker and rows[first.id]["status"] == "interrupted"
    assert rows[resumed.id]["worker"] == resumed.worker
