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
) -> None:
    """Match bank lines against open items offline (no ERP): decisions.csv and report.xlsx for analysts."""
    from rich.table import Table

    from bots.invoice_matching.config import InvoiceMatchingConfig
    from bots.invoice_matching.offline import reconcile_files
    from rpa.clock import utcnow
    from rpa.config_files import load_bot_config

    s = wiring.settings()
    config = load_bot_config(s, "invoice_matching", InvoiceMatchingConfig)
    result = reconcile_files(
        statements, open_items, out_dir, config=config, today=utcnow().astimezone(s.tz).date()
    )
    table = Table(title="reconciliation", show_header=False)
    for label, value in (("statements", result.statements), ("lines", result.lines), ("auto", result.auto),
                         ("suggested", result.suggested), ("exceptions", result.exceptions),
                         ("match rate", f"{result.match_rate:.1%}"), ("decisions", result.decisions_csv),
                         ("report", result.report_xlsx)):  # fmt: skip
        table.add_row(label, str(value))
    out().print(table)
    for problem in (*result.file_errors, *result.item_errors):
        err().print(f"[yellow]problem[/yellow] {problem}", markup=True, highlight=False)
    if result.file_errors and not result.lines:
        raise typer.Exit(1)
