"""Dispatch and work-item throughput: 1, 2 and 4 workers on PostgreSQL against the embedded mode.

Each round enqueues one run of each of BOTS benchmark bots (different bots: runs of one bot never
overlap, by design) and waits until every run has finished; each run collects ITEMS items and writes
one effect per item through the effect ledger (intent, act, confirm: all audited). Every run executes in
its own process, as in production.

- embedded (baseline, measured in the same run): the SQLite installation, the scheduler's dispatcher
  starting run processes itself (no queue, one machine);
- PostgreSQL, W = 1, 2, 4 ``rpa worker --concurrency 1`` processes taking procrastinate jobs deferred
  by the dispatcher in the run record's transaction.

Then, in one process, the cost per item of the ledger (``effects.once``: intent + confirm, 2
transactions, 2 audit events) and of one audit append (its own transaction) on both backends.

A throwaway PostgreSQL cluster is started and stopped here (Debian's postgresql, as in the tests).
Prints one JSON object.

    python benchmarks/dispatch_throughput.py [--rounds R] [--bots B] [--items K] [--appends N]
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
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from rpa.bot import Bot, RunContext
from rpa.items import Item, NewItem

REPO = Path(__file__).resolve().parents[1]
WORKERS = (1, 2, 4)
MAX_BOTS = 8


class BenchConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: int = 20


def _collect(ctx: RunContext[BenchConfig]) -> list[NewItem]:
    return [NewItem(f"r{ctx.run_id}-{n}") for n in range(ctx.config.items)]


def _process(ctx: RunContext[BenchConfig], item: Item) -> dict[str, Any]:
    outcome = ctx.effects.once(f"bench:{item.reference}", lambda: {"posted": item.reference})
    return {"performed": outcome.performed}


def _bot(n: int) -> Bot[Any, Any]:
    return Bot(
        id=f"bench{n}", title=f"Benchmark {n}", config_model=BenchConfig, collect=_collect, process=_process
    )


BENCH0, BENCH1, BENCH2, BENCH3, BENCH4, BENCH5, BENCH6, BENCH7 = (_bot(n) for n in range(MAX_BOTS))
BOT_REFS = [f"benchmarks.dispatch_throughput:BENCH{n}" for n in range(MAX_BOTS)]


def _home(root: Path, name: str, items: int, database_url: str | None) -> Path:
    home = root / name
    (home / "config" / "bots").mkdir(parents=True)
    text = "[run]\nbackoff_initial_s = 0\nbackoff_max_s = 0\n"
    if database_url:
        text += f'\n[database]\nurl = "{database_url}"\n\n[scaleout]\nworker_heartbeat_s = 2\n'
    (home / "config" / "settings.toml").write_text(text)
    for n in range(MAX_BOTS):
        (home / "config" / "bots" / f"bench{n}.toml").write_text(f"items = {items}\n")
    return home


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPA_")}
    env.update({"RPA_HOME": str(home), "PYTHONPATH": str(REPO), "RPA_EXTRA_BOTS": json.dumps(BOT_REFS)})
    return env


def _settings(home: Path) -> Any:
    from rpa.settings import load_settings

    os.environ["RPA_HOME"] = str(home)  # the run processes read the same installation
    return load_settings(home=home, extra_bots=tuple(BOT_REFS))


def _wait_finished(db: Any, run_ids: list[int], timeout: float = 600) -> None:
    from rpa.runs import get_run

    deadline = time.monotonic() + timeout
    pending = set(run_ids)
    while pending:
        if time.monotonic() > deadline:
            raise RuntimeError(f"runs {sorted(pending)} did not finish")
        pending = {r for r in pending if not get_run(db, r).status.finished}
        if pending:
            time.sleep(0.05)


def _tally(db: Any, run_ids: list[int], elapsed: float) -> dict[str, Any]:
    from rpa.runs import get_run

    runs = [get_run(db, r) for r in run_ids]
    items = sum(int(r.summary.get("done", 0)) for r in runs)
    waits = sorted((r.started_at - r.created_at).total_seconds() for r in runs if r.started_at)
    return {
        # from the run record's creation to its process taking it (queue + process start-up)
        "median_start_s": round(waits[len(waits) // 2], 2) if waits else None,
        "runs": len(runs),
        "succeeded": sum(r.status == "succeeded" for r in runs),
        "items": items,
        "seconds": round(elapsed, 2),
        "runs_per_s": round(len(runs) / elapsed, 2),
        "items_per_s": round(items / elapsed, 1),
    }


def embedded(root: Path, rounds: int, bots: int, items: int) -> dict[str, Any]:
    from rpa.clock import utcnow
    from rpa.store.db import Database
    from rpa_cli.wiring import run_command
    from scheduler.alerts import Alerter
    from scheduler.dispatch import Dispatcher
    from scheduler.supervisor import Supervisor

    home = _home(root, "embedded", items, None)
    settings = _settings(home)
    db = Database(settings.database_url)
    db.upgrade()
    names = [f"bench{n}" for n in range(bots)]
    alerter = Alerter(settings, db, utcnow)
    supervisor = Supervisor(settings, db, utcnow, alerter)
    dispatcher = Dispatcher(settings, db, bot_ids=names, command=run_command, supervisor=supervisor)
    run_ids: list[int] = []
    started = time.monotonic()
    for _ in range(rounds):
        batch = [dispatcher.dispatch_now(name).run_id for name in names]
        ids = [r for r in batch if r is not None]
        _wait_finished(db, ids)
        run_ids += ids
    result = _tally(db, run_ids, time.monotonic() - started)
    supervisor.close()
    alerter.close()
    db.dispose()
    return result


def distributed(root: Path, cluster: Any, workers: int, rounds: int, bots: int, items: int) -> dict[str, Any]:
    from rpa.store.db import Database
    from scheduler.distributed import enqueue_now

    url = cluster.create_database("bench")
    home = _home(root, f"pg{workers}", items, url)
    settings = _settings(home)
    db = Database(url)
    db.upgrade()
    names = [f"bench{n}" for n in range(bots)]
    procs = []
    logs = root / f"pg{workers}-logs"
    logs.mkdir()
    for n in range(workers):
        with (logs / f"w{n}.log").open("ab") as out:
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
        _wait_workers(db, workers)
        run_ids: list[int] = []
        started = time.monotonic()
        for _ in range(rounds):
            batch = [enqueue_now(settings, db, name).run_id for name in names]
            ids = [r for r in batch if r is not None]
            _wait_finished(db, ids)
            run_ids += ids
        result = _tally(db, run_ids, time.monotonic() - started)
        result["workers_used"] = len({_worker_of(db, r) for r in run_ids})
        return result
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        db.dispose()


def _worker_of(db: Any, run_id: int) -> str | None:
    from rpa.runs import get_run

    return get_run(db, run_id).worker


def _wait_workers(db: Any, count: int, timeout: float = 120) -> None:
    from rpa.audit.verify import read_events

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read() as s:
            if len(read_events(s, action_prefix="worker.started")) >= count:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{count} worker(s) did not start")


def append_costs(url: str, appends: int) -> dict[str, float]:
    """Milliseconds per ledger item (once: intent + confirm) and per audit append, in one process."""
    from rpa.audit.trail import AuditTrail
    from rpa.clock import utcnow
    from rpa.effects import EffectLedger
    from rpa.runs import create_run
    from rpa.store.db import Database

    db = Database(url)
    db.upgrade()
    audit = AuditTrail("bot:bench/run:1")
    run_id = create_run(db, audit, "bench", trigger="manual", now=utcnow())
    ledger = EffectLedger(db, "bench", run_id, audit, utcnow)
    started = time.perf_counter()
    for n in range(appends):
        ledger.once(f"bench:cost:{n}", lambda: {"ok": True})
    ledger_ms = (time.perf_counter() - started) * 1000 / appends
    started = time.perf_counter()
    for n in range(appends):
        with db.transaction() as s:
            audit.record(s, "run.benchmark_note", "run", str(run_id), details={"n": n})
    audit_ms = (time.perf_counter() - started) * 1000 / appends
    db.dispose()
    return {"ledger_ms_per_item": round(ledger_ms, 3), "audit_append_ms": round(audit_ms, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bots", type=int, default=4, choices=range(1, MAX_BOTS + 1))
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--appends", type=int, default=500)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from tests.pg import PostgresCluster

    report: dict[str, Any] = {
        "rounds": args.rounds,
        "bots_per_round": args.bots,
        "items_per_run": args.items,
        "cpus": os.cpu_count(),
        "load_average_before": round(os.getloadavg()[0], 1),  # other work on the machine skews the figures
    }
    with tempfile.TemporaryDirectory(prefix="rpa-bench-") as tmp:
        root = Path(tmp)
        cluster = PostgresCluster().start()
        try:
            report["embedded_sqlite"] = embedded(root, args.rounds, args.bots, args.items)
            report["postgres"] = {
                f"{w}_workers": distributed(root, cluster, w, args.rounds, args.bots, args.items)
                for w in WORKERS
            }
            report["cost_per_item"] = {
                "postgres": append_costs(cluster.create_database("cost"), args.appends),
                "sqlite": append_costs(f"sqlite:///{root / 'cost.db'}", args.appends),
            }
        finally:
            cluster.stop()
    report["load_average_after"] = round(os.getloadavg()[0], 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
