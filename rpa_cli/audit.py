"""``rpa audit verify|export``: what auditors run against the trail, or an exported bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rpa_cli import wiring
from rpa_cli.output import err, out

audit_app = typer.Typer(no_args_is_help=True, help="The audit trail: verify and export.")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    bundle: Annotated[
        Path | None, typer.Option(help="Verify an exported bundle instead of the database")
    ] = None,
) -> None:
    """Walk the hash chain and the signed checkpoints; name the first altered, removed or reordered event."""
    from rpa.audit.checkpoints import CheckpointStore
    from rpa.audit.export import verify_bundle
    from rpa.audit.verify import verify_chain
    from rpa.errors import AuditIntegrityError

    if bundle is not None:
        try:
            report = verify_bundle(bundle)
        except AuditIntegrityError as exc:
            err().print(f"[red]FAILED[/red]: {exc.message}")
            raise typer.Exit(1) from exc
        if not report.ok:
            err().print(report.render())
            raise typer.Exit(1)
        out().print(report.render() + " (exported bundle)")
        return
    s, db = wiring.settings(), wiring.database()
    try:
        checkpoints = CheckpointStore(s.audit_path, s.audit.signing_key).load()
    except AuditIntegrityError as exc:
        err().print(f"[red]FAILED[/red]: {exc.message}")
        raise typer.Exit(1) from exc
    with db.read() as sess:
        report = verify_chain(sess, checkpoints)
    if report.ok:
        out().print(report.render() + f", {len(checkpoints)} signed checkpoint(s) match")
        return
    err().print(report.render())
    raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    out_dir: Annotated[Path, typer.Option("--out", help="A new, empty folder for the bundle")],
) -> None:
    """Write the trail, signed checkpoints, public key and evidence files into a bundle for auditors."""
    from rpa.audit.checkpoints import CheckpointStore
    from rpa.audit.export import export_bundle
    from rpa.audit.trail import AuditTrail

    s, db = wiring.settings(), wiring.database()
    store = CheckpointStore(s.audit_path, s.audit.signing_key)
    store.public_key()  # make sure an auditor gets the key even before the first checkpoint
    counts = export_bundle(db, s.audit_path, out_dir, store)
    with db.transaction() as sess:
        AuditTrail("user:cli").record(sess, "audit.exported", "bundle", str(out_dir), details=counts)
    out().print(
        f"exported {counts['events']} events and {counts['evidence_files']} evidence files to {out_dir}"
    )
    if counts["evidence_missing"]:
        err().print(
            f"[yellow]{counts['evidence_missing']} evidence file(s) referenced but not found[/yellow]"
        )
