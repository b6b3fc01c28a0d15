"""What a dossier review writes: ``findings.csv`` (one row per finding), ``documents.json`` (each file's
type and fields, with where they were read from) and ``report.xlsx`` (dossiers and findings, for people).

Cells coming from documents are neutralised against formula injection in the CSV and the workbook.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from rpa.documents.excel import neutralize, safe_row

from .model import Dossier

FINDINGS_HEADER = ("dossier", "file", "document_type", "code", "severity", "field", "message")


def finding_rows(dossiers: Sequence[Dossier]) -> list[tuple[str, str, str, str, str, str, str]]:
    rows = []
    for dossier in dossiers:
        for finding in dossier.findings:
            file = dossier.file(finding.source)
            kind = file.document.document_type.value if file else ""
            rows.append(
                (
                    dossier.dossier_id,
                    finding.source,
                    kind,
                    finding.code,
                    finding.severity.value,
                    finding.field,
                    finding.message,
                )
            )
    return rows


def write_findings_csv(path: Path, dossiers: Sequence[Dossier]) -> int:
    """One row per finding (a clean dossier has none); returns the number of rows."""
    rows = finding_rows(dossiers)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FINDINGS_HEADER)
        for row in rows:
            writer.writerow([neutralize(cell) for cell in row])
    return len(rows)


def documents_document(dossiers: Sequence[Dossier]) -> dict[str, Any]:
    """Per dossier: its verdict and, per file, its type, the source of its fields and the fields."""
    return {
        "dossiers": [
            {
                "dossier": dossier.dossier_id,
                "client": dossier.client,
                "status": dossier.verdict.status.value,
                "reason": dossier.verdict.reason,
                "attachments_hash": dossier.attachments_hash,
                "files": [
                    {
                        "file": file.filename,
                        "declared_kind": file.declared_kind,
                        "sha256": file.document.sha256,
                        "document_type": file.document.document_type.value,
                        "source": file.document.source.value if file.document.source else None,
                        "readable": file.document.readable,
                        "fields": file.document.fields.model_dump(mode="json", exclude_none=True),
                    }
                    for file in dossier.files
                ],
            }
            for dossier in dossiers
        ]
    }


def write_documents_json(path: Path, dossiers: Sequence[Dossier]) -> None:
    text = json.dumps(documents_document(dossiers), indent=2, ensure_ascii=False, sort_keys=False)
    path.write_text(text + "\n", encoding="utf-8")


def write_report(path: Path, dossiers: Sequence[Dossier]) -> None:
    """A workbook with a Dossiers sheet (status, reason, counts) and a Findings sheet."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = "Dossiers"
    sheet.append(["dossier", "client", "status", "reason", "files", "errors", "warnings", "comment"])
    for dossier in dossiers:
        counts = {s: sum(1 for f in dossier.findings if f.severity.value == s) for s in ("error", "warning")}
        sheet.append(
            safe_row(
                [
                    dossier.dossier_id,
                    dossier.client,
                    dossier.verdict.status.value,
                    dossier.verdict.reason,
                    len(dossier.files),
                    counts["error"],
                    counts["warning"],
                    dossier.verdict.comment,
                ]
            )
        )
    findings = book.create_sheet("Findings")
    findings.append(list(FINDINGS_HEADER))
    for row in finding_rows(dossiers):
        findings.append(safe_row(row))
    for ws in (sheet, findings):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    book.save(path)
