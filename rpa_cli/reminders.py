"""``rpa reminders plan``: the payment reminders due, planned offline from an open-items file (no ERP)."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated

import typer

from rpa_cli import wiring
from rpa_cli.output import err, out

reminders_app = typer.Typer(help="Payment reminders (dunning): plan them offline.", no_args_is_help=True)
# An offline plan for another day is judged as if made at noon of that day: office hours are open then
# for customers in Europe, as they would be when the bot runs.
_PLANNED_AT = time(12, 0)


def register(app: typer.Typer) -> None:
    app.add_typer(reminders_app, name="reminders")


@reminders_app.command("plan")
def plan(
    open_items: Annotated[
        Path, typer.Option(help="Open items as CSV or XLSX (number, customer_id, ..., email, language)")
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for plan.csv and outbox/*.eml")],
    as_of: Annotated[
        str | None, typer.Option(help="Day the reminders are planned for (YYYY-MM-DD); default today")
    ] = None,
) -> None:
    """Decide each invoice's reminder and write plan.csv and the emails (outbox/*.eml); nothing is sent.

    Exit code 0 when every row was read, 1 when some rows were refused, 2 on unusable input.
    """
    from rich.table import Table

    from bots.client_reminders.config import ClientRemindersConfig
    from bots.client_reminders.offline import plan_files
    from rpa.clock import utcnow
    from rpa.config_files import load_bot_config
    from rpa.errors import ConfigError
    from rpa.findings import Severity

    s = wiring.settings()
    config = load_bot_config(s, "client_reminders", ClientRemindersConfig)
    now = utcnow()  # the edge: the one place the clock is read
    today = now.astimezone(s.tz).date()
    if as_of is None:
        day = today
    else:
        try:
            day = date.fromisoformat(as_of)
        except ValueError as exc:
            raise ConfigError(f"--as-of {as_of!r} is not a date; write YYYY-MM-DD") from exc
    if day != today:
        now = datetime.combine(day, _PLANNED_AT, tzinfo=s.tz)
    templates = s.config_path / "templates"
    if not (templates / "reminders").is_dir():
        raise ConfigError(
            f"no reminder templates in {templates / 'reminders'}; copy config/templates/ of the "
            "repository into the project's config folder"
        )
    result = plan_files(
        open_items, out_dir, config=config, templates=templates, sender=s.mail.sender, as_of=day, now=now
    )
    table = Table(title=f"reminders as of {day.isoformat()}", show_header=False)
    rows: list[tuple[str, object]] = [("invoices", result.invoices)]
    rows += [(action, result.actions.get(action, 0)) for action in ("send", "approve", "wait", "skip")]
    rows += [("emails", result.emails)]
    rows += [(f"claimed {currency}", f"{amount:,.2f}") for currency, amount in result.email_totals]
    rows += [("plan", result.plan_csv), ("outbox", result.outbox)]
    for label, value in rows:
        table.add_row(label, str(value))
    out().print(table)
    for finding in result.findings:
        colour = "yellow" if finding.severity is Severity.ERROR else "cyan"
        err().print(f"[{colour}]{finding.severity.value}[/{colour}] {finding}", markup=True, highlight=False)
    if any(f.severity is Severity.ERROR for f in result.findings):
        raise typer.Exit(1)
