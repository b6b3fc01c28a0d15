"""Commands for running bots and following them: check-config, db, run, preflight, runs, exceptions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rpa_cli import wiring
from rpa_cli.output import err, local_time, out

if TYPE_CHECKING:
    from rpa.bot import Bot, RunSummary
    from rpa.settings import Settings
    from rpa.store.db import Database

runs_app = typer.Typer(no_args_is_help=True, help="Runs: what ran, when, with which outcome.")
exceptions_app = typer.Typer(no_args_is_help=True, help="The exception queue: items waiting for a person.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")


def register(app: typer.Typer) -> None:
    app.command("check-config")(check_config)
    app.command("run")(run)
    app.command("preflight")(preflight_cmd)
    app.add_typer(runs_app, name="runs")
    app.add_typer(exceptions_app, name="exceptions")
    app.add_typer(db_app, name="db")


def check_config() -> None:
    """Validate settings, every bot config and every schedule; exit non-zero naming file, key and problem."""
    from rpa.config_files import load_bot_config
    from rpa.errors import ConfigError

    try:
        s = wiring.settings()
    except ConfigError as exc:
        err().print(f"[red]settings invalid[/red]\n{exc.message}")
        raise typer.Exit(2) from exc
    try:
        bots = wiring.all_bots(s)
    except ConfigError as exc:
        err().print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    problems: list[str] = []
    for bot in bots.values():
        try:
            load_bot_config(s, bot.id, bot.config_model)
        except ConfigError as exc:
            problems.append(exc.message)
    problems.extend(_check_schedules(s, set(bots)))
    if problems:
        err().print("[red]configuration invalid[/red]")
        for p in problems:
            err().print(p)
        raise typer.Exit(2)
    out().print(f"configuration OK: settings, {len(bots)} bot config(s), schedules")
    for line in _sources(s, list(bots)):
        out().print(f"  {line}", highlight=False)


def _sources(s: Settings, bot_ids: list[str]) -> list[str]:
    """What the configuration was read from: files (or their absence) and RPA_* variable names."""
    import os

    from rpa.config_files import bot_config_path
    from scheduler.config import SCHEDULES_FILE

    def file(path: Path, missing: str) -> str:
        return str(path) if path.is_file() else f"{path} (absent: {missing})"

    lines = [f"installation: {s.home}", f"settings: {file(s.config_path / 'settings.toml', 'defaults')}"]
    lines += [f"bot {b}: {file(bot_config_path(s, b), 'its defaults')}" for b in bot_ids]
    lines.append(f"schedules: {file(s.config_path / SCHEDULES_FILE, 'no schedule')}")
    names = sorted(k for k in os.environ if k.startswith("RPA_"))
    lines.append(f"variables: {', '.join(names) if names else 'none'}")
    return lines


def _check_schedules(s: Settings, bot_ids: set[str]) -> list[str]:
    from rpa.errors import ConfigError
    from scheduler.config import load_schedules

    try:
        load_schedules(s, bot_ids)
    except ConfigError as exc:
        return [exc.message]
    return []


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (done automatically on the embedded SQLite database)."""
    wiring.database(migrate=False).upgrade()
    out().print(f"database at the current schema: {wiring.settings().database_url.split('@')[-1]}")


