"""A dossier reviewed: its files' findings, its verdict and the key that tells whether it changed. Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

from .checks import InvoiceIndex, check_dossier
from .config import DocumentCheckConfig
from .decide import decide
from .model import Dossier, DossierFile


def attachments_hash(files: Sequence[tuple[str, str]]) -> str:
    """A short hash over the (file name, content hash) pairs, in name order: any added, removed, renamed
    or changed file gives another one."""
    digest = hashlib.sha256()
    for name, sha256 in sorted(files):
        digest.update(f"{name}\0{sha256}\n".encode())
    return digest.hexdigest()[:16]


def review(
    dossier_id: str,
    files: Sequence[DossierFile],
    *,
    as_of: date,
    config: DocumentCheckConfig,
    index: InvoiceIndex | None = None,
    client: str = "",
) -> Dossier:
    """Check the dossier and decide its status; ``index`` carries the earlier dossiers' invoices."""
    findings = check_dossier(dossier_id, files, as_of=as_of, config=config, index=index)
    return Dossier(
        dossier_id=dossier_id,
        client=client,
        attachments_hash=attachments_hash([(f.filename, f.document.sha256) for f in files]),
        files=tuple(files),
        findings=tuple(findings),
        verdict=decide(findings, config),
        checked_on=as_of,
    )
