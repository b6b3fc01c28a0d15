"""``rpa demo``: start the legacy applications, run every bot once through the scheduler's dispatch, report.

The only product code that starts ``legacy_apps``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rpa_cli import wiring
from rpa_cli.output import out

if TYPE_CHECKING:
    from rich.console import Console

    from rpa.settings import Settings
    from rpa.store.db import Database

# In the order of a business day: reconciliation first, so that what was paid this morning is not
# reminded; the dossier review does not depend on either.
PLANNED_BOTS = ("invoice_matching", "client_reminders", "document_check")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    seed: Annotated[int, typer.Option(help="Seed of the legacy applications' data")] = 42,
    lines: Annotated[int, typer.Option(help="Bank lines in the generated statements")] = 300,
) -> None:
    """Start the legacy apps, run every bot once through the scheduler's dispatch, print what happened."""
    from bots import ALL_BOTS

    ordered = [b for b in PLANNED_BOTS if b in ALL_BOTS] + [b for b in ALL_BOTS if b not in PLANNED_BOTS]
    if not run_demo(out(), ordered, seed=seed, lines=lines):
        raise typer.Exit(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def demo_environment(home: Path, base_url: str, smtp_port: int) -> dict[str, str]:
    """Settings for the demo, as RPA_* variables so the run processes get them too."""
    from legacy_apps import accounts

    folder = home / "var" / "demo"
    return {
        "RPA_HOME": str(home), "RPA_VAR_DIR": str(folder), "RPA_AUDIT__DIR": str(folder / "audit_logs"),
        "RPA_APPS__ERP__URL": f"{base_url}/erp", "RPA_APPS__ERP__USERNAME": accounts.ERP_USER,
        "RPA_APPS__ERP__PASSWORD": accounts.ERP_PASSWORD,
        "RPA_APPS__BANK__URL": f"{base_url}/bank", "RPA_APPS__BANK__USERNAME": accounts.BANK_USER,
        "RPA_APPS__BANK__PASSWORD": accounts.BANK_PASSWORD,
        "RPA_APPS__BANK__TOTP_SECRET": accounts.BANK_TOTP_SECRET,
        "RPA_APPS__DOCS__URL": f"{base_url}/docs", "RPA_APPS__DOCS__USERNAME": accounts.DOCS_USER,
        "RPA_APPS__DOCS__PASSWORD": accounts.DOCS_PASSWORD,
        "RPA_MAIL__HOST": "127.0.0.1", "RPA_MAIL__PORT": str(smtp_port), "RPA_MAIL__STARTTLS": "false",
        "RPA_MAIL__TLS": "false", "RPA_MAIL__USERNAME": "",
    }  # fmt: skip


def _start_legacy(seed: int, lines: int, port: int, smtp_port: int, today: date) -> subprocess.Popen[bytes]:
    import httpx

    proc = subprocess.Popen([sys.executable, "-m", "rpa_cli", "legacy", "serve", "--seed", str(seed),
                             "--lines", str(lines), "--port", str(port), "--smtp-port", str(smtp_port),
                             "--today", today.isoformat()],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"the legacy applications did not start: {proc.stderr.read().decode()[-2000:]}"
                if proc.stderr
                else "the legacy applications did not start"
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_admin/health", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.2)  # polling a child process's start-up: it has no readiness signal
    proc.kill()
    raise RuntimeError(f"the legacy applications did not answer on port {port} within 60 s")


def run_demo(out: Console, bot_ids: list[str], *, seed: int, lines: int) -> bool:
    """Run the demo; return True when every bot run ended without failure and the trail verifies."""
    from legacy_apps.scoring import score
    from legacy_apps.truth import write_ground_truth
    from rpa.clock import utcnow
    from scheduler.dispatch import dispatch_now

    home = Path(os.environ.get("RPA_HOME") or Path.cwd()).resolve()
    shutil.rmtree(home / "var" / "demo", ignore_errors=True)  # every demo starts from a clean slate
    port, smtp_port = _free_port(), _free_port()
    base_url = f"http://127.0.0.1:{port}"
    os.environ.update(demo_environment(home, base_url, smtp_port))
    settings = wiring.settings()
    today = utcnow().astimezone(settings.tz).date()  # the apps' data is generated around the bots' today
    out.print(
        f"[bold]legacy applications[/bold] on {base_url} (seed {seed}, {lines} bank lines, today {today}); "
        f"mailbox on SMTP port {smtp_port}, read at {base_url}/mail/"
    )
    server = _start_legacy(seed, lines, port, smtp_port, today)
    db = wiring.database()
    try:
        truth = write_ground_truth(seed, settings.var_path / "ground_truth", lines=lines, today=today)
        missing = [b for b in PLANNED_BOTS if b not in bot_ids]
        results = []
        for bot_id in bot_ids:
            out.print(f"[bold]running {bot_id}[/bold] through the scheduler's dispatch …")
            result = dispatch_now(
                settings, db, bot_id, command=wiring.run_command, trigger="demo", requested_by="demo"
            )
            results.append(result)
        ok = _report(out, settings, db, missing)
        from rpa_cli.console import add_demo_logins

        add_demo_logins(out, db, settings.console.port)
        figures = score(truth, base_url)
        scored = settings.var_path / "score.json"
        scored.write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        out.print("[bold]scored against the ground truth[/bold] (rpa legacy score):")
        out.print(_score_table(figures, bot_ids))
        out.print(f"full score: {scored}")
        return ok and bool(results)
    finally:
        server.terminate()
        server.wait(timeout=15)
        db.dispose()


def _score_table(figures: dict[str, Any], bot_ids: list[str]) -> Any:
    """The headline figures of each bot's score (the whole score goes to score.json)."""
    from rich.table import Table

    table = Table("bot", "figure", "value")
    if "invoice_matching" in bot_ids:
        for key in (
            "lines_to_match",
            "correct",
            "wrong",
            "missed",
            "duplicates_created",
            "precision",
            "recall",
        ):
            if key in figures:
                table.add_row("invoice_matching", key, str(figures[key]))
    for key in ("sent_when_due", "sent_when_forbidden", "sent_too_early", "wrong_level", "duplicates",
                "missed", "missed_held_for_approval", "emails"):  # fmt: skip
        if "client_reminders" in bot_ids and key in figures.get("reminders", {}):
            table.add_row("client_reminders", key, str(figures["reminders"][key]))
    docs = figures.get("docportal", {})
    for key in ("to_decide", "decided", "right", "weightiest_reason", "wrong_status", "wrong_reason",
                "left_pending"):  # fmt: skip
        if "document_check" in bot_ids and key in docs:
            table.add_row("document_check", key, str(docs[key]))
    if "document_check" in bot_ids and "needs_review" in docs:
        table.add_row("document_check", "judgement cases left to a person", str(docs["needs_review"]))
    return table


def _report(out: Console, settings: Settings, db: Database, missing: list[str]) -> bool:
    from rich.table import Table

    from rpa.audit.checkpoints import CheckpointStore
    from rpa.audit.verify import verify_chain
    from rpa.runs import list_runs

    runs = list(reversed(list_runs(db, limit=None)))
    with db.read() as s:
        verify = verify_chain(s, CheckpointStore(settings.audit_path, settings.audit.signing_key).load())
    table = Table("run", "bot", "outcome", "collected", "done", "exceptions", "duration s", "report")
    all_ok = True
    for run in runs:
        sm: dict[str, Any] = run.summary
        table.add_row(str(run.id), run.bot, str(run.status), str(sm.get("collected", "")),
                      str(sm.get("done", "")), str(run.exceptions), str(sm.get("duration_s", "")),
                      str(sm.get("report", "")))  # fmt: skip
        all_ok = all_ok and run.status.succeeded
    out.print(table)
    if missing:
        out.print(f"not built yet, so not run: {', '.join(missing)}")
    out.print(f"audit trail: {verify.render()}")
    out.print(f"database: {settings.database_url}")
    out.print(f"reports: {settings.var_path / 'reports'}")
    out.print(f"audit checkpoints and evidence: {settings.audit_path}")
    out.print(
        "inspect with: RPA_VAR_DIR=var/demo RPA_AUDIT__DIR=var/demo/audit_logs rpa runs list | "
        "rpa exceptions list | rpa audit verify"
    )
    return all_ok and verify.ok
