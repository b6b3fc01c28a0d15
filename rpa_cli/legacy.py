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


def _profile(name: str) -> str:
    from legacy_apps.faults import PROFILES
    from rpa.errors import ConfigError

    if name not in PROFILES:
        raise ConfigError(
            f"--faults {name!r} is not a fault profile; choose one of {', '.join(PROFILES)}",
            code="CLI_BAD_FAULTS",
        )
    return name


def _new_folder(path: Path, option: str = "--out") -> Path:
    from rpa.errors import ConfigError

    if path.exists() and not path.is_dir():
        raise ConfigError(f"{option} {path} is a file, not a folder", code="CLI_BAD_OUT")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"{option} {path}: cannot create it ({exc.strerror or exc})", code="CLI_BAD_OUT"
        ) from exc
    return path


def _base_url(url: str) -> str:
    from urllib.parse import urlsplit

    from rpa.errors import ConfigError

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"--url {url!r} is not an http(s) URL (e.g. http://127.0.0.1:8700)", code="CLI_BAD_URL"
        )
    return url


LINES_HELP = "Bank lines in the generated statements"


@legacy_app.command("serve")
def legacy_serve(
    seed: Annotated[int, typer.Option(help="Seed of the generated data")] = 42,
    faults: Annotated[
        str, typer.Option(help="none | slow | flaky | expiry | maintenance | changed_layout")
    ] = "none",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port on 127.0.0.1")] = 8700,
    lines: Annotated[int, typer.Option(min=1, max=100_000, help=LINES_HELP)] = 200,
    smtp_port: Annotated[
        int, typer.Option(min=1, max=65535, help="SMTP port of the local mailbox on 127.0.0.1")
    ] = 8725,
    today: Annotated[
        str | None, typer.Option(help="The apps' today (YYYY-MM-DD): statements end, dossiers are reviewed")
    ] = None,
) -> None:
    """Serve the ERP (/erp), bank portal (/bank), document portal (/docs) and mailbox (/mail, SMTP) in the
    foreground."""
    from legacy_apps.server import serve

    faults = _profile(faults)
    day = _day(today)
    out().print(
        f"legacy applications on http://127.0.0.1:{port}/ (erp, bank, docs, mail); seed {seed},"
        f" faults {faults}"
    )
    out().print(f"mailbox receiving SMTP on 127.0.0.1:{smtp_port}, read at http://127.0.0.1:{port}/mail/")
    try:
        serve(host="127.0.0.1", port=port, seed=seed, faults=faults, lines=lines, smtp_port=smtp_port,
              today=day)  # fmt: skip
    except OSError as exc:  # the port is taken, or not ours to bind
        from rpa.errors import ConfigError

        raise ConfigError(
            f"cannot serve on 127.0.0.1:{port} / SMTP {smtp_port}: {exc.strerror or exc}",
            code="CLI_PORT_UNAVAILABLE",
        ) from exc


@legacy_app.command("seed")
def legacy_seed(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for ground truth, statements, open items")],
    seed: Annotated[int, typer.Option(help="Seed of the generated data")] = 42,
    lines: Annotated[int, typer.Option(min=1, max=100_000, help=LINES_HELP)] = 200,
    today: Annotated[str | None, typer.Option(help="The apps' today (YYYY-MM-DD), as given to serve")] = None,
) -> None:
    """Write a seed's ground truth (deterministic: same seed, same bytes), statements and open items."""
    from legacy_apps.truth import write_ground_truth

    day = _day(today)
    path = write_ground_truth(seed, _new_folder(out_dir), lines=lines, today=day)
    out().print(f"ground truth written to {path}")


@legacy_app.command("score")
def legacy_score(
    truth: Annotated[Path, typer.Option(help="ground_truth.json or the folder holding it")],
    url: Annotated[
        str, typer.Option(help="Base URL of the running legacy applications")
    ] = "http://127.0.0.1:8700",
) -> None:
    """Compare what the bots did in the applications with the ground truth (precision, recall, duplicates)."""
    import httpx

    from legacy_apps.scoring import score
    from rpa.errors import ConfigError

    url = _base_url(url)
    found = truth / "ground_truth.json" if truth.is_dir() else truth
    if not found.is_file():
        raise ConfigError(
            f"--truth {truth}: no ground_truth.json there (`rpa legacy seed` writes it)", code="CLI_BAD_TRUTH"
        )
    try:
        figures = score(truth, url)
    except httpx.HTTPError as exc:
        raise ConfigError(
            f"--url {url}: cannot read the legacy applications' records ({type(exc).__name__}: {exc}); "
            "is `rpa legacy serve` running there?",
            code="LEGACY_APPS_UNREACHABLE",
        ) from exc
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"--truth {found}: not a ground truth file ({exc})", code="CLI_BAD_TRUTH") from exc
    out().print_json(data=figures)
