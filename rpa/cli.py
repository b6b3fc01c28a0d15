"""The ``rpa`` command: the composition root, the one module that wires settings, store, bots and apps."""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rpa.audit.checkpoints import CheckpointStore
from rpa.audit.evidence import EvidenceStore
from rpa.audit.export import export_bundle, verify_bundle
from rpa.audit.trail import AuditTrail
from rpa.audit.verify import verify_chain
from rpa.bot import Bot, RunOutcome
from rpa.config_files import load_bot_config
from rpa.errors import AuditIntegrityError, ConfigError, RpaError
from rpa.log import configure_logging
from rpa.runner import RunEnvironment, execute_run
from rpa.runs import create_run
from rpa.settings import Settings, load_settings
from rpa.store.db import Database
from rpa.store.models import Run
from rpa.workqueue import exception_queue

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="backoffice-rpa: unattended back-office bots."
)
runs_app = typer.Typer(no_args_is_help=True, help="Runs: what ran, when, with which outcome.")
exceptions_app = typer.Typer(no_args_is_help=True, help="The exception queue: items waiting for a person.")
audit_app = typer.Typer(no_args_is_help=True, help="The audit trail: verify and export.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
app.add_typer(runs_app, name="runs")
app.add_typer(exceptions_app, name="exceptions")
app.add_typer(audit_app, name="audit")
schedule_app = typer.Typer(no_args_is_help=True, help="Schedules: list, pause, resume, trigger.")
legacy_app = typer.Typer(no_args_is_help=True, help="The simulated legacy applications (demo and tests).")
app.add_typer(db_app, name="db")
app.add_typer(legacy_app, name="legacy")
app.add_typer(schedule_app, name="schedule")

# Wide enough for tables when the output is a pipe or a log file (rich would assume 80 columns).
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)  # messages name files and keys: never wrap them


class _State:
    settings: Settings | None = None
    db: Database | None = None


def settings() -> Settings:
    if _State.settings is None:
        _State.settings = load_settings()
        configure_logging(_State.settings, terminal=False)
    return _State.settings


def database(*, migrate: bool = True) -> Database:
    if _State.db is None:
        s = settings()
        _State.db = Database(s.database_url, echo=s.database.echo)
        if migrate and _State.db.is_sqlite:
            _State.db.upgrade()  # embedded database: always at the current schema
    return _State.db


def load_bot_ref(ref: str) -> Bot:
    module_name, _, attr = ref.partition(":")
    try:
        bot = getattr(importlib.import_module(module_name), attr or "BOT")
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"extra_bots: cannot load {ref!r}: {exc}") from exc
    if not isinstance(bot, Bot):
        raise ConfigError(f"extra_bots: {ref!r} is not a Bot")
    return bot


def all_bots(s: Settings) -> dict[str, Bot]:
    from bots import ALL_BOTS

    found = {b.id: b for b in ALL_BOTS}
    for ref in s.extra_bots:
        bot = load_bot_ref(ref)
        found[bot.id] = bot
    return found


def get_bot(bot_id: str) -> Bot:
    known = all_bots(settings())
    if bot_id not in known:
        names = ", ".join(sorted(known)) or "none installed"
        raise ConfigError(f"unknown bot {bot_id!r} (known bots: {names})", code="BOT_UNKNOWN")
    return known[bot_id]


def now() -> datetime:
    return datetime.now(UTC)


@app.command("check-config")
def check_config() -> None:
    """Validate settings, every bot config and every schedule; exit non-zero naming file, key and problem."""
    problems: list[str] = []
    try:
        s = load_settings()
    except ConfigError as exc:
        err.print(f"[red]settings invalid[/red]\n{exc.message}")
        raise typer.Exit(2) from exc
    try:
        bots = all_bots(s)
    except ConfigError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    for bot in bots.values():
        try:
            load_bot_config(s, bot.id, bot.config_model)
        except ConfigError as exc:
            problems.append(exc.message)
    problems.extend(_check_schedules(s, set(bots)))
    if problems:
        err.print("[red]configuration invalid[/red]")
        for p in problems:
            err.print(p)
        raise typer.Exit(2)
    out.print(f"configuration OK: settings, {len(bots)} bot config(s), schedules")


