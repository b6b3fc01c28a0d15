"""Start-up time of the ``rpa`` command: ``--help``, ``runs list`` and ``check-config``.

Each command runs in a fresh interpreter, ``--repeat`` times after one warm-up (so byte-code is
compiled and the embedded database exists); the median wall time is reported. Baselines measured in
the same run: ``python -c pass`` (the interpreter alone) and an eager import of every layer (kit,
store, audit, browser, scheduler, bots), what each command paid when the command lived in the kit.
Prints one JSON object.
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
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EAGER = (
    "import rpa.runner, rpa.audit.verify, rpa.audit.export, rpa.browser.session, scheduler.service, "
    "scheduler.commands, bots.invoice_matching.bot, rpa_cli.main"
)
COMMANDS = {
    "rpa --help": ["-m", "rpa_cli", "--help"],
    "rpa runs list": ["-m", "rpa_cli", "runs", "list"],
    "rpa check-config": ["-m", "rpa_cli", "check-config"],
}


def timed(args: list[str], env: dict[str, str], repeat: int) -> dict[str, float]:
    subprocess.run([sys.executable, *args], env=env, cwd=REPO, capture_output=True, check=True)  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], env=env, cwd=REPO, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return {"median_s": round(statistics.median(times), 4), "min_s": round(min(times), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        (home / "config" / "bots").mkdir(parents=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RPA_")}
        env.update({"RPA_HOME": str(home), "PYTHONPATH": str(REPO), "COLUMNS": "160"})
        baseline = timed(["-c", "pass"], env, args.repeat)
        eager = timed(["-c", EAGER], env, args.repeat)
        figures = {name: timed(cmd, env, args.repeat) for name, cmd in COMMANDS.items()}
    for fig in figures.values():
        fig["over_interpreter_s"] = round(fig["median_s"] - baseline["median_s"], 4)
        fig["vs_eager_import"] = round(fig["median_s"] / eager["median_s"], 3)
    print(
        json.dumps(
            {
                "benchmark": "cli_startup",
                "python": platform.python_version(),
                "repeat": args.repeat,
                "target": {"rpa --help": "< 0.3 s"},
                "commands": figures,
                "baseline": {"python -c pass": baseline, "eager import of every layer": eager},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
