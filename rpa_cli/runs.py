"""Commands for running bots and following them: check-config, db, run, preflight, runs, exceptions."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rpa_cli import wiring
from rpa_cli.output import err, out

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
    from rpa.settings import unknown_variables

    # A mistyped variable sets nothing, silently: named first, with the closest valid name.
    unknown = unknown_variables(os.environ)
    try:
        s = wiring.settings()
    except ConfigError as exc:
        named = {line.split(":")[0] for line in unknown}
        rest = [line for line in exc.message.splitlines() if line.split(":")[0] not in named]
        err().print("[red]settings invalid[/red]")
        for line in (*unknown, *rest):
            err().print(line, markup=False, highlight=False)
        raise typer.Exit(2) from exc
    try:
        bots = wiring.all_bots(s)
    except ConfigError as exc:
        err().print(exc.message, markup=False, highlight=False)
        raise typer.Exit(2) from exc
    problems: list[str] = list(unknown)
    if not s.config_path.is_dir():
        problems.append(f"configuration folder {s.config_path} does not exist (RPA_CONFIG_DIR or RPA_HOME)")
    for bot in bots.values():
        try:
            load_bot_config(s, bot.id, bot.config_model)
        except ConfigError as exc:
            problems.append(exc.message)
    problems.extend(_check_schedules(s, set(bots)))
    if problems:
        err().print("[red]configuration invalid[/red]")
        for p in problems:
            err().print(p, markup=False, highlight=False)
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


@db_app.command("adopt")
def db_adopt(
    by: Annotated[str | None, typer.Option(help="On whose behalf, recorded beside your account")] = None,
) -> None:
    """Accept this database although the signed audit checkpoints describe another (restored, replaced):
    audited, and a new checkpoint epoch starts from it; the old checkpoints are kept."""
    from rpa.audit.proofs import adopt_database

    cp = adopt_database(wiring.database(), wiring.settings(), wiring.actor(on_behalf_of=by))
    out().print(f"database adopted: checkpoint epoch {cp.epoch} starts at {cp.size} events ({cp.name})")


def run(
    bot_id: Annotated[str, typer.Argument(help="The bot id, e.g. invoice_matching")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Decide everything, write nothing")] = False,
    run_id: Annotated[
        int | None,
        typer.Option(
            help="Execute this pending run record (the scheduler's); a finished run is never re-run"
        ),
    ] = None,
    trigger: Annotated[str, typer.Option(help="Recorded as the run's trigger")] = "manual",
    helper: Annotated[
        bool, typer.Option("--helper", hidden=True, help="Process items of the running run --run-id")
    ] = False,
) -> None:
    """Run one bot now, in this process, and print a summary.

    Exit 0: done (exceptions are in the queue); 1: the run failed; 3: another run of the bot holds the
    lock; 130: interrupted (SIGINT/SIGTERM) — the next run resumes it.
    """
    from rpa.audit.trail import AuditTrail
    from rpa.bot import RunStatus
    from rpa.clock import utcnow
    from rpa.config_files import load_bot_config
    from rpa.errors import ConfigError
    from rpa.runs import create_run, get_run

    s, db = wiring.settings(), wiring.database()
    bot = wiring.get_bot(bot_id)
    config = load_bot_config(s, bot.id, bot.config_model)
    if helper:  # a scale-out worker processing items of another worker's run (shared items)
        _help_run(s, db, bot, config, run_id)
        return
    if run_id is not None:
        record = get_run(db, run_id)  # an unknown id is refused here, naming `rpa runs list`
        if record.bot != bot.id or record.status != RunStatus.PENDING or (dry_run and not record.dry_run):
            kind = "a dry run" if record.dry_run else "a real run"
            raise ConfigError(
                f"--run-id {run_id}: run {run_id} of {record.bot} is {record.status} ({kind}); only a "
                f"pending real run of {bot.id} is executed, and --dry-run only for a dry one (a finished "
                f"run is never re-run: `rpa run {bot.id}` starts a new one, which resumes an interrupted "
                "run by itself)",
                code="RUN_NOT_PENDING",
            )
        dry_run = record.dry_run  # the record says what kind of run it is
    else:
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
    out().print(summary_table(summary.as_dict(), bot.id, dry_run=dry_run))
    if summary.outcome == RunStatus.FAILED:
        raise typer.Exit(1)
    if summary.outcome == RunStatus.SKIPPED_ALREADY_RUNNING:
        raise typer.Exit(3)
    if summary.outcome == RunStatus.INTERRUPTED:
        raise typer.Exit(130)


def _help_run(s: Settings, db: Database, bot: Bot[Any, Any], config: Any, run_id: int | None) -> None:
    from rpa.errors import ConfigError
    from rpa.runner import RunEnvironment, execute_helper

    if run_id is None or not bot.shared_items:
        raise ConfigError(
            f"--helper needs --run-id and a bot whose items several workers share; {bot.id} "
            f"{'shares' if bot.shared_items else 'does not share'} its items",
            code="HELPER_REFUSED",
        )
    edges = wiring.browser_edges(s) if bot.uses_browser else {}
    settled = execute_helper(RunEnvironment(settings=s, db=db, **edges), bot, config, run_id)
    out().print(f"run {run_id} of {bot.id}: this process settled {settled} item(s)")


def summary_table(data: dict[str, Any], bot_id: str, *, dry_run: bool) -> Any:
    """A run's summary as a two-column table, in the words of the kit and of the bot's report."""
    from rich.table import Table

    from rpa.bot import SUMMARY_WORDS
    from rpa.errors import RpaError

    labels = dict(SUMMARY_WORDS)
    with contextlib.suppress(RpaError):  # a bot no longer installed: its figures keep their keys
        labels |= dict(wiring.get_bot(bot_id).summary_labels)
    title = f"run {data.get('run_id')} of {bot_id}" + (" — DRY RUN, nothing written" if dry_run else "")
    table = Table(title=title, show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")  # a path or an error is folded, never cut
    for key, value in data.items():
        if value in (None, {}, [], ""):
            continue
        shown = f"{value:.1%}" if key == "match_rate" and isinstance(value, float) else str(value)
        table.add_row(labels.get(key, key), shown)
    return table


def _execute_with_progress(
    s: Settings, db: Database, bot: Bot[Any, Any], config: Any, run_id: int, dry_run: bool
) -> RunSummary:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from rpa.runner import RunEnvironment, execute_run

    edges = wiring.browser_edges(s) if bot.uses_browser else {}
    if bot.shared_items and db.is_postgres:  # other workers process its items too
        from scheduler.distributed import helpers_deferrer

        edges["defer_helpers"] = helpers_deferrer(s)
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
    """The latest runs with their outcome (missed and interrupted runs included); dry runs marked."""
    from rich import box
    from rich.table import Table

    from rpa.runs import list_runs

    tz = wiring.settings().tz
    rows = list_runs(wiring.database(), bot=bot, limit=limit)
    if as_json:
        out().print_json(data=[_run_dict(r) for r in rows])
        return
    zone = str(getattr(tz, "key", tz))  # every time below is in this zone (summer time included)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("id", no_wrap=True, justify="right")
    table.add_column("bot", overflow="fold")
    table.add_column("trigger", overflow="fold")
    table.add_column(f"when ({zone})", no_wrap=True)
    table.add_column("status", overflow="fold", min_width=12)
    table.add_column("done", justify="right")
    table.add_column("to person", justify="right")
    workers = any(r.worker for r in rows)  # scale-out: which worker ran each run
    if workers:
        table.add_column("worker", overflow="fold")
    for r in rows:
        sm = r.summary
        when = r.started_at or r.scheduled_for or r.created_at
        status = str(r.status).replace("_", " ") + (" (DRY-RUN)" if r.dry_run else "")
        if r.resumed_from:
            status += f", resumes {r.resumed_from}"
        table.add_row(str(r.id), r.bot, r.trigger, when.astimezone(tz).strftime("%Y-%m-%d %H:%M"), status,
                      str(sm.get("done", "")), str(r.exceptions) if sm else "",
                      *([r.worker or ""] if workers else []))  # fmt: skip
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
    from rich import box

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    # Bot, reference and code are what a person types back (show, resolve, retry --code): never cut.
    table.add_column("bot / reference / code", no_wrap=True)
    table.add_column("state", max_width=12)
    table.add_column("tries", justify="right")
    table.add_column("message", overflow="fold", min_width=16, ratio=1)  # wrapped, cut at 300 characters
    for it in items:
        message = it.error_message or ""
        table.add_row(f"{it.bot}\n{it.reference}\n{it.error_code or ''}".rstrip(),
                      str(it.state).replace("_", " "), str(it.attempts),
                      message if len(message) <= 300 else message[:299] + "…")  # fmt: skip
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
        "summary": run.summary, "worker": getattr(run, "worker", None),
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
    from rpa.resolutions import follow_up_item
    from rpa.workqueue import WorkQueue

    if not note.strip():
        raise ConfigError("--note must say what was done (it is kept in the audit trail)", code="NOTE_EMPTY")

    user = AuditTrail(wiring.actor())
    # A note in a decision's form (``match INV=AMOUNT | comment``, ``findings CODE=accepted | comment``,
    # see rpa/resolutions.py) is carried out by the bot's next run, as a decision taken in the console.
    WorkQueue(wiring.database(), bot_id, user, utcnow).resolve(
        reference, note, user, follow_up=lambda payload: follow_up_item(reference, payload, note)
    )
    out().print(f"{bot_id} {reference} resolved by {user.actor}")