def _check_schedules(s: Settings, bot_ids: set[str]) -> list[str]:
    try:
        from scheduler.config import load_schedules
    except ImportError:
        return []
    try:
        load_schedules(s, bot_ids)
    except ConfigError as exc:
        return [exc.message]
    return []


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (done automatically on the embedded SQLite database)."""
    database(migrate=False).upgrade()
    out.print(f"database at the current schema: {settings().database_url.split('@')[-1]}")


@app.command("run")
def run(
    bot_id: Annotated[str, typer.Argument(help="The bot id, e.g. invoice_matching")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Decide everything, write nothing")] = False,
    run_id: Annotated[int | None, typer.Option(help="Execute this existing pending run record")] = None,
    trigger: Annotated[str, typer.Option(help="Recorded as the run's trigger")] = "manual",
) -> None:
    """Run one bot now, in this process, and print a summary."""
    s, db = settings(), database()
    bot = get_bot(bot_id)
    config = load_bot_config(s, bot.id, bot.config_model)
    if run_id is None:
        run_id = create_run(
            db,
            AuditTrail("user:cli"),
            bot.id,
            trigger=trigger,
            now=now(),
            dry_run=dry_run,
            requested_by="cli",
        )
    summary = execute_run_with_progress(s, db, bot, config, run_id, dry_run)
    table = Table(title=f"run {summary.run_id} of {bot.id}", show_header=False)
    for key, value in summary.as_dict().items():
        if value not in (None, {}, []):
            table.add_row(key, str(value))
    out.print(table)
    if summary.outcome == RunOutcome.FAILED:
        raise typer.Exit(1)
    if summary.outcome == RunOutcome.SKIPPED_ALREADY_RUNNING:
        raise typer.Exit(3)


def execute_run_with_progress(
    s: Settings, db: Database, bot: Bot, config: Any, run_id: int, dry_run: bool
) -> Any:
    env = RunEnvironment(settings=s, db=db, **browser_edges(s))
    if not out.is_terminal:
        return execute_run(env, bot, config, run_id, dry_run=dry_run)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=out
    ) as bar:
        task = bar.add_task(f"{bot.id} run {run_id}", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return execute_run(env, bot, config, run_id, dry_run=dry_run, progress=tick)


def browser_edges(s: Settings) -> dict[str, Any]:
    """How a run opens its browser: one session per worker thread, closed by that thread."""
    from rpa.browser.session import BrowserSession

    def open_session(workdir: Path, evidence: EvidenceStore) -> BrowserSession:
        session = BrowserSession(s.browser, workdir=workdir, evidence=evidence)
        session.start()
        return session

    return {"browser_factory": open_session, "browser_close": BrowserSession.close}


@app.command("preflight")
def preflight_cmd(
    bot_id: Annotated[str, typer.Argument(help="The bot whose screens to check")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON")] = False,
) -> None:
    """Open every screen the bot's page objects use and report each selector that no longer resolves."""
    from rpa.browser.preflight import preflight
    from rpa.browser.session import BrowserSession

    s, bot = settings(), get_bot(bot_id)
    if not bot.ui:
        out.print(f"{bot_id} drives no legacy screen: nothing to check")
        return
    workdir = s.var_path / "preflight"
    evidence = EvidenceStore(s.audit_path / "evidence")
    reports = []
    with BrowserSession(s.browser, workdir=workdir, evidence=evidence) as session:
        for target in bot.ui:
            creds = getattr(s.apps, target.app)
            reports.append(
                preflight(session, target.page_objects, creds, login=target.login, lane=target.app)
            )
    if as_json:
        out.print_json(data=[r.as_dict() for r in reports])
    else:
        for report in reports:
            out.print(report.render_text(), markup=False, highlight=False)
    if not all(r.ok for r in reports):
        raise typer.Exit(1)


