"""``rpa worker``: a scale-out worker taking run jobs from PostgreSQL (procrastinate) and running them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from rpa_cli import wiring

if TYPE_CHECKING:
    from collections.abc import Callable

    from rpa.settings import Settings


def register(app: typer.Typer) -> None:
    app.command("worker")(worker_cmd)


def worker_cmd(
    bots: Annotated[
        str | None, typer.Option(help="Only these bots' runs, comma-separated (default: every bot)")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=64, help="Runs executed at once (default: scaleout setting)")
    ] = None,
    name: Annotated[str, typer.Option(help="Shown with host and pid on the runs it executes")] = "worker",
) -> None:
    """Execute the runs the scheduler leader enqueues, each in its own process (PostgreSQL only)."""
    from rpa.errors import ConfigError
    from rpa.log import configure_logging
    from scheduler.distributed import run_worker

    s = wiring.settings()
    configure_logging(s, component="worker")
    known = wiring.bot_ids(s)
    chosen = [b.strip() for b in (bots or "").split(",") if b.strip()]
    unknown = sorted(set(chosen) - known)
    if unknown:
        raise ConfigError(
            f"--bots: unknown bot(s) {', '.join(unknown)} (known bots: {', '.join(sorted(known))})",
            code="BOT_UNKNOWN",
        )
    run_worker(
        s, wiring.database(), command=wiring.run_command, bots=chosen, concurrency=concurrency, name=name
    )


def account_lock_for(s: Settings) -> Callable[[str], str]:
    """The procrastinate lock of a bot's runs: the legacy accounts it logs in with, else the bot itself."""
    from scheduler.distributed import account_lock, bot_lock

    apps = s.apps.by_name()

    def lock_for(bot_id: str) -> str:
        try:
            bot = wiring.get_bot(bot_id)
        except Exception:  # a bot that cannot load fails in its run, with its own message
            return bot_lock(bot_id)
        accounts = [(t.app, apps[t.app].username) for t in bot.ui if t.app in apps]
        return account_lock(accounts) if accounts else bot_lock(bot_id)

    return lock_for
