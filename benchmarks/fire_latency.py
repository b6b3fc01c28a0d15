"""Fire latency: N schedules falling due within a short window; scheduled time → run process started.

The scheduler service runs for real (APScheduler, job store, run records, audit events, process spawn,
supervision). Each spawned process is a minimal Python program that writes the time it started, so the
figure is the dispatch overhead, not Python's import time. Baseline, measured in the same run: a plain
loop that sleeps until each scheduled time and calls ``subprocess.Popen`` on the same program.

    python benchmarks/fire_latency.py [--size 1000] [--window 10]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from loguru import logger
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rpa.settings import load_settings  # noqa: E402
from rpa.store.db import Database  # noqa: E402
from rpa.store.models import Run  # noqa: E402
from scheduler.service import serve  # noqa: E402

MARKER = "import sys, time; open(sys.argv[1], 'w').write(repr(time.time()))"


def marker_command(markers: Path) -> list[str]:
    return [sys.executable, "-I", "-S", "-c", MARKER]


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)

    return {
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
    }


def wait_markers(markers: Path, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(list(markers.iterdir())) < count:
        time.sleep(0.2)


def read_marker(path: Path) -> float | None:
    try:
        return float(path.read_text())
    except (OSError, ValueError):
        return None


def run_scheduler(size: int, window: float, work: Path) -> dict[str, object]:
    home = work / "home"
    (home / "config").mkdir(parents=True)
    markers = work / "markers_scheduler"
    markers.mkdir()
    start = datetime.now(UTC) + timedelta(seconds=8)  # room for start-up and loading the job store
    step = window / size
    lines = []
    for i in range(size):
        at = (start + timedelta(seconds=i * step)).isoformat()
        lines.append(f'[schedules.s{i:05d}]\nbot = "bench"\nevery_s = 86400\nstart_at = "{at}"\n')
    (home / "config" / "schedules.toml").write_text("\n".join(lines))
    settings = load_settings(home=home)
    db = Database(settings.database_url)
    db.upgrade()

    def command(bot: str, run_id: int, trigger: str) -> list[str]:
        return [*marker_command(markers), str(markers / str(run_id))]

    stop = threading.Event()
    service = threading.Thread(
        target=serve,
        args=(settings, db),
        kwargs={"stop_event": stop, "bot_ids": {"bench"}, "command": command},
    )
    began = time.monotonic()
    service.start()
    wait_markers(markers, size, timeout=8 + window + 120)
    time.sleep(1.0)  # let the supervisor close the last records
    stop.set()
    service.join(60)
    elapsed = time.monotonic() - began
    spawn, record = [], []
    with db.read() as s:
        for run in s.execute(select(Run).where(Run.schedule.is_not(None))).scalars():
            assert run.scheduled_for is not None
            record.append((run.created_at - run.scheduled_for).total_seconds())
            started = read_marker(markers / str(run.id))
            if started is not None:
                spawn.append(started - run.scheduled_for.timestamp())
    db.dispose()
    return {
        "runs_recorded": len(record),
        "processes_started": len(spawn),
        "wall_s": round(elapsed, 1),
        "scheduled_to_process_started": percentiles(spawn),
        "scheduled_to_run_recorded": percentiles(record),
    }


def run_baseline(size: int, window: float, work: Path) -> dict[str, object]:
    markers = work / "markers_baseline"
    markers.mkdir()
    start = time.time() + 1.0
    planned = [start + i * window / size for i in range(size)]
    procs = []
    for i, at in enumerate(planned):
        delay = at - time.time()
        if delay > 0:
            time.sleep(delay)
        procs.append(subprocess.Popen([*marker_command(markers), str(markers / str(i))]))
    for p in procs:
        p.wait()
    spawn = [m - planned[i] for i in range(size) if (m := read_marker(markers / str(i))) is not None]
    return {"processes_started": len(spawn), "scheduled_to_process_started": percentiles(spawn)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1000, help="schedules falling due in the window")
    parser.add_argument("--window", type=float, default=10.0, help="seconds over which they fall due")
    args = parser.parse_args()
    logger.remove()
    logger.add(sys.stderr, level="ERROR")
    with tempfile.TemporaryDirectory(prefix="fire-latency-") as tmp:
        work = Path(tmp)
        for key in [k for k in os.environ if k.startswith("RPA_")]:
            del os.environ[key]
        scheduler = run_scheduler(args.size, args.window, work)
        baseline = run_baseline(args.size, args.window, work)
    s = scheduler["scheduled_to_process_started"]
    b = baseline["scheduled_to_process_started"]
    assert isinstance(s, dict) and isinstance(b, dict)
    print(
        json.dumps(
            {
                "benchmark": "fire_latency",
                "size": args.size,
                "window_s": args.window,
                "fires_per_s": round(args.size / args.window, 1),
                "child": "python -I -S -c <write start time>",
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "scheduler": scheduler,
                "baseline_popen_loop": baseline,
                "ratio_p50": round(s["p50_ms"] / b["p50_ms"], 2) if b.get("p50_ms") else None,
                "ratio_p99": round(s["p99_ms"] / b["p99_ms"], 2) if b.get("p99_ms") else None,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
