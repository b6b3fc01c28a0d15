"""Screenshots of the console's main pages, taken in headless Chromium, into docs/screenshots/.

    .venv/bin/python docs/console_screenshots.py              # a fresh installation with sample data
    .venv/bin/python docs/console_screenshots.py --demo       # the data `make demo` left in var/demo

The sample data goes through the kit's own paths (run records, the work queue, the audit trail);
``--demo`` reads the demo installation and signs in as its ``demo-admin``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
OUT = REPO / "docs" / "screenshots"
PAGES = {
    "dashboard": "/",
    "runs": "/runs",
    "run": "/runs/{run}",
    "schedules": "/schedules",
    "exceptions": "/exceptions",
    "exception": "/exceptions/{item}",
    "audit": "/audit",
}
ADMIN_PASSWORD = "sample-admin-pw"  # noqa: S105 (a throw-away installation)


def sample(home: Path) -> tuple[Any, Any, dict[str, int]]:
    """A small installation: a few weeks of runs, an exception queue, a proposal waiting for approval."""
    from console.security import hash_password
    from rpa.audit.trail import AuditTrail
    from rpa.bot import RunStatus
    from rpa.clock import utcnow
    from rpa.items import ItemState, NewItem
    from rpa.runs import claim_fire, finish_run, record_missed, start_run
    from rpa.settings import load_settings
    from rpa.store import console as store
    from rpa.store.db import Database
    from rpa.workqueue import WorkQueue

    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "schedules.toml").write_text(
        (REPO / "scheduler" / "schedules.example.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    settings = load_settings(home=home)
    db = Database(settings.database_url)
    db.upgrade()
    now = utcnow()
    for login, role in (
        ("ada", "admin"),
        ("bob", "backoffice"),
        ("carol", "backoffice"),
        ("olivia", "operator"),
    ):
        store.add_user(db, AuditTrail("system:setup"), login, role, hash_password(ADMIN_PASSWORD), now)
    clock_at = [now - timedelta(days=40)]

    def clock() -> Any:
        return clock_at[0]

    last_run = 0
    for day in range(40, -1, -1):
        for k, bot in enumerate(("invoice_matching", "client_reminders", "document_check")):
            fire = (now - timedelta(days=day, hours=8 - k)).replace(minute=0, second=0, microsecond=0)
            clock_at[0] = fire + timedelta(seconds=2)
            trail = AuditTrail(f"bot:{bot}", clock)
            if day == 3 and k == 2:  # the scheduler was down at that hour: a missed fire, recorded
                record_missed(db, trail, bot, bot, [fire], clock())
                continue
            claimed = claim_fire(
                db,
                trail,
                bot,
                trigger="schedule",
                now=clock(),
                schedule=bot,
                scheduled_for=fire,
                requested_by=None,
            )
            assert claimed is not None
            run = claimed.id
            late = timedelta(minutes=7) if day == 1 and k == 0 else timedelta(0)
            start_run(db, trail, run, clock() + late)
            done, exc = 180 + (day * 7) % 60, (day * 3) % 9
            summary: dict[str, Any] = {"done": done, "business_exceptions": exc, "duration_s": 40 + k * 10}
            if bot == "invoice_matching":
                summary |= {"lines": done + exc, "match_rate": round(0.78 + (day % 7) / 50, 3)}
                with db.transaction() as s:
                    for n in range(4):
                        trail.record(
                            s,
                            "erp.payment.posted",
                            "invoice",
                            f"INV-{day:02d}{n}",
                            details={"bank_line": f"BQ{day}{n}", "amount": str(900 + 350 * n + day * 11)},
                        )
            if bot == "client_reminders":
                with db.transaction() as s:
                    for n in range(1 + day % 4):
                        trail.record(s, "mail.sent", "customer", f"C{n:03d}", details={"level": "first"})
            status = RunStatus.FAILED if day == 12 and k == 2 else RunStatus.SUCCEEDED_WITH_EXCEPTIONS
            finish_run(
                db,
                trail,
                run,
                status,
                clock() + timedelta(seconds=summary["duration_s"]),
                summary,
                "[APP_DOWN] the document portal did not answer" if status == RunStatus.FAILED else None,
            )
            last_run = run
    clock_at[0] = now
    trail = AuditTrail("bot:invoice_matching", clock)
    queue = WorkQueue(db, "invoice_matching", trail, clock)
    items = [
        NewItem(
            f"BQ2611{n:05d}",
            {
                "line": {"line_id": f"BQ2611{n:05d}", "amount": amount, "counterparty": "ACME SARL"},
                "kind": "suggested",
                "reason_code": "PARTIAL_OVER_CAP",
                "explanation": f"amount {amount} is close to INV-2026-{n:05d} (difference over the cap)",
                "allocations": [{"invoice": f"INV-2026-{n:05d}", "amount": amount}],
                "alternatives": [
                    {
                        "invoices": [f"INV-2026-{n + 40:05d}"],
                        "amount": amount,
                        "score": 0.41,
                        "note": "same customer, older invoice",
                    }
                ],
            },
        )
        for n, amount in ((1, "1250.00"), (2, "18400.00"), (3, "96.40"), (4, "4310.75"))
    ]
    queue.add(items, last_run)
    ids = {}
    for it in queue.pending():
        queue.start(it, last_run)
        queue.finish(
            it,
            ItemState.BUSINESS_EXCEPTION,
            error_code="PARTIAL_OVER_CAP",
            error_message="the amount differs from the invoice by more than the write-off cap",
        )
        ids[it.reference] = it.id
    store.claim(db, ids["BQ261100001"], "ada", now)
    store.claim(db, ids["BQ261100002"], "carol", now)
    store.resolve_or_propose(
        db,
        ids["BQ261100002"],
        "carol",
        "match INV-2026-00002=18400.00 | confirmed by the customer's remittance advice",
        "18400.00",
        True,
        now,
        utcnow,
    )
    return settings, db, {"run": last_run, "item": ids["BQ261100001"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo", action="store_true", help="Use the data of the last `make demo`")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    import uvicorn

    from console.app import create_app
    from rpa.browser import BrowserSession
    from rpa.settings import BrowserSettings, load_settings
    from rpa.store.console import exceptions_page
    from rpa.store.db import Database

    for key in [k for k in os.environ if k.startswith("RPA_")]:
        del os.environ[key]
    scratch: list[Path] = []
    if args.demo:
        settings = load_settings(
            home=REPO, var_dir=REPO / "var" / "demo", audit={"dir": REPO / "var" / "demo" / "audit_logs"}
        )
        db = Database(settings.database_url)
        from rpa.clock import utcnow
        from rpa.runs import list_runs

        queue, _ = exceptions_page(db, utcnow(), bot="invoice_matching", limit=1)
        ids = {"run": list_runs(db, limit=1)[0].id, "item": queue[0].id if queue else 1}
        login, secret = "demo-admin", "demo-admin-pw"
    else:
        scratch.append(Path(tempfile.mkdtemp(prefix="console-shots-")))
        settings, db, ids = sample(scratch[-1])
        login, secret = "ada", ADMIN_PASSWORD
    app = create_app(settings, db, bot_ids=("invoice_matching", "client_reminders", "document_check"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with BrowserSession(
            BrowserSettings(), workdir=Path(tempfile.mkdtemp(prefix="shots-browser-"))
        ) as session:
            page = session.lane("shots").page
            page.set_viewport_size({"width": 1280, "height": 860})
            page.goto(f"{url}/login")
            page.screenshot(path=str(args.out / "login.png"))
            page.fill("input[name=login]", login)
            page.fill("input[name=password]", secret)
            page.click("button[type=submit]")
            page.wait_for_url(f"{url}/")
            time.sleep(1.0)  # the background verification of the trail finishes
            for name, path in PAGES.items():
                page.goto(url + path.format(**ids))
                page.screenshot(path=str(args.out / f"{name}.png"), full_page=True)
                print(args.out / f"{name}.png")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()
        for folder in scratch:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
