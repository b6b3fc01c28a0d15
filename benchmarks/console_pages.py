"""Server time per console page with 100k runs, 100k exception items and 1M audit events.

Seeds a fresh SQLite installation (bulk inserts, 50k rows per executemany), signs in once, then asks
every page through the ASGI application in this process (Starlette's TestClient: no network), each
``--repeat`` times, and reports p50/p95 in milliseconds. Baselines measured in the same run on the same
data: the deep pages with OFFSET pagination instead of the keyset cursor; every page again without the
console's indexes (migration 0003, ``ix_console_*``); and every page without any secondary index of
runs, work_items and audit_events (only primary keys and unique constraints left). The first dashboard
of a console computes the past weeks' charts (kept for the day): it is reported on its own.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BOTS = ("invoice_matching", "client_reminders", "document_check")
STATUSES = ("succeeded", "succeeded", "succeeded_with_exceptions", "failed", "missed", "interrupted")
TRIGGERS = ("schedule", "schedule", "schedule", "manual", "console")
STATES = ("business_exception", "business_exception", "application_exception", "needs_review")
CODES = ("NO_CANDIDATE", "PARTIAL_OVER_CAP", "AMBIGUOUS", "REMINDER_NEEDS_APPROVAL", "DOC_EXPIRED")
ACTIONS = (
    "item.collected", "item.started", "item.done", "matching.decided", "erp.payment.posted", "mail.sent",
    "run.started", "run.finished", "effect.intent", "effect.confirmed",
)  # fmt: skip
ACTORS = ("bot:invoice_matching/run:{n}", "bot:client_reminders/run:{n}", "system:scheduler", "user:alice")
DAYS = 365
PASSWORD = "benchmark-password"


def _sqlite_ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


def seed(db_file: Path, runs: int, items: int, events: int, now: datetime) -> dict[str, float]:
    rnd = random.Random(7)
    conn = sqlite3.connect(db_file)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    took: dict[str, float] = {}
    start = now - timedelta(days=DAYS)
    step = timedelta(days=DAYS) / max(runs, 1)

    t0 = time.perf_counter()
    rows = []
    for i in range(runs):
        bot = BOTS[i % 3]
        created = start + step * i
        summary: dict[str, Any] = {"done": rnd.randint(0, 300), "business_exceptions": rnd.randint(0, 20)}
        if bot == "invoice_matching":
            summary |= {"match_rate": round(rnd.uniform(0.6, 0.95), 4), "lines": rnd.randint(50, 500)}
        rows.append((bot, TRIGGERS[i % 5], STATUSES[rnd.randrange(6)], 0, _sqlite_ts(created),
                     _sqlite_ts(created + timedelta(seconds=2)), _sqlite_ts(created + timedelta(seconds=60)),
                     json.dumps(summary)))  # fmt: skip
        if len(rows) == 50_000 or i == runs - 1:
            conn.executemany(
                "INSERT INTO runs (bot, trigger, status, dry_run, created_at, started_at, finished_at, "
                "summary) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            rows = []
    conn.commit()
    took["runs_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    rows = []
    item_step = timedelta(days=DAYS) / max(items, 1)
    for i in range(items):
        amount = f"{rnd.uniform(5, 20_000):.2f}"
        payload = {
            "line": {"line_id": f"BQ{i:09d}", "amount": amount}, "kind": "suggested",
            "explanation": "amount matches", "allocations": [{"invoice": f"INV-{i:07d}", "amount": amount}],
        }  # fmt: skip
        stamp = _sqlite_ts(start + item_step * i)
        run_id = 1 + (i * 3) % runs
        rows.append((BOTS[i % 3], f"REF-{i:09d}", STATES[i % 4], 0, 1, json.dumps(payload), "{}",
                     CODES[i % 5], "a person decides", "{}", run_id, run_id, stamp, stamp))  # fmt: skip
        if len(rows) == 50_000 or i == items - 1:
            conn.executemany(
                "INSERT INTO work_items (bot, reference, state, priority, attempts, payload, result, "
                "error_code, error_message, evidence, first_run_id, last_run_id, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            rows = []
    conn.commit()
    took["items_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    rows = []
    event_step = timedelta(days=DAYS) / max(events, 1)
    digest = "ab" * 32
    for seq in range(1, events + 1):
        action = ACTIONS[seq % len(ACTIONS)]
        details = (
            {"amount": f"{(seq % 5000) + 0.5:.2f}", "bank_line": f"BQ{seq}"}
            if action == "erp.payment.posted"
            else {}
        )
        ts = (start + event_step * seq).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rows.append((seq, ts, ACTORS[seq % 4].format(n=seq // 400), action, "work_item", f"T-{seq % 200_000}",
                     "ok", json.dumps(details), "[]", digest, digest))  # fmt: skip
        if len(rows) == 100_000 or seq == events:
            conn.executemany(
                "INSERT INTO audit_events (seq, ts, actor, action, target_type, target_id, outcome, details, "
                "evidence, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            rows = []
    conn.execute("UPDATE audit_head SET last_seq = ?, last_hash = ? WHERE id = 1", (events, digest))
    conn.commit()
    took["events_s"] = time.perf_counter() - t0
    conn.execute("ANALYZE")
    conn.close()
    return took


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2), "p95_ms": round(p95 * 1000, 2)}


def measure(call: Callable[[], Any], repeat: int) -> dict[str, float]:
    call()  # warm-up: templates compiled, pages cached by SQLite
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        samples.append(time.perf_counter() - t0)
    return percentiles(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="Keep the seeded installation in this folder")
    args = parser.parse_args()

    import re

    from fastapi.testclient import TestClient

    from console.app import create_app
    from console.security import hash_password
    from rpa.audit.trail import AuditTrail
    from rpa.clock import utcnow
    from rpa.settings import load_settings
    from rpa.store import console as store
    from rpa.store.db import Database

    for key in [k for k in os.environ if k.startswith("RPA_")]:
        del os.environ[key]
    home = args.keep or Path(tempfile.mkdtemp(prefix="console-bench-"))
    (home / "config").mkdir(parents=True, exist_ok=True)
    settings = load_settings(home=home)
    db = Database(settings.database_url)
    db.upgrade()
    now = utcnow()
    seeded = seed(settings.var_path / "rpa.db", args.runs, args.items, args.events, now)
    store.add_user(db, AuditTrail("user:bench"), "ada", "admin", hash_password(PASSWORD), now)
    app = create_app(settings, db, bot_ids=BOTS, verify_every_s=0)

    def sign_in(application: Any) -> Any:
        browser = TestClient(application, headers={"accept": "text/html"})
        form = browser.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None
        answer = browser.post("/login", data={"login": "ada", "password": PASSWORD, "csrf": token.group(1)},
                              follow_redirects=False)  # fmt: skip
        assert answer.status_code == 303, answer.text
        return browser

    client = sign_in(app)

    deep_run = args.runs // 10  # keyset cursor as deep as OFFSET 90% of the table
    deep_seq = args.events // 10
    items_deep, _ = store.exceptions_page(db, now, limit=1, offset=int(args.items * 0.9) // 3)
    cursor = quote(f"{items_deep[0].updated_at.isoformat()}~{items_deep[0].id}") if items_deep else ""
    month_ago = (now - timedelta(days=30)).date().isoformat()
    week_ago = (now - timedelta(days=7)).date().isoformat()
    pages = {
        "dashboard": "/",
        "runs": "/runs",
        "runs filtered (bot, status)": "/runs?bot=invoice_matching&status=failed",
        "runs deep page (keyset)": f"/runs?before={deep_run}",
        "run page": f"/runs/{args.runs // 2}",
        "run live fragment": f"/runs/{args.runs // 2}/live",
        "schedules": "/schedules",
        "exceptions": "/exceptions",
        "exceptions filtered (bot, code)": "/exceptions?bot=client_reminders&code=AMBIGUOUS",
        "exceptions filtered (age, amount)": "/exceptions?age=30&min_amount=1000&max_amount=5000",
        "exceptions deep page (keyset)": f"/exceptions?after={cursor}",
        "exception item": "/exceptions/500",
        "audit": "/audit",
        "audit by actor": "/audit?actor=user:alice",
        "audit by action and date range": (
            f"/audit?action=erp.payment.posted&start={month_ago}&end={week_ago}"
        ),
        "audit by target": "/audit?target=T-4242",
        "audit deep page (keyset)": f"/audit?before={deep_seq}",
        "audit event": f"/audit/events/{args.events // 2}",
    }

    def page(path: str, via: Any = None) -> Callable[[], Any]:
        def call() -> None:
            answer = (via or client).get(path)
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])

        return call

    t0 = time.perf_counter()
    page("/")()  # the first dashboard of the day computes the past weeks' charts; later ones reuse them
    dashboard_first = round((time.perf_counter() - t0) * 1000, 2)
    with_indexes = {name: measure(page(path), args.repeat) for name, path in pages.items()}
    offset = {
        "runs deep page (OFFSET)": measure(
            lambda: store.runs_page(db, offset=args.runs - deep_run), args.repeat
        ),
        "runs deep page (keyset, query only)": measure(
            lambda: store.runs_page(db, before=deep_run), args.repeat
        ),
        "exceptions deep page (OFFSET)": measure(
            lambda: store.exceptions_page(db, now, offset=int(args.items * 0.9)), args.repeat
        ),
        "audit deep page (OFFSET)": measure(
            lambda: store.events_page(db, offset=args.events - deep_seq), args.repeat
        ),
        "audit deep page (keyset, query only)": measure(
            lambda: store.events_page(db, before=deep_seq), args.repeat
        ),
    }

    def without_indexes(where: str) -> tuple[dict[str, Any], float, list[str]]:
        """Every page again, on a console with no chart cache, with the indexes ``where`` names dropped."""
        conn = sqlite3.connect(settings.var_path / "rpa.db")
        found = conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND {where}"
        )
        saved = list(found)
        for name, _sql in saved:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute("ANALYZE")
        conn.commit()
        fresh = sign_in(create_app(settings, db, bot_ids=BOTS, verify_every_s=0))
        t0 = time.perf_counter()
        page("/", fresh)()
        first = round((time.perf_counter() - t0) * 1000, 2)
        timings = {name: measure(page(path, fresh), max(3, args.repeat // 4)) for name, path in pages.items()}
        for _name, sql in saved:
            conn.execute(sql)
        conn.execute("ANALYZE")
        conn.commit()
        conn.close()
        return timings, first, [name for name, _ in saved]

    console_only, console_first, console_dropped = without_indexes("name LIKE 'ix_console_%'")
    without, without_first, all_dropped = without_indexes(
        "tbl_name IN ('runs', 'work_items', 'audit_events')"
    )
    worst = max(v["p95_ms"] for v in with_indexes.values())
    print(json.dumps({
        "benchmark": "console_pages",
        "python": platform.python_version(),
        "data": {"runs": args.runs, "exception_items": args.items, "audit_events": args.events},
        "seed_seconds": {k: round(v, 1) for k, v in seeded.items()},
        "repeat": args.repeat,
        "pages_ms": with_indexes,
        "dashboard_first_request_ms": dashboard_first,
        "worst_p95_ms": worst,
        "target_p95_ms": 300,
        "within_target": worst < 300,
        "baseline_offset_pagination_ms": offset,
        "baseline_without_console_indexes_ms": console_only,
        "baseline_without_console_indexes_dashboard_first_request_ms": console_first,
        "console_indexes_dropped": console_dropped,
        "baseline_without_any_secondary_index_ms": without,
        "baseline_without_any_secondary_index_dashboard_first_request_ms": without_first,
        "secondary_indexes_dropped": all_dropped,
    }, indent=2))  # fmt: skip
    db.dispose()
    if args.keep is None:
        shutil.rmtree(home, ignore_errors=True)  # about 600 MB of seeded data


if __name__ == "__main__":
    main()
