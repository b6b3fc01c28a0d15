"""Checking dossiers from files, without the portal: ``rpa documents check PATH... --out DIR``.

A folder is one dossier (its files, sorted by name); files given on their own are grouped by the folder
they are in. Every file is read in a worker process bounded in time and memory, so a hostile file
becomes an ``UNREADABLE`` finding and the others are still checked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rpa.documents.model import ExtractedDocument
from rpa.documents.read import read_documents
from rpa.errors import ConfigError

from .checks import InvoiceIndex
from .config import DocumentCheckConfig
from .model import Dossier, DossierFile, Status
from .report import write_documents_json, write_findings_csv, write_report
from .review import review

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class CheckSummary:
    dossiers: int
    files: int
    findings: int
    statuses: dict[str, int]
    out: Path


def gather(paths: Sequence[Path]) -> dict[str, list[Path]]:
    """Dossier name -> its files: each folder (searched recursively) is a dossier of the files directly in
    it; loose files go to the dossier named after their folder."""
    dossiers: dict[str, list[Path]] = {}
    for path in paths:
        if path.is_dir():
            for folder in sorted({path, *(p for p in path.rglob("*") if p.is_dir())}):
                files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
                if files:
                    dossiers.setdefault(folder.name or str(folder), []).extend(files)
        elif path.is_file():
            dossiers.setdefault(path.parent.name or ".", []).append(path)
        else:
            raise ConfigError(f"{path}: no such file or folder", code="PATH_NOT_FOUND")
    return dossiers


def read_files(
    paths: Sequence[Path], config: DocumentCheckConfig, on_done: Callable[[ExtractedDocument], None] | None
) -> list[ExtractedDocument]:
    return read_documents(
        paths,
        workers=config.read_workers,
        max_bytes=config.read_max_mb * MB,
        timeout_s=config.read_timeout_s,
        max_memory=config.read_memory_mb * MB,
        on_done=on_done,
    )


def check_paths(
    paths: Sequence[Path],
    out: Path,
    *,
    as_of: date,
    config: DocumentCheckConfig,
    on_done: Callable[[ExtractedDocument], None] | None = None,
) -> tuple[CheckSummary, list[Dossier]]:
    """Read and check every dossier under ``paths``; write findings.csv, documents.json and report.xlsx."""
    grouped = gather(paths)
    every = [p for files in grouped.values() for p in files]
    documents = dict(zip(every, read_files(every, config, on_done), strict=True))
    index = InvoiceIndex()
    dossiers = [
        review(
            name,
            [DossierFile(filename=p.name, document=documents[p]) for p in files],
            as_of=as_of,
            config=config,
            index=index,
        )
        for name, files in grouped.items()
    ]
    out.mkdir(parents=True, exist_ok=True)
    rows = write_findings_csv(out / "findings.csv", dossiers)
    write_documents_json(out / "documents.json", dossiers)
    write_report(out / "report.xlsx", dossiers)
    statuses = {s.value: sum(1 for d in dossiers if d.verdict.status is s) for s in Status}
    return CheckSummary(len(dossiers), len(every), rows, statuses, out), dossiers
