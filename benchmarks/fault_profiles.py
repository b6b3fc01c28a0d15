"""invoice_matching under the legacy apps' fault profiles: one full run of the real ``rpa run`` per
profile (real Chromium), scored against the ground truth.

For each profile: items done or in the exception queue (share), wrong and partly posted lines,
duplicates, effects left ``intent`` inside items in a final state, retries, the outcome checks, time.
Baseline, measured in the same run: the ``none`` profile (a healthy application).

    python benchmarks/fault_profiles.py [--lines N] [--profiles none,expiry,flaky,slow]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from legacy_apps.scoring import score  # noqa: E402
from legacy_apps.testing import RunningServer, running_server  # noqa: E402
from legacy_apps.truth import write_ground_truth  # noqa: E402

SEED = 7
FINAL = ("done", "business_exception", "application_exception", "needs_review", "resolved")
QUEUED = ("business_exception", "application_exception", "needs_review")


def run_profile(server: RunningServer, profile: str, lines: int, workdir: Path) -> dict[str, Any]:
    server.reset_erp()
    server.set_faults(profile)
    home = workdir / profile
    (home / "config" / "bots").mkdir(parents=True)
    (home / "config" / "bots" / "invoice_matching.toml").write_text("lookback_days = 120\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RPA_")}
    env |= {
        "RPA_HOME": str(home), "PYTHONPATH": str(REPO), "RPA_RUN__BACKOFF_INITIAL_S": "0.1",
        "RPA_APPS__ERP__URL": server.erp_url, "RPA_APPS__ERP__USERNAME": server.erp_user,
        "RPA_APPS__ERP__PASSWORD": server.erp_password, "RPA_APPS__BANK__URL": server.bank_url,
        "RPA_APPS__BANK__USERNAME": server.bank_user, "RPA_APPS__BANK__PASSWORD": server.bank_password,
        "RPA_APPS__BANK__TOTP_SECRET": server.bank_totp_secret,
    }  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "rpa_cli", "run", "invoice_matching"],
        cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=3600,
    )  # fmt: skip
    seconds = time.monotonic() - started
    server.set_faults("none")
    figures = score(write_ground_truth(SEED, workdir / f"truth-{profile}", lines=lines), server.base_url)
    with sqlite3.connect(home / "var" / "rpa.db") as conn:
        states = dict(conn.execute("SELECT state, count(*) FROM work_items GROUP BY state").fetchall())
        open_intents = conn.execute(
            "SELECT count(*) FROM effects e JOIN work_items w ON w.reference = e.item_reference "
            f"WHERE e.state = 'intent' AND w.state IN {FINAL}"
        ).fetchone()[0]
        checks = dict(
            conn.execute(
                "SELECT outcome, count(*) FROM audit_events "
                "WHERE action = 'erp.payment.checked' GROUP BY outcome"
            ).fetchall()
        )
        retries = conn.execute("SELECT coalesce(sum(attempts - 1), 0) FROM work_items").fetchone()[0]
    partly = [w for w in figures["wrong_matches"] if w["why"] == "wrong invoices or amounts"]
    settled = states.get("done", 0) + sum(states.get(s, 0) for s in QUEUED)
    return {
        "profile": profile,
        "exit_code": done.returncode,
        **({"error": (done.stdout + done.stderr).strip().splitlines()[-3:]} if done.returncode else {}),
        "seconds": round(seconds, 1),
        "items": sum(states.values()),
        "done_or_queued_share": round(settled / max(1, sum(states.values())), 4),
        "states": states,
        "wrong": figures["wrong"],
        "partly_posted_lines": len(partly),
        "duplicates_created": figures["duplicates_created"],
        "intents_in_final_items": open_intents,
        "outcome_checks": checks,
        "retries": retries,
        "correct": figures["correct"],
        "lines_to_match": figures["lines_to_match"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--profiles", default="none,expiry,flaky,slow")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp, running_server(seed=SEED, lines=args.lines) as server:
        for profile in args.profiles.split(","):
            results.append(run_profile(server, profile, args.lines, Path(tmp)))
    print(
        json.dumps({"benchmark": "fault_profiles", "lines": args.lines, "baseline": "none", "runs": results})
    )


if __name__ == "__main__":
    main()
