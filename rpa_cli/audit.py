"""``rpa audit verify|export|prove|search|forget|checkpoint``: what auditors and operators run."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from rpa_cli import wiring
from rpa_cli.output import err, out

audit_app = typer.Typer(no_args_is_help=True, help="The audit trail: verify, export, prove, search, forget.")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@audit_app.command("verify")
def audit_verify(
    bundle: Annotated[
        Path | None, typer.Option(help="Verify an exported bundle instead of the database")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Check the chain, the Merkle roots against the signed checkpoints, their consistency proofs and the
    evidence files; name the first altered, removed, inserted or reordered event, or the rewritten span."""
    from rpa.audit.bundle import verify_bundle
    from rpa.audit.verify import verify_database

    if bundle is not None:
        report = verify_bundle(bundle)
        suffix = " (exported bundle)"
    else:
        report = verify_database(wiring.database(), wiring.settings())
        suffix = f", {report.checkpoints} signed checkpoint(s) match"
    if as_json:
        _print_json(report.as_dict())
    elif report.ok:
        out().print(report.render() + suffix, highlight=False)
    for warning in report.warnings:
        err().print(f"[yellow]warning[/yellow] {warning}")
    if not report.ok:
        if not as_json:
            err().print(report.render(), highlight=False)
        raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    out_dir: Annotated[Path, typer.Option("--out", help="A new, empty folder for the bundle")],
    start: Annotated[
        str | None, typer.Option("--from", help="First day (YYYY-MM-DD, UTC); default: the beginning")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day (YYYY-MM-DD, UTC); default: today")
    ] = None,
    with_evidence: Annotated[
        bool, typer.Option("--with-evidence", help="Copy the referenced evidence files")
    ] = False,
) -> None:
    """Write a bundle of the events of a date range that an auditor verifies with only the bundle."""
    from rpa.audit.bundle import today_utc, write_bundle

    first, last = _day(start, "--from") or date(1970, 1, 1), _day(end, "--to") or today_utc()
    result = write_bundle(
        wiring.database(),
        wiring.settings(),
        first,
        last,
        out_dir,
        with_evidence=with_evidence,
        actor="user:cli",
    )
    span = f" (seq {result['first_seq']}–{result['last_seq']})" if result["events"] else ""
    out().print(
        f"exported {result['events']} events{span}, {result['checkpoints']} signed checkpoint(s) and "
        f"{result['evidence_files']} evidence files to {out_dir}; "
        f"verify with: python3 {out_dir}/verify_bundle.py",
        highlight=False,
    )
    if result["evidence_missing"]:
        err().print(
            f"[yellow]{result['evidence_missing']} evidence file(s) referenced but not found[/yellow]"
        )


def _day(value: str | None, option: str) -> date | None:
    from rpa.errors import ConfigError

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"{option} {value!r}: not a date (YYYY-MM-DD)", code="BAD_DATE") from exc


@audit_app.command("prove")
def audit_prove(seq: Annotated[int, typer.Argument(help="The event's seq")]) -> None:
    """Print the inclusion proof (RFC 9162 audit path, JSON) of one event in the latest signed checkpoint."""
    from rpa.audit.proofs import prove_event

    _print_json(prove_event(wiring.database(), wiring.settings(), seq))


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign a checkpoint of the trail now (runs do it at their end and every N events / minutes)."""
    from rpa.audit.checkpoints import store_for
    from rpa.clock import utcnow

    cp = store_for(wiring.settings()).write_next(
        wiring.database(), "requested (rpa audit checkpoint)", utcnow()
    )
    if cp is None:
        out().print("nothing new to sign: the latest checkpoint covers every event")
        return
    out().print(f"signed checkpoint {cp.name}: {cp.size} events, Merkle root {cp.root}", highlight=False)


@audit_app.command("search")
def audit_search(
    actor: Annotated[str | None, typer.Option(help="e.g. user:alice or bot:invoice_matching/run:12")] = None,
    action: Annotated[str | None, typer.Option(help="An action, or a prefix ending with * (mail.*)")] = None,
    target: Annotated[str | None, typer.Option(help="A target id, or type:id")] = None,
    run: Annotated[int | None, typer.Option(help="Events of this run")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD, UTC)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD, UTC)")] = None,
    limit: Annotated[int, typer.Option(help="At most this many events (newest last)")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines")] = False,
) -> None:
    """Find events by actor, action, target, run and time (indexed)."""
    from rpa.audit.search import search_events

    events = search_events(
        wiring.database(),
        actor=actor,
        action=action,
        target=target,
        run_id=run,
        start=_day(start, "--from"),
        end=_day(end, "--to"),
        limit=limit,
    )
    if as_json:
        for e in events:
            typer.echo(json.dumps(e, ensure_ascii=False, default=str))
        return
    from rich.table import Table

    table = Table("seq", "ts", "actor", "action", "target", "outcome", "details")
    for e in events:
        table.add_row(
            str(e["seq"]), str(e["ts"]), str(e["actor"]), str(e["action"]),
            f"{e['target_type']}:{e['target_id']}", str(e["outcome"]),
            json.dumps(e["details"], ensure_ascii=False),
        )  # fmt: skip
    out().print(table)
    out().print(f"{len(events)} event(s)")


@audit_app.command("forget")
def audit_forget(
    subject: Annotated[str, typer.Argument(help="The data subject, e.g. customer:C042")],
    by: Annotated[str | None, typer.Option(help="On whose behalf, recorded beside your account")] = None,
) -> None:
    """Erase a data subject's key: their sealed personal values become unreadable; the trail verifies."""
    from rpa.audit.search import forget

    count = forget(wiring.database(), subject, wiring.actor(on_behalf_of=by))
    out().print(
        f"forgot {subject}: its key is erased, {count} sealed value(s) in the trail are now unreadable"
    )
