"""``rpa reconcile``: offline bank reconciliation for analysts (statements against an open-items file)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from rpa_cli import wiring
from rpa_cli.output import err, out


def register(app: typer.Typer) -> None:
    app.command("reconcile")(reconcile)


def reconcile(
    statements: Annotated[
        list[Path], typer.Argument(help="Statement files: camt.05x, MT940, OFX, CSV, CFONB 120")
    ],
    open_items: Annotated[Path, typer.Option(help="Open items as CSV or XLSX (number, customer_id, ...)")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for decisions.csv and report.xlsx")],
    csv_profile: Annotated[
        str | None,
        typer.Option(
            "--csv-profile",
            metavar="NAME",
            help="CSV statement profile (built-in, or declared under [[csv_profiles]] in "
            "config/bots/invoice_matching.toml); default: picked from each file's header",
        ),
    ] = None,
) -> None:
    """Match bank lines against open items offline (no ERP): decisions.csv and report.xlsx for analysts.

    The results go into --out when it does not exist yet; earlier results there are replaced only when
    this reconciliation read everything, else the new results go into a new folder beside it.
    Exit 0: every file and row read; 1: partly (a statement unreadable or empty, open-items rows
    rejected: the rest is reconciled and each problem printed); 2: nothing could be reconciled, or a
    wrong argument.
    """
    from rich.table import Table

    from bots.invoice_matching.config import InvoiceMatchingConfig
    from bots.invoice_matching.offline import reconcile_files
    from rpa.clock import utcnow
    from rpa.config_files import bot_config_path, load_bot_config
    from rpa.documents.statements import profile_catalogue
    from rpa.errors import ConfigError

    s = wiring.settings()
    config = load_bot_config(s, "invoice_matching", InvoiceMatchingConfig)
    profiles = sorted(profile_catalogue(config.csv_profiles))
    if csv_profile is not None and csv_profile not in profiles:
        raise ConfigError(
            f"--csv-profile {csv_profile!r} is not a CSV profile; choose one of {', '.join(profiles)},"
            f" or declare it under [[csv_profiles]] in {bot_config_path(s, 'invoice_matching')}",
            code="STATEMENT_CSV_PROFILE",
        )
    staging = _staging_folder(out_dir)
    try:
        result = reconcile_files(
            statements,
            open_items,
            staging,
            config=config,
            today=utcnow().astimezone(s.tz).date(),
            csv_profile=csv_profile,
        )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for problem in (*result.file_errors, *result.statement_problems, *result.item_errors):
        err().print(f"[yellow]problem[/yellow] {problem}", markup=True, highlight=False)
    if result.csv_profile_failed:
        err().print(
            f"hint: name the bank's CSV profile with --csv-profile NAME ({', '.join(profiles)})",
            markup=False,
            highlight=False,
        )
    nothing = (
        f"none of the {len(statements)} statement file(s) gave a bank line"
        if result.lines == 0
        else f"every one of the {result.rows_rejected} rows of {open_items} was rejected"
        if result.open_items == 0 and result.rows_rejected
        else ""
    )
    if nothing:
        shutil.rmtree(staging, ignore_errors=True)
        raise ConfigError(
            f"nothing reconciled: {nothing} (problems above); {out_dir} left as it was",
            code="RECONCILE_NOTHING_READ",
        )
    complete = not result.file_errors and not result.rows_rejected
    folder = _publish(staging, out_dir, replace=complete)
    table = Table(title="reconciliation" + ("" if complete else " (PARTIAL)"), show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in (("statements", result.statements), ("lines", result.lines), ("auto", result.auto),
                         ("suggested", result.suggested), ("exceptions", result.exceptions),
                         ("match rate", f"{result.match_rate:.1%}"), ("decisions", folder / "decisions.csv"),
                         ("report", folder / "report.xlsx")):  # fmt: skip
        table.add_row(label, str(value))
    out().print(table)
    if folder != out_dir:
        err().print(
            f"results written to {folder}: {out_dir} holds earlier results, replaced only by a complete run",
            markup=False,
            highlight=False,
        )
    if not complete:
        raise typer.Exit(1)


def _staging_folder(out_dir: Path) -> Path:
    """A new empty folder beside ``out_dir`` for the results; refuses an ``--out`` that cannot be one."""
    from rpa.errors import ConfigError

    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"--out {out_dir} is a file, not a folder", code="CLI_BAD_OUT")
    parent = out_dir.absolute().parent
    existing = next((p for p in (parent, *parent.parents) if p.exists()), Path("/"))
    if not existing.is_dir():
        raise ConfigError(f"--out {out_dir}: {existing} is a file, not a folder", code="CLI_BAD_OUT")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=parent))
    except OSError as exc:
        raise ConfigError(
            f"--out {out_dir}: cannot write in {parent} ({exc.strerror or exc})", code="CLI_BAD_OUT"
        ) from exc


def _publish(staging: Path, out_dir: Path, *, replace: bool) -> Path:
    """Move the results to ``out_dir`` (new, or replaced when ``replace``), else to a new folder beside it."""
    target = out_dir
    if out_dir.exists() and any(out_dir.iterdir()):
        if replace:
            old = staging.with_name(staging.name + ".old")
            out_dir.rename(old)
            staging.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
            return out_dir
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = out_dir.with_name(f"{out_dir.name}-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = out_dir.with_name(f"{out_dir.name}-{stamp}-{n}")
    elif out_dir.exists():
        out_dir.rmdir()
    staging.rename(target)
    return target