def run(
    bot_id: Annotated[str, typer.Argument(help="The bot id, e.g. invoice_matching")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Decide everything, write nothing")] = False,
    run_id: Annotated[int | None, typer.Option(help="Execute this existing pending run record")] = None,
    trigger: Annotated[str, typer.Option(help="Recorded as the run's trigger")] = "manual",
) -> None:
    """Run one bot now, in this process, and print a summary."""
    from rich.table import Table

    from rpa.audit.trail import AuditTrail
    from rpa.bot import RunStatus
    from rpa.clock import utcnow
    from rpa.config_files import load_bot_config
    from rpa.runs import create_run

    s, db = wiring.settings(), wiring.database()
    bot = wiring.get_bot(bot_id)
    config = load_bot_config(s, bot.id, bot.config_model)
    if run_id is None:
        run_id = create_run(
            db,
            AuditTrail("user:cli"),
            bot.id,
            trigger=trigger,
            now=utcnow(),
            dry_run=dry_run,
            requested_by="cli",
        )
    summary = _execute_with_progress(s, db, bot, config, run_id, dry_run)
    table = Table(title=f"run {summary.run_id} of {bot.id}", show_header=False)
    for key, value in summary.as_dict().items():
        if value not in (None, {}, []):
            table.add_row(key, str(value))
    out().print(table)
    if summary.outcome == RunStatus.FAILED:
        raise typer.Exit(1)
    if summary.outcome == RunStatus.SKIPPED_ALREADY_RUNNING:
        raise typer.Exit(3)


def _execute_with_progress(
    s: Settings, db: Database, bot: Bot[Any, Any], config: Any, run_id: int, dry_run: bool
) -> RunSummary:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from rpa.runner import RunEnvironment, execute_run

    edges = wiring.browser_edges(s) if bot.uses_browser else {}
    env = RunEnvironment(settings=s, db=db, **edges)
    if not out().is_terminal:
        return execute_run(env, bot, config, run_id, dry_run=dry_run)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=out()) as bar:
        task = bar.add_task(f"{bot.id} run {run_id}", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return execute_run(env, bot, config, run_id, dry_run=dry_run, progress=tick)


def preflight_cmd(
    bot_id: Annotated[str, typer.Argument(help="The bot whose screens to check")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON")] = False,
) -> None:
    """Open every screen the bot's page objects use and report each selector that no longer resolves.

    Exit 0: all present; 1: selectors missing or screens not opened; 4: an application is down.
    """
    from rpa.audit.evidence import EvidenceStore
    from rpa.browser.preflight import preflight
    from rpa.browser.session import BrowserSession

    s, bot = wiring.settings(), wiring.get_bot(bot_id)
    if not bot.ui:
        out().print(f"{bot_id} drives no legacy screen: nothing to check")
        return
    evidence = EvidenceStore(s.audit_path / "evidence")
    reports = []
    with BrowserSession(s.browser, workdir=s.var_path / "preflight", evidence=evidence) as session:
        for target in bot.ui:
            creds = s.apps.by_name()[target.app]
            reports.append(
                preflight(session, target.page_objects, creds, login=target.login, lane=target.app)
            )
    if as_json:
        out().print_json(data=[r.as_dict() for r in reports])
    else:
        for report in reports:
            out().print(report.render_text(), markup=False, highlight=False)
    if any(not r.ok and not r.unavailable for r in reports):
        raise typer.Exit(1)
    if any(r.unavailable for r in reports):
        raise typer.Exit(4)


@runs_app.command("list")
def runs_list(
    bot: Annotated[str | None, typer.Option(help="Only this bot")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array instead of a table")] = False,
) -> None:
    """The latest runs with their outcome (missed and interrupted runs included)."""
    from rich.table import Table

    from rpa.runs import list_runs

    tz = wiring.settings().tz
    rows = list_runs(wiring.database(), bot=bot, limit=limit)
    if as_json:
        out().print_json(data=[_run_dict(r) for r in rows])
        return
    table = Table(
        "id", "bot", "trigger", "scheduled for", "started", "status", "done", "exceptions", "duration"
    )
    for r in rows:
        sm = r.summary
        table.add_row(str(r.id), r.bot, r.trigger, local_time(r.scheduled_for, tz),
                      local_time(r.started_at, tz), str(r.status), str(sm.get("done", "")),
                      str(r.exceptions) if sm else "", f"{sm.get('duration_s', '')}")  # fmt: skip
    out().print(table)


@exceptions_app.command("list")
def exceptions_list(
    bot: Annotated[str | None, typer.Option(help="Only this bot")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array instead of a table")] = False,
) -> None:
    """Items in the exception queue: business exceptions, application exceptions, needs review."""
    from rich.table import Table

    from rpa.workqueue import exception_queue

    items = exception_queue(wiring.database(), bot)
    if as_json:
        out().print_json(data=[_item_dict(it, full=False) for it in items])
        return
    table = Table("bot", "reference", "state", "code", "attempts", "message")
    table.columns[1].no_wrap = True  # a reference is what a person types back: never cut
    for it in items:
        table.add_row(it.bot, it.reference, it.state, it.error_code or "", str(it.attempts),
                      (it.error_message or "")[:300])  # fmt: skip
    out().print(table)
    out().print(
        f"{len(items)} item(s) waiting for a person; `rpa exceptions show BOT REFERENCE` for one in full"
    )


@exceptions_app.command("show")
def exceptions_show(
    bot_id: Annotated[str, typer.Argument(help="The bot the item belongs to")],
    reference: Annotated[str, typer.Argument(help="The item's reference (e.g. the bank line id)")],
    as_json: Annotated[bool, typer.Option("--json", help="The item as JSON")] = False,
) -> None:
    """One work item in full: state, error, the bot's decision and explanation, result, evidence files."""
    from rpa.errors import BusinessRuleError
    from rpa.workqueue import items_of

    row = next((r for r in items_of(wiring.database(), bot_id) if r.reference == reference), None)
    if row is None:
        raise BusinessRuleError(f"{bot_id} has no work item {reference!r}", code="ITEM_UNKNOWN")
    data = _item_dict(row, full=True)
    evidence = wiring.settings().audit_path / "evidence"
    hashes = [f["sha256"] for f in (row.evidence or {}).get("files", []) if f.get("sha256")]
    data["evidence_files"] = [str(p) for sha in hashes for p in sorted((evidence / sha[:2]).glob(f"{sha}*"))]
    if as_json:
        out().print_json(data=data)
        return
    for key in (
        "bot",
        "reference",
        "state",
        "error_code",
        "attempts",
        "updated_at",
        "resolved_by",
        "resolution",
    ):
        if data.get(key) not in (None, ""):
            out().print(f"[bold]{key}[/bold]: {data[key]}", highlight=False)
    if data.get("error_message"):
        out().print(f"[bold]message[/bold]: {data['error_message']}", markup=True, highlight=False)
    out().print("[bold]payload[/bold] (what the bot decided and why):")
    out().print_json(data=data["payload"])
    if data.get("result"):
        out().print("[bold]result[/bold]:")
        out().print_json(data=data["result"])
    for path in data["evidence_files"]:
        out().print(f"[bold]evidence[/bold]: {path}", highlight=False)


@exceptions_app.command("retry")
def exceptions_retry(
    bot_id: Annotated[str, typer.Argument(help="The bot the items belong to")],
    reference: Annotated[str | None, typer.Argument(help="One item's reference")] = None,
    code: Annotated[str | None, typer.Option(help="Every application exception with this code")] = None,
) -> None:
    """Put application exceptions back into the queue (attempts reset) for the next run; audited."""
    from rpa.audit.trail import AuditTrail
    from rpa.clock import utcnow
    from rpa.errors import ConfigError
    from rpa.workqueue import WorkQueue

    if (reference is None) == (code is None):
        raise ConfigError("give one REFERENCE or --code CODE", code="CLI_BAD_ARGUMENTS")
    user = AuditTrail(wiring.actor())
    done = WorkQueue(wiring.database(), bot_id, user, utcnow).retry(user, reference=reference, code=code)
    out().print(
        f"{len(done)} item(s) of {bot_id} back in the queue for the next run: {', '.join(done) or '-'}"
    )


def _item_dict(row: Any, *, full: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "bot": row.bot, "reference": row.reference, "state": row.state, "error_code": row.error_code,
        "attempts": row.attempts, "error_message": row.error_message,
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
    }  # fmt: skip
    if full:
        data |= {"payload": row.payload, "result": row.result, "resolved_by": row.resolved_by,
                 "resolution": row.resolution, "first_run_id": row.first_run_id,
                 "last_run_id": row.last_run_id}  # fmt: skip
    return data


def _run_dict(run: Any) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": run.id, "bot": run.bot, "trigger": run.trigger, "status": str(run.status),
        "scheduled_for": when(run.scheduled_for), "started_at": when(run.started_at),
        "finished_at": when(getattr(run, "finished_at", None)), "exceptions": run.exceptions,
        "summary": run.summary,
    }  # fmt: skip


@exceptions_app.command("resolve")
def exceptions_resolve(
    bot_id: Annotated[str, typer.Argument(help="The bot the item belongs to")],
    reference: Annotated[str, typer.Argument(help="The item's reference (e.g. the bank line id)")],
    note: Annotated[str, typer.Option(help="What the person did, kept in the audit trail")],
) -> None:
    """Close an exception-queue item after handling it by hand (audited as the person running this)."""
    from rpa.audit.trail import AuditTrail
    from rpa.clock import utcnow
    from rpa.errors import ConfigError
    from rpa.workqueue import WorkQueue

    if not note.strip():
        raise ConfigError("--note must say what was done (it is kept in the audit trail)", code="NOTE_EMPTY")

    user = AuditTrail(wiring.actor())
    WorkQueue(wiring.database(), bot_id, user, utcnow).resolve(reference, note, user)
    out().print(f"{bot_id} {reference} resolved by {user.actor}")