@app.command("reconcile")
def reconcile(
    statements: Annotated[
        list[Path], typer.Argument(help="Statement files: camt.05x, MT940, OFX, CSV, CFONB 120")
    ],
    open_items: Annotated[Path, typer.Option(help="Open items as CSV or XLSX (number, customer_id, ...)")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for decisions.csv and report.xlsx")],
) -> None:
    """Match bank lines against open items offline (no ERP): decisions.csv and report.xlsx for analysts."""
    from bots.invoice_matching.config import InvoiceMatchingConfig
    from bots.invoice_matching.offline import reconcile_files

    s = settings()
    config = load_bot_config(s, "invoice_matching", InvoiceMatchingConfig)
    result = reconcile_files(
        statements, open_items, out_dir, config=config, today=now().astimezone(s.tz).date()
    )
    table = Table(title="reconciliation", show_header=False)
    for label, value in (("statements", result.statements), ("lines", result.lines), ("auto", result.auto),
                         ("suggested", result.suggested), ("exceptions", result.exceptions),
                         ("match rate", f"{result.match_rate:.1%}"), ("decisions", result.decisions_csv),
                         ("report", result.report_xlsx)):  # fmt: skip
        table.add_row(label, str(value))
    out.print(table)
    for problem in (*result.file_errors, *result.item_errors):
        err.print(f"[yellow]problem[/yellow] {problem}", markup=True, highlight=False)
    if result.file_errors and not result.lines:
        raise typer.Exit(1)


@runs_app.command("list")
def runs_list(
    bot: Annotated[str | None, typer.Option(help="Only this bot")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first")] = 20,
) -> None:
    """The latest runs with their outcome (missed and interrupted runs included)."""
    from sqlalchemy import select

    db, tz = database(), settings().tz
    with db.read() as sess:
        q = select(Run).order_by(Run.id.desc()).limit(limit)
        if bot:
            q = q.where(Run.bot == bot)
        rows = sess.execute(q).scalars().all()
    table = Table(
        "id", "bot", "trigger", "scheduled for", "started", "status", "done", "exceptions", "duration"
    )
    for r in rows:
        sm = r.summary or {}
        exc = sum(
            int(sm.get(k, 0)) for k in ("business_exceptions", "application_exceptions", "needs_review")
        )
        table.add_row(
            str(r.id),
            r.bot,
            r.trigger,
            _local(r.scheduled_for, tz),
            _local(r.started_at, tz),
            r.status,
            str(sm.get("done", "")),
            str(exc) if sm else "",
            f"{sm.get('duration_s', '')}",
        )
    out.print(table)


def _local(instant: datetime | None, tz: Any) -> str:
    return instant.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z") if instant else ""


@exceptions_app.command("list")
def exceptions_list(bot: Annotated[str | None, typer.Option(help="Only this bot")] = None) -> None:
    """Items in the exception queue: business exceptions, application exceptions, needs review."""
    items = exception_queue(database(), bot)
    table = Table("bot", "reference", "state", "code", "attempts", "message")
    for it in items:
        table.add_row(
            it.bot,
            it.reference,
            it.state,
            it.error_code or "",
            str(it.attempts),
            (it.error_message or "")[:120],
        )
    out.print(table)
    out.print(f"{len(items)} item(s) waiting for a person")


@exceptions_app.command("resolve")
def exceptions_resolve(
    bot_id: Annotated[str, typer.Argument(help="The bot the item belongs to")],
    reference: Annotated[str, typer.Argument(help="The item's reference (e.g. the bank line id)")],
    note: Annotated[str, typer.Option(help="What the person did, kept in the audit trail")],
) -> None:
    """Close an exception-queue item after handling it by hand (audited as the person running this)."""
    from rpa.workqueue import WorkQueue

    db, user = database(), AuditTrail(f"user:{_actor()}")
    WorkQueue(db, bot_id, user, now).resolve(reference, note, user)
    out.print(f"{bot_id} {reference} resolved by {user.actor}")


@audit_app.command("verify")
def audit_verify(
    bundle: Annotated[
        Path | None, typer.Option(help="Verify an exported bundle instead of the database")
    ] = None,
) -> None:
    """Walk the hash chain and the signed checkpoints; name the first altered, removed or reordered event."""
    if bundle is not None:
        try:
            report = verify_bundle(bundle)
        except AuditIntegrityError as exc:
            err.print(f"[red]FAILED[/red]: {exc.message}")
            raise typer.Exit(1) from exc
        if not report.ok:
            err.print(report.render())
            raise typer.Exit(1)
        out.print(report.render() + " (exported bundle)")
        return
    s, db = settings(), database()
    try:
        checkpoints = CheckpointStore(s.audit_path, s.audit.signing_key).load()
    except AuditIntegrityError as exc:
        err.print(f"[red]FAILED[/red]: {exc.message}")
        raise typer.Exit(1) from exc
    with db.read() as sess:
        report = verify_chain(sess, checkpoints)
    if report.ok:
        out.print(report.render() + f", {len(checkpoints)} signed checkpoint(s) match")
        return
    err.print(report.render())
    raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    out_dir: Annotated[Path, typer.Option("--out", help="A new, empty folder for the bundle")],
) -> None:
    """Write the trail, signed checkpoints, public key and evidence files into a bundle for auditors."""
    s, db = settings(), database()
    store = CheckpointStore(s.audit_path, s.audit.signing_key)
    store.public_key()  # make sure an auditor gets the key even before the first checkpoint
    counts = export_bundle(db, s.audit_path, out_dir, store)
    with db.transaction() as sess:
        AuditTrail("user:cli").record(sess, "audit.exported", "bundle", str(out_dir), details=counts)
    out.print(
        f"exported {counts['events']} events and {counts['evidence_files']} evidence files to {out_dir}"
    )
    if counts["evidence_missing"]:
        err.print(f"[yellow]{counts['evidence_missing']} evidence file(s) referenced but not found[/yellow]")


@legacy_app.command("serve")
def legacy_serve(
    seed: Annotated[int, typer.Option(help="Seed of the generated data")] = 42,
    faults: Annotated[
        str, typer.Option(help="none | slow | flaky | expiry | maintenance | changed_layout")
    ] = "none",
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 8700,
    lines: Annotated[int, typer.Option(help="Bank lines in the generated statements")] = 200,
) -> None:
    """Serve the ERP (/erp), bank portal (/bank) and document portal (/docs) in the foreground."""
    from legacy_apps.server import serve

    out.print(
        f"legacy applications on http://127.0.0.1:{port}/ (erp, bank, docs); seed {seed}, faults {faults}"
    )
    serve(host="127.0.0.1", port=port, seed=seed, faults=faults, lines=lines)


@legacy_app.command("seed")
def legacy_seed(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for ground truth, statements, open items")],
    seed: Annotated[int, typer.Option(help="Seed of the generated data")] = 42,
    lines: Annotated[int, typer.Option(help="Bank lines in the generated statements")] = 200,
) -> None:
    """Write a seed's ground truth (deterministic: same seed, same bytes), statements and open items."""
    from legacy_apps.truth import write_ground_truth

    path = write_ground_truth(seed, out_dir, lines=lines)
    out.print(f"ground truth written to {path}")


@legacy_app.command("score")
def legacy_score(
    truth: Annotated[Path, typer.Option(help="ground_truth.json or the folder holding it")],
    url: Annotated[
        str, typer.Option(help="Base URL of the running legacy applications")
    ] = "http://127.0.0.1:8700",
) -> None:
    """Compare what the bots did in the applications with the ground truth (precision, recall, duplicates)."""
    from legacy_apps.scoring import score

    out.print_json(data=score(truth, url))


def _actor() -> str:
    import getpass

    return getpass.getuser()


@app.command("serve")
def serve_cmd() -> None:
    """Run the scheduler in the foreground (one per embedded database; a second one refuses and exits)."""
    from scheduler.service import serve

    s = settings()
    configure_logging(s, component="scheduler")
    serve(s, database(), bot_ids=set(all_bots(s)))


@schedule_app.command("list")
def schedule_list(count: Annotated[int, typer.Option(help="Next fire times shown per schedule")] = 3) -> None:
    """Every schedule with its next fire times in local time, pause state, policies and last run."""
    from scheduler.commands import schedule_rows

    rows = schedule_rows(settings(), database(), count)
    table = Table(
        "name", "bot", "cron", "time zone", "next fires (local)", "paused", "misfire", "after", "last run"
    )
    for r in rows:
        nxt = r["next"]
        table.add_row(str(r["name"]), str(r["bot"]), str(r["cron"]), str(r["tz"]),
                      "\n".join(nxt) if isinstance(nxt, list) else str(nxt), "yes" if r["paused"] else "no",
                      str(r["policy"]), str(r.get("after") or ""), str(r.get("last_run") or ""))  # fmt: skip
    out.print(table)


@schedule_app.command("pause")
def schedule_pause(name: Annotated[str, typer.Argument(help="Schedule name")]) -> None:
    """Pause a schedule (audited with who did it); the running scheduler applies it within a second."""
    from scheduler.commands import pause

    changed = pause(settings(), database(), name, _actor())
    out.print(f"{name} paused" if changed else f"{name} was already paused")


@schedule_app.command("resume")
def schedule_resume(name: Annotated[str, typer.Argument(help="Schedule name")]) -> None:
    """Resume a paused schedule (audited)."""
    from scheduler.commands import resume

    changed = resume(settings(), database(), name, _actor())
    out.print(f"{name} resumed" if changed else f"{name} was not paused")


@schedule_app.command("trigger")
def schedule_trigger(name: Annotated[str, typer.Argument(help="Schedule name")]) -> None:
    """Run a schedule's bot now in its own process (manual run, audited); waits for the outcome."""
    from scheduler.commands import trigger

    run_id, status = trigger(settings(), database(), name, _actor())
    out.print(f"run {run_id}: {status}")
    if status == "failed":
        raise typer.Exit(1)
    if str(status).startswith("skipped"):
        raise typer.Exit(3)


@app.command("demo")
def demo(
    seed: Annotated[int, typer.Option(help="Seed of the legacy applications' data")] = 42,
    lines: Annotated[int, typer.Option(help="Bank lines in the generated statements")] = 300,
) -> None:
    """Start the legacy apps, run every bot once through the scheduler's dispatch, print what happened."""
    from bots import ALL_BOTS
    from rpa.cli_demo import run_demo

    if not run_demo(out, [b.id for b in ALL_BOTS], seed=seed, lines=lines):
        raise typer.Exit(1)


def main() -> None:
    try:
        app()
    except RpaError as exc:
        err.print(f"[red]error[/red] {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
