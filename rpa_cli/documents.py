"""``rpa documents check``: dossiers checked from files, without the portal (findings.csv, documents.json)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from rpa_cli import wiring
from rpa_cli.output import err, out

documents_app = typer.Typer(help="Supporting documents: read and check them offline.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(documents_app, name="documents")


@documents_app.command("check")
def check(
    paths: Annotated[list[Path], typer.Argument(help="Files, or folders (one folder = one dossier)")],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for findings.csv, documents.json, report.xlsx")
    ],
    as_of: Annotated[
        str | None, typer.Option(help="Day of the review (YYYY-MM-DD) for expiry checks; default today")
    ] = None,
) -> None:
    """Read every document (bounded in time and memory per file), check each dossier, write the findings.

    Exit code 0 when every dossier is clean, 1 when some has an error finding, 2 on bad input.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from bots.document_check.config import DocumentCheckConfig
    from bots.document_check.offline import check_paths, gather
    from rpa.clock import utcnow
    from rpa.config_files import load_bot_config
    from rpa.errors import ConfigError

    s = wiring.settings()
    config = load_bot_config(s, "document_check", DocumentCheckConfig)
    try:
        day = date.fromisoformat(as_of) if as_of else utcnow().astimezone(s.tz).date()
    except ValueError:
        raise ConfigError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)", code="CLI_BAD_DATE") from None
    total = sum(len(files) for files in gather(paths).values())
    console = err()
    with Progress(
        TextColumn("reading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, disable=not console.is_terminal, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("reading", total=total)
        summary, _ = check_paths(
            paths, out_dir, as_of=day, config=config, on_done=lambda _doc: progress.advance(task)
        )
    table = Table(title="document check", show_header=False)
    rows: list[tuple[str, object]] = [
        ("dossiers", summary.dossiers),
        ("files", summary.files),
        ("findings", summary.findings),
        *summary.statuses.items(),
        ("findings.csv", out_dir / "findings.csv"),
        ("documents.json", out_dir / "documents.json"),
    ]
    for label, value in rows:
        table.add_row(label, str(value))
    out().print(table)
    if summary.statuses.get("incomplete"):
        raise typer.Exit(1)
