"""A worker SIGKILLed mid-run (with its run process, as when its machine dies): the run resumes on
another worker and every effect happens once."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from sqlalchemy import select

from rpa.bot import RunStatus
from rpa.runs import RunRecord, get_run, list_runs, process_alive
from rpa.settings import Settings, load_settings
from rpa.store.db import Database
from rpa.store.models import AuditEvent
from scheduler.distributed import enqueue_now
from tests.conftest import run_cli
from tests.scaleout.conftest import BOTS, Cluster, Webhook, kill_tree, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _run_hanging_on_e3_then_kill_its_worker(
    cluster: Cluster, pg_db: Database, workers: int, stalled_s: float = 3
) -> tuple[RunRecord, int]:
    """Start workers, enqueue a run of the effects bot, let it hang between acting on e3 and confirming it,
    SIGKILL the worker running it (and the run process); return the run as it was then, and the pid."""
    home = cluster.home
    target, flag, marker = home / "target.txt", home / "pause.flag", home / "paused.marker"
    (home / "config" / "bots" / "effects.toml").write_text(
        f'target = "{target}"\nitems = 5\npause_flag = "{flag}"\npaused_marker = "{marker}"\n'
    )
    flag.write_text("hang after acting on e3")
    settings_file = home / "config" / "settings.toml"
    settings_file.write_text(
        settings_file.read_text().replace("worker_stalled_s = 3", f"worker_stalled_s = {stalled_s}")
    )
    started = [cluster.worker(f"w{n}") for n in range(workers)]
    queued = enqueue_now(_settings(cluster), pg_db, "effects", requested_by="user:ops")
    assert queued.run_id is not None and queued.status == RunStatus.PENDING
    wait_for(marker.exists, 90, "the run to hang between acting on e3 and confirming it")
    run = get_run(pg_db, queued.run_id)
    assert run.status == RunStatus.RUNNING and run.worker, run
    found = re.match(r"[^:]+:(\d+)/(w\d) \(worker \d+\)$", run.worker)
    assert found, run.worker
    victim = int(found.group(1))
    assert victim in {w.pid for w in started}
    killed = kill_tree(victim)
    assert run.pid in killed  # the run process went with its worker
    wait_for(lambda: not process_alive(run.pid, run.started_at), 10, "the run process to be gone")
    return run, victim


def _settings(cluster: Cluster) -> Settings:
    return load_settings(home=cluster.home, extra_bots=tuple(BOTS))


def _effects_once(cluster: Cluster) -> None:
    lines = Counter((cluster.home / "target.txt").read_text().splitlines())
    assert lines == {f"target:e{n}": 1 for n in range(1, 6)}, lines


def _newest_finished(pg_db: Database, count: int) -> RunRecord | None:
    runs = list_runs(pg_db, bot="effects")
    return runs[0] if len(runs) >= count and runs[0].status.finished else None


def test_a_killed_worker_s_run_resumes_elsewhere_with_each_effect_once(
    cluster: Cluster, pg_db: Database, webhook: Webhook
) -> None:
    home = cluster.home
    first, victim = _run_hanging_on_e3_then_kill_its_worker(cluster, pg_db, workers=3)
    resumed = wait_for(lambda: _newest_finished(pg_db, 2), 90, "another worker to resume the run")
    assert get_run(pg_db, first.id).status == RunStatus.INTERRUPTED
    assert resumed.trigger == "resume"
    assert resumed.status == RunStatus.SUCCEEDED, resumed
    assert resumed.worker and f":{victim}/" not in resumed.worker
    _effects_once(cluster)
    with pg_db.read() as s:
        actions = [
            (e.action, e.target_id)
            for e in s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
            if e.action in ("run.interrupted", "run.resume_created", "target.write.checked")
        ]
    assert ("run.interrupted", str(first.id)) in actions
    assert ("run.resume_created", str(resumed.id)) in actions
    assert ("target.write.checked", "target:e3") in actions  # asked the target, not redone

    # Operations see which worker ran what: the runs list and the alert.
    listed = run_cli(home, "runs", "list", "--json", extra_bots=BOTS)
    assert listed.returncode == 0, listed.stderr
    workers = {r["id"]: r["worker"] for r in json.loads(listed.stdout)}
    assert workers[first.id] == first.worker and workers[resumed.id] == resumed.worker
    table = run_cli(home, "runs", "list", extra_bots=BOTS)
    assert first.worker and first.worker in table.stdout, table.stdout
    alert = wait_for(
        lambda: next((a for a in webhook.received if a["kind"] == "interrupted"), None), 10, "the alert"
    )
    assert alert["run_ids"] == [first.id] and alert["details"]["worker"] == first.worker


def test_when_the_next_run_already_waits_it_resumes_the_killed_worker_s_run(
    cluster: Cluster, pg_db: Database
) -> None:
    """The stalled job cannot go back in the queue (the bot's next run holds the queueing lock): it ends,
    its account lock is released, and the next run works the items left, each effect once."""
    # Workers declare the dead one stalled after 8 s: the next run is recorded before that.
    run, _ = _run_hanging_on_e3_then_kill_its_worker(cluster, pg_db, workers=2, stalled_s=8)
    following = enqueue_now(_settings(cluster), pg_db, "effects", requested_by="user:ops")
    assert following.run_id is not None and following.status == RunStatus.PENDING
    done = wait_for(lambda: _newest_finished(pg_db, 2), 90, "the next run to finish")
    assert done.id == following.run_id and done.status == RunStatus.SUCCEEDED, done
    assert get_run(pg_db, run.id).status == RunStatus.INTERRUPTED
    assert len(list_runs(pg_db, bot="effects")) == 2  # the stalled job was not run again
    _effects_once(cluster)
