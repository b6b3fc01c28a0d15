"""Several workers process the items of one run (a bot with ``shared_items``): each item once, each
effect once, one report, the run closed once."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from rpa.bot import RunStatus
from rpa.items import ItemState
from rpa.runs import get_run
from rpa.settings import load_settings
from rpa.store.db import Database
from rpa.store.models import AuditEvent
from rpa.workqueue import items_of
from scheduler.distributed import enqueue_now
from tests.conftest import run_cli
from tests.scaleout.conftest import BOTS, Cluster, kill_tree, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ITEMS = 40


def test_three_workers_share_the_items_of_one_run(cluster: Cluster, pg_db: Database) -> None:
    home = cluster.home
    target = home / "target.txt"
    (home / "config" / "bots" / "shared.toml").write_text(
        f'target = "{target}"\nitems = {ITEMS}\ndelay_s = 0.15\n'
    )
    workers = [cluster.worker(f"w{n}") for n in range(3)]
    queued = enqueue_now(
        load_settings(home=home, extra_bots=tuple(BOTS)), pg_db, "shared", requested_by="user:ops"
    )
    assert queued.run_id is not None
    run = wait_for(
        lambda: (r := get_run(pg_db, queued.run_id)).status.finished and r, 40, "the shared run to finish"
    )
    assert run.status == RunStatus.SUCCEEDED, run
    assert run.summary["collected"] == ITEMS and run.summary["processed"] == ITEMS
    assert run.summary["done"] == ITEMS and run.summary["reported"] == ITEMS

    # Every effect once, done by more than one process (the run's own and its helpers).
    lines = [ln.split() for ln in target.read_text().splitlines()]
    assert Counter(key for key, _ in lines) == {f"target:s{n:03d}": 1 for n in range(1, ITEMS + 1)}
    doers = Counter(pid for _, pid in lines)
    assert len(doers) >= 2, doers
    print("items per process:", sorted(doers.values()))

    # Every item done once, by this run; one report, one finalize, the run closed once.
    assert {(i.reference, i.state, i.last_run_id) for i in items_of(pg_db, "shared")} == {
        (f"s{n:03d}", ItemState.DONE, run.id) for n in range(1, ITEMS + 1)
    }
    assert (home / "finalized.txt").read_text().splitlines() == [f"{run.id} {run.pid}"]
    reports = list((home / "var" / "reports" / "shared").glob("run-*/report.txt"))
    assert [r.parent.name for r in reports] == [f"run-{run.id}"]
    with pg_db.read() as s:
        events = [
            (e.action, e.target_id) for e in s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
        ]
    actions = Counter(events)
    assert actions[("run.finished", str(run.id))] == 1
    assert all(actions[("item.done", f"shared:s{n:03d}")] == 1 for n in range(1, ITEMS + 1))
    assert all(actions[("target.write.confirmed", f"target:s{n:03d}")] == 1 for n in range(1, ITEMS + 1))
    assert actions[("run.helper_joined", str(run.id))] >= 1
    assert all(w.poll() is None for w in workers)  # the workers go on, ready for the next run

    listed = run_cli(home, "runs", "list", "--json", extra_bots=BOTS)
    assert listed.returncode == 0, listed.stderr
    assert {r["id"]: r["worker"] for r in json.loads(listed.stdout)}[run.id] == run.worker


def test_on_sqlite_a_shared_items_bot_runs_in_one_process_as_before(rpa_home: Path) -> None:
    target = rpa_home / "target.txt"
    (rpa_home / "config" / "bots" / "shared.toml").write_text(
        f'target = "{target}"\nitems = 5\ndelay_s = 0\n'
    )
    result = run_cli(rpa_home, "run", "shared", extra_bots=BOTS)
    assert result.returncode == 0, result.stdout + result.stderr
    pids = {pid for _, pid in (ln.split() for ln in target.read_text().splitlines())}
    assert len(target.read_text().splitlines()) == 5 and len(pids) == 1
    assert len((rpa_home / "finalized.txt").read_text().splitlines()) == 1
    # A helper process is for a running run of a bot that shares its items: refused otherwise, in one line.
    refused = run_cli(rpa_home, "run", "tick", "--run-id", "1", "--helper", extra_bots=BOTS)
    assert refused.returncode == 2 and "--helper needs --run-id and a bot whose items" in refused.stderr
    idle = run_cli(rpa_home, "run", "shared", "--run-id", "1", "--helper", extra_bots=BOTS)
    assert idle.returncode == 0 and "settled 0 item(s)" in idle.stdout, idle.stdout + idle.stderr


def test_the_item_a_killed_helper_held_is_taken_again_after_the_claim_timeout(
    cluster: Cluster, pg_db: Database
) -> None:
    home = cluster.home
    target = home / "target.txt"
    settings_file = home / "config" / "settings.toml"
    settings_file.write_text(
        settings_file.read_text().replace("[scaleout]\n", "[scaleout]\nitem_claim_timeout_s = 5\n")
    )
    (home / "config" / "bots" / "shared.toml").write_text(f'target = "{target}"\nitems = 16\ndelay_s = 1.0\n')
    workers = [cluster.worker(f"w{n}") for n in range(3)]
    queued = enqueue_now(
        load_settings(home=home, extra_bots=tuple(BOTS)), pg_db, "shared", requested_by="user:ops"
    )
    assert queued.run_id is not None

    def helper_at_work() -> int | None:
        run = get_run(pg_db, queued.run_id)
        lines = target.read_text().splitlines() if target.exists() else []
        helpers = {pid for _, pid in (ln.split() for ln in lines)} - {str(run.pid)}
        if not helpers:
            return None
        with pg_db.read() as s:
            started = s.execute(select(AuditEvent).where(AuditEvent.action == "run.helper_started")).scalars()
            details = [json.loads(e.details) for e in started]
            by_child = {str(d["pid"]): d["worker"] for d in details}
        found = [by_child[p] for p in helpers if p in by_child]
        return int(found[0].split(":")[1].split("/")[0]) if found else None

    victim = wait_for(helper_at_work, 30, "a helper to process items")
    assert victim in {w.pid for w in workers}
    time.sleep(0.3)  # the helper wrote an effect just now: it holds its next item (1 s each)
    kill_tree(victim)  # the worker and its helper process, as when its machine dies
    run = wait_for(
        lambda: (r := get_run(pg_db, queued.run_id)).status.finished and r, 60, "the run to finish"
    )
    assert run.status == RunStatus.SUCCEEDED and run.summary["done"] == 16, run
    keys = Counter(ln.split()[0] for ln in target.read_text().splitlines())
    assert keys == {f"target:s{n:03d}": 1 for n in range(1, 17)}, keys  # every effect once
    rows = items_of(pg_db, "shared")
    assert {i.state for i in rows} == {ItemState.DONE}
    # The item the helper held when it died was taken again (a second attempt), the others once.
    assert sorted(i.attempts for i in rows) == [1] * 15 + [2]
    assert len((home / "finalized.txt").read_text().splitlines()) == 1
