"""``rpa legacy serve|seed|score``: the simulated legacy applications, for the demo and tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from rpa_cli.output import out

legacy_app = typer.Typer(no_args_is_help=True, help="The simulated legacy applications (demo and tests).")


def register(app: typer.Typer) -> None:
    app.add_typer(legacy_app, name="legacy")


def _day(text: str | None) -> date:
    """``--today`` as a date; the generated data's fixed day when not given (same seed, same bytes)."""
    from legacy_apps.world.generate import DEFAULT_TODAY
    from rpa.errors import ConfigError

    if text is None:
        return DEFAULT_TODAY
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--today {text!r} is not a date (YYYY-MM-DD)", code="CLI_BAD_DATE") from None


@legacy_app.command("serve")
def legacy_serve(
    seed: Annotated[int, typer.Option(help="Seed of the generated data")] = 42,
    faults: Annotated[
        str, typer.Option(help="none | slow | flaky | expiry | maintenance | changed_layout")
    ] = "none",
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 8700,
    lines: Annotated[int, typer.Option(help="Bank lines in the generated statements")] = 200,
    smtp_port: Annotated[int, typer.Option(help="SMTP port of the local mailbox on 127.0.0.1")] = 8725,
    today: Annotated[
        str | None, typer.Option(help="The apps' today (YYYY-MM-DD): statements end, dossiers are reviewed")
    ] = None,
) -> None:
    """Serve the ERP (/erp), bank portal (/bank), document portal (/docs) and mailbox (/mail, SMTP) in the
    foreground."""
    from legacy_apps.server import serve

    out().print(
        f"legacy applications on http://127.0.0.1:{port}/ (erp, bank, docs, mail); seed {seed},"
        f" faults {faults}"
    )
    out().print(f"mailbox receiving SMTP on 127.0.0.1:{smtp_port}, read at http://127.0.0.1:{port}/mail/")
    serve(host="127.0.0.1", port=port, seed=seed, faults=faults, lines=lines, smtp_port=smtp_port,
          today=_day(today))  # fmt: skip


@legacy_app.command("seed")
def legacy_seed(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for ground truth, statements, open items")],
    seed: Annotated[int, typer.Option(help="Seed of the generated data")] = 42,
    lines: Annotated[int, typer.Option(help="Bank lines in the generated statements")] = 200,
    today: Annotated[str | None, typer.Option(help="The apps' today (YYYY-MM-DD), as given to serve")] = None,
) -> None:
    """Write a seed's ground truth (deterministic: same seed, same bytes), statements and open items."""
    from legacy_apps.truth import write_ground_truth

    path = write_ground_truth(seed, out_dir, lines=lines, today=_day(today))
    out().print(f"ground truth written to {path}")


@legacy_app.command("score")
def legacy_score(
    truth: Annotated[Path, typer.Option(help="ground_truth.json or the folder holding it")],
    url: Annotated[
        str, typer.Option(help="Base URL of the running legacy applications")
    ] = "http://127.0.0.1:8700",
) -> None:
    """Compare what the bots did in the applications with the ground truth (precision, recall, duplicates)."""
    from legacy_apps.scoring import score

    out().print_json(data=score(truth, url))
