"""``rpa serve`` and ``rpa schedule list|pause|resume|trigger``: the scheduler, wired with the bots."""

from __future__ import annotations

from typing import Annotated

import typer

from rpa_cli import wiring
from rpa_cli.output import out

schedule_app = typer.Typer(no_args_is_help=True, help="Schedules: run, list, pause, resume, trigger.")


def register(app: typer.Typer) -> None:
    # ``rpa serve`` (scheduler and console together) is registered by rpa_cli.console; serve_cmd stays
    # for callers that want the scheduler alone.
    app.add_typer(schedule_app, name="schedule")


def serve_cmd() -> None:
    """Run the scheduler in the foreground (one per embedded database; a second one refuses and exits)."""
    from rpa.log import configure_logging
    from scheduler.service import serve

    s = wiring.settings()
    configure_logging(s, component="scheduler")
    serve(s, wiring.database(), bot_ids=wiring.bot_ids(s), command=wiring.run_command)


@schedule_app.command("run")
def schedule_run() -> None:
    """Run the scheduler in the foreground. On PostgreSQL several may run (one per machine): one leads,
    the others stand by and take over when it dies. On SQLite one per installation."""
    from rpa.log import configure_logging
    from rpa_cli.worker import account_lock_for
    from scheduler.leader import run_scheduler_with_leadership

    s = wiring.settings()
    configure_logging(s, component="scheduler")
    run_scheduler_with_leadership(
        s,
        wiring.database(),
        bot_ids=wiring.bot_ids(s),
        command=wiring.run_command,
        lock_for=account_lock_for(s),
    )


@schedule_app.command("list")
def schedule_list(count: Annotated[int, typer.Option(help="Next fire times shown per schedule")] = 3) -> None:
    """Every schedule with its next fire times in local time, pause state, policies and last run."""
    from rich.table import Table

    from scheduler.commands import schedule_rows

    rows = schedule_rows(wiring.settings(), wiring.database(), wiring.bot_ids(), count)
    table = Table(
        "name", "bot", "cron", "time zone", "next fires (local)", "paused", "misfire", "after", "last run"
    )
    for r in rows:
        nxt = r["next"]
        table.add_row(str(r["name"]), str(r["bot"]), str(r["cron"]), str(r["tz"]),
                      "\n".join(nxt) if isinstance(nxt, list) else str(nxt), "yes" if r["paused"] else "no",
                      str(r["policy"]), str(r.get("after") or ""), str(r.get("last_run") or ""))  # fmt: skip
    out().print(table)


@schedule_app.command("pause")
def schedule_pause(name: Annotated[str, typer.Argument(help="Schedule name")]) -> None:
    """Pause a schedule (audited with who did it); the running scheduler applies it within a second."""
    from scheduler.commands import set_paused

    changed = set_paused(wiring.settings(), wiring.database(), wiring.bot_ids(), name, wiring.actor(), True)
    out().print(f"{name} paused" if changed else f"{name} was already paused")


@schedule_app.command("resume")
def schedule_resume(name: Annotated[str, typer.Argument(help="Schedule name")]) -> None:
    """Resume a paused schedule (audited)."""
    from scheduler.commands import set_paused

    changed = set_paused(wiring.settings(), wiring.database(), wiring.bot_ids(), name, wiring.actor(), False)
    out().print(f"{name} resumed" if changed else f"{name} was not paused")


@schedule_app.command("trigger")
def schedule_trigger(name: Annotated[str, typer.Argument(help="Schedule name")]) -> None:
    """Run a schedule's bot now in its own process (manual run, audited); waits for the outcome.
    On PostgreSQL the run is queued for a worker (`rpa worker`) and the command returns at once."""
    from rpa_cli.worker import account_lock_for
    from scheduler.commands import trigger

    s, db = wiring.settings(), wiring.database()
    lock_for = account_lock_for(s) if db.is_postgres else None
    run_id, status = trigger(
        s, db, wiring.bot_ids(s), wiring.run_command, name, wiring.actor(), lock_for=lock_for
    )
    queued = " (queued: a worker runs it; `rpa runs list` shows it)" if status == "pending" else ""
    out().print(f"run {run_id}: {status}{queued}")
    if status == "failed":
        raise typer.Exit(1)
    if str(status).startswith("skipped"):
        raise typer.Exit(3)
