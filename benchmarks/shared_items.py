"""Shared items: one large run whose items several workers process, against one process.

One run of a bot with ``shared_items`` collects ITEMS items; each item waits DELAY seconds (standing
for a legacy screen's response time) and writes one effect through the effect ledger. Measured from
the run record's creation to the run's end:

- embedded (baseline, measured in the same run): the SQLite installation, one run process;
- PostgreSQL with ``scaleout.item_workers`` = 1, 2, 3 and three ``rpa worker --concurrency 1``
  processes: the run's own process and item_workers - 1 helpers claim the items (``SKIP LOCKED``).

A throwaway PostgreSQL cluster is started and stopped here. Prints one JSON object.

    python benchmarks/shared_items.py [--items K] [--delay S]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from rpa.bot import Bot, RunContext
from rpa.items import Item, NewItem

REPO = Path(__file__).resolve().parents[1]
BOT_REFS = ["benchmarks.shared_items:SHARED"]
ITEM_WORKERS = (1, 2, 3)


class SharedConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: int = 60
    delay_s: float = 0.1


def _collect(ctx: RunContext[SharedConfig]) -> list[NewItem]:
    return [NewItem(f"r{ctx.run_id}-{n}") for n in range(ctx.config.items)]


def _process(ctx: RunContext[SharedConfig], item: Item) -> dict[str, Any]:
    time.sleep(ctx.config.delay_s)
    ctx.effects.once(f"bench:{item.reference}", lambda: {"posted": item.reference})
    return {"pid": os.getpid()}


SHARED = Bot(
    id="shared_bench", title="Shared items", config_model=SharedConfig, collect=_collect, process=_process,
    shared_items=True,
)  # fmt: skip


def _home(root: Path, name: str, items: int, delay: float, url: str | None, item_workers: int) -> Path:
    home = root / name
    (home / "config" / "bots").mkdir(parents=True)
    text = "[run]\nbackoff_initial_s = 0\nbackoff_max_s = 0\n"
    if url:
        text += f'\n[database]\nurl = "{url}"\n\n[scaleout]\nworker_heartbeat_s = 2\n'
        text += f"item_workers = {item_workers}\n"
    (home / "config" / "settings.toml").write_text(text)
    (home / "config" / "bots" / "shared_bench.toml").write_text(f"items = {items}\ndelay_s = {delay}\n")
    return home


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPA_")}
    env.update({"RPA_HOME": str(home), "PYTHONPATH": str(REPO), "RPA_EXTRA_BOTS": json.dumps(BOT_REFS)})
    return env


def _measure(db: Any, run_id: int, started: float) -> dict[str, Any]:
    from rpa.runs import get_run
    from rpa.workqueue import items_of

    while not get_run(db, run_id).status.finished:
        if time.monotonic() - started > 600:
            raise RuntimeError(f"run {run_id} did not finish")
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    run = get_run(db, run_id)
    per_process = Counter(str((r.result or {}).get("pid")) for r in items_of(db, "shared_bench"))
    done = int(run.summary.get("done", 0))
    return {
        "status": str(run.status),
        "items": done,
        "seconds": round(elapsed, 2),
        "items_per_s": round(done / elapsed, 1),
        "items_per_process": sorted(per_process.values(), reverse=True),
    }


def embedded(root: Path, items: int, delay: float) -> dict[str, Any]:
    from rpa.audit.trail import AuditTrail
    from rpa.clock import utcnow
    from rpa.runs import create_run
    from rpa.settings import load_settings
    from rpa.store.db import Database
    from rpa_cli.wiring import run_command

    home = _home(root, "embedded", items, delay, None, 1)
    settings = load_settings(home=home, extra_bots=tuple(BOT_REFS))
    db = Database(settings.database_url)
    db.upgrade()
    started = time.monotonic()
    run_id = create_run(db, AuditTrail("system:bench"), "shared_bench", trigger="manual", now=utcnow())
    subprocess.run(
        run_command("shared_bench", run_id, "manual"),
        cwd=REPO,
        env=_env(home),
        capture_output=True,
        check=False,
    )
    result = _measure(db, run_id, started)
    db.dispose()
    return result


def distributed(root: Path, cluster: Any, item_workers: int, items: int, delay: float) -> dict[str, Any]:
    from rpa.settings import load_settings
    from rpa.store.db import Database
    from scheduler.distributed import enqueue_now

    url = cluster.create_database("shared")
    home = _home(root, f"pg{item_workers}", items, delay, url, item_workers)
    settings = load_settings(home=home, extra_bots=tuple(BOT_REFS))
    db = Database(url)
    db.upgrade()
    procs = []
    for n in range(3):
        with (root / f"pg{item_workers}-w{n}.log").open("ab") as out:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "rpa_cli", "worker", "--concurrency", "1", "--name", f"w{n}"],
                    cwd=REPO,
                    env=_env(home),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        time.sleep(4)  # the workers start (an idle worker takes a job within a second)
        started = time.monotonic()
        queued = enqueue_now(settings, db, "shared_bench")
        assert queued.run_id is not None
        return _measure(db, queued.run_id, started)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--delay", type=float, default=0.1)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from tests.pg import PostgresCluster

    report: dict[str, Any] = {
        "items": args.items,
        "delay_s_per_item": args.delay,
        "cpus": os.cpu_count(),
        "load_average_before": round(os.getloadavg()[0], 1),
    }
    with tempfile.TemporaryDirectory(prefix="rpa-bench-") as tmp:
        root = Path(tmp)
        cluster = PostgresCluster().start()
        try:
            report["embedded_sqlite_one_process"] = embedded(root, args.items, args.delay)
            report["postgres"] = {
                f"item_workers_{w}": distributed(root, cluster, w, args.items, args.delay)
                for w in ITEM_WORKERS
            }
        finally:
            cluster.stop()
    report["load_average_after"] = round(os.getloadavg()[0], 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
