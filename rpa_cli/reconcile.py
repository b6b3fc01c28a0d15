"""``rpa reconcile``: offline bank reconciliation for analysts (statements against an open-items file)."""

from __future__ import annotations

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

    Exits with 1 when a statement file could not be read or gave no bank line (the reason is printed);
    the other files are still reconciled.
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
    result = reconcile_files(
        statements,
        open_items,
        out_dir,
        config=config,
        today=utcnow().astimezone(s.tz).date(),
        csv_profile=csv_profile,
    )
    table = Table(title="reconciliation", show_header=False)
    for label, value in (("statements", result.statements), ("lines", result.lines), ("auto", result.auto),
                         ("suggested", result.suggested), ("exceptions", result.exceptions),
                         ("match rate", f"{result.match_rate:.1%}"), ("decisions", result.decisions_csv),
                         ("report", result.report_xlsx)):  # fmt: skip
        table.add_row(label, str(value))
    out().print(table)
    for problem in (*result.file_errors, *result.statement_problems, *result.item_errors):
        err().print(f"[yellow]problem[/yellow] {problem}", markup=True, highlight=False)
    if result.csv_profile_failed:
        err().print(
            f"hint: name the bank's CSV profile with --csv-profile NAME ({', '.join(profiles)})",
            markup=False,
            highlight=False,
        )
    if result.file_errors:
        raise typer.Exit(1)
