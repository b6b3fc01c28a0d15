"""The root of the ``rpa`` command: the command groups, and errors turned into exit codes."""

from __future__ import annotations

import os
import sys

import typer

from rpa_cli import (
    audit,
    console,
    demo,
    documents,
    init,
    legacy,
    reconcile,
    reminders,
    runs,
    schedule,
    worker,
)

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="backoffice-rpa: unattended back-office bots."
)
for group in (init, runs, audit, schedule, console, reconcile, reminders, documents, legacy, demo, worker):
    group.register(app)


def main() -> None:
    from rpa.errors import RpaError
    from rpa_cli.output import err

    # The database, evidence and reports hold bank statements, IBANs and screenshots: every file this
    # command creates is its owner's only.
    os.umask(0o077)

    try:
        app()
    except RpaError as exc:
        err().print(f"[red]error[/red] {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
