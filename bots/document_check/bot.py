"""Orchestration of document_check: download every dossier, read and check its documents, set statuses.

``collect`` lists the portal's dossiers, downloads their attachments (each kept as evidence), reads them
in bounded worker processes and reviews each dossier (pure checks); a dossier waiting for review becomes
a work item keyed by its id and the hash of its attachments, so a changed dossier is checked again and
an unchanged one is not. Dossiers already decided are read too, as the originals duplicates are found
against. ``process`` records the checks and sets the status through the effect ledger (checked against
the portal first), or hands the dossier to a person. ``finalize`` writes findings.csv, documents.json
and report.xlsx.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from rpa.bot import Bot, RunContext, RunSummary, UiTarget
from rpa.documents.dates import parse_date
from rpa.errors import BusinessRuleError
from rpa.findings import Severity
from rpa.items import Item, NewItem

from .checks import InvoiceIndex
from .config import DocumentCheckConfig
from .decide import decide_by_person
from .model import Dossier, DossierFile, PersonDecision, Status, Verdict
from .offline import read_files
from .pages import DocPortal, DocsLogin, ListedDossier
from .report import write_documents_json, write_findings_csv, write_report
from .review import attachments_hash, review

Ctx = RunContext[DocumentCheckConfig, Dossier]
PENDING = "pending"
NEEDS_REVIEW = "DOSSIER_NEEDS_REVIEW"
ALREADY_DECIDED = "DOSSIER_DECIDED_BY_SOMEONE_ELSE"
CHANGED = "DOSSIER_CHANGED_SINCE_DECISION"


def _order(listed: ListedDossier) -> tuple[date, str]:
    return parse_date(listed.submitted) or date.max, listed.dossier_id


def collect(ctx: Ctx) -> list[NewItem[Dossier]]:
    cfg, today = ctx.config, ctx.today()
    portal = DocPortal(ctx.page(), ctx.app(cfg.app))
    listed = sorted(portal.dossiers(cfg.max_dossiers), key=_order)
    wanted = [d for d in listed if cfg.check_across_dossiers or d.status == PENDING]
    downloaded: dict[str, list[tuple[str, str | None, Any]]] = {}
    for entry in wanted:
        attachments = portal.attachments(entry.dossier_id)
        files = portal.download(entry.dossier_id, attachments, ctx.workdir / entry.dossier_id, ctx.evidence)
        downloaded[entry.dossier_id] = [
            (a.filename, a.declared_kind, f) for a, f in zip(attachments, files, strict=True)
        ]
        ctx.record(
            "docs.dossier.downloaded",
            "dossier",
            entry.dossier_id,
            details={"files": [a.filename for a in attachments], "portal_status": entry.status},
            evidence=[f.sha256 for f in files],
        )
    paths = [f.path for files in downloaded.values() for _, _, f in files]
    documents = dict(zip(paths, read_files(paths, cfg, None), strict=True))
    index = InvoiceIndex()
    items = []
    for entry in wanted:
        checked = [
            DossierFile(filename=name, declared_kind=kind, document=documents[f.path])
            for name, kind, f in downloaded[entry.dossier_id]
        ]
        dossier = review(entry.dossier_id, checked, as_of=today, config=cfg, index=index, client=entry.client)
        if entry.status == PENDING:
            items.append(NewItem(f"{dossier.dossier_id}:{dossier.attachments_hash}", dossier))
    return items


def process(ctx: Ctx, item: Item[Dossier]) -> dict[str, Any]:
    dossier = item.payload
    if dossier.decision is not None:
        return _carry_out_decision(ctx, item, dossier.decision)
    for file in dossier.files:
        found = [f for f in dossier.findings if f.source == file.filename]
        ctx.record(
            "doc.checked",
            "document",
            f"{dossier.dossier_id}/{file.filename}",
            outcome="findings" if any(f.severity is not Severity.INFO for f in found) else "clean",
            details={
                "document_type": file.document.document_type.value,
                "declared_kind": file.declared_kind,
                "source": file.document.source.value if file.document.source else None,
                "findings": [f"{f.code}:{f.severity.value}:{f.field}" for f in found],
            },
            evidence=[file.document.sha256] if file.document.sha256 else [],
        )
    ctx.record_findings(dossier.findings, action="doc.finding", target_type="document")
    verdict = dossier.verdict
    ctx.record(
        "dossier.decided",
        "dossier",
        dossier.dossier_id,
        outcome=verdict.status.value,
        details={"reason": verdict.reason, "codes": sorted({f.code for f in dossier.findings})},
    )
    if verdict.status is Status.REVIEW:
        raise BusinessRuleError(
            f"dossier {dossier.dossier_id} needs a person's judgement: {verdict.comment}",
            code=NEEDS_REVIEW,
            item_key=item.reference,
            details={
                "findings": [f.as_dict() for f in dossier.findings],
                "files": [f.filename for f in dossier.files],
                "evidence": [
                    {"kind": "document", "sha256": f.document.sha256, "path": f.filename}
                    for f in dossier.files
                    if f.document.sha256
                ],
            },
        )
    return _set_status(ctx, item, verdict)


def _carry_out_decision(ctx: Ctx, item: Item[Dossier], decision: PersonDecision) -> dict[str, Any]:
    """A person's verdict on the findings (the follow-up item of a resolved ``DOSSIER_NEEDS_REVIEW``):
    the status it calls for, set like any other, unless the dossier's files changed since they were
    checked (the new version is checked as a new item; the person's decision was about the old one)."""
    dossier, cfg = item.payload, ctx.config
    verdict = decide_by_person(dossier.findings, decision, cfg)
    ctx.record(
        "dossier.decided",
        "dossier",
        dossier.dossier_id,
        outcome=verdict.status.value,
        details={"reason": verdict.reason, "codes": sorted(_standing(dossier, decision))},
    )
    portal = DocPortal(ctx.page(), ctx.app(cfg.app))
    attachments = portal.attachments(dossier.dossier_id)
    files = portal.download(
        dossier.dossier_id, attachments, ctx.workdir / f"{dossier.dossier_id}-decided", ctx.evidence
    )
    now = attachments_hash([(a.filename, f.sha256) for a, f in zip(attachments, files, strict=True)])
    if now != dossier.attachments_hash:
        raise BusinessRuleError(
            f"the files of dossier {dossier.dossier_id} changed since a person decided on them; the "
            f"decision ({verdict.status.value}) was not carried out: a person looks at the new files",
            code=CHANGED,
            item_key=item.reference,
            details={"decided_on": dossier.attachments_hash, "now": now},
        )
    return _set_status(ctx, item, verdict)


def _standing(dossier: Dossier, decision: PersonDecision) -> set[str]:
    """The codes of the findings a person let stand (every one not rejected, notes aside)."""
    return {f.code for f in dossier.findings if f.severity is not Severity.INFO} - set(decision.rejected)


def _status_key(dossier: Dossier) -> str:
    return f"docs:status:{dossier.dossier_id}:{dossier.attachments_hash}"


def _set_status(ctx: Ctx, item: Item[Dossier], verdict: Verdict) -> dict[str, Any]:
    """The portal status through the effect ledger, checked against the portal first; a dossier someone
    else decided since it was listed goes to a person, never overwritten."""
    dossier, cfg = item.payload, ctx.config
    portal = DocPortal(ctx.page(), ctx.app(cfg.app))
    status, reason, comment = verdict.status.value, verdict.reason, verdict.comment

    def in_portal() -> dict[str, Any] | None:
        now = portal.status(dossier.dossier_id)
        if now.status == status and (now.reason or None) == reason:
            return {"status": now.status, "reason": now.reason, "by": now.updated_by}
        return None

    def set_status() -> dict[str, Any]:
        now = portal.status(dossier.dossier_id)  # the dossier page is open for the form
        if now.status == status and (now.reason or None) == reason:
            return {"status": status, "reason": reason, "already_in_portal": True}
        if now.status != PENDING:
            raise BusinessRuleError(
                f"dossier {dossier.dossier_id} was set to {now.status!r} by {now.updated_by!r} since it was "
                f"listed; the review says {status!r} ({reason or 'no reason'}): a person settles it",
                code=ALREADY_DECIDED,
                item_key=item.reference,
            )
        portal.set_status(dossier.dossier_id, status, reason, comment)
        return {"status": status, "reason": reason}

    outcome = ctx.effects.once(
        _status_key(dossier),
        set_status,
        check=in_portal,
        item_reference=item.reference,
        action="docs.status",
    )
    if outcome.performed and not outcome.result.get("already_in_portal"):
        ctx.record(
            "docs.status.set",
            "dossier",
            dossier.dossier_id,
            outcome=status,
            details={"reason": reason, "findings": len(dossier.errors)},
        )
    return {
        "status": status,
        "reason": reason,
        "findings": len(dossier.findings),
        "performed": outcome.performed,
        "dry_run": outcome.dry_run,
    }


def finalize(ctx: Ctx, summary: RunSummary) -> dict[str, Any]:
    dossiers = [row.payload for row in ctx.items.collected()]
    folder = ctx.report_dir
    folder.mkdir(parents=True, exist_ok=True)
    rows = write_findings_csv(folder / "findings.csv", dossiers)
    write_documents_json(folder / "documents.json", dossiers)
    write_report(folder / "report.xlsx", dossiers)
    ctx.record(
        "report.written",
        "report",
        str(folder / "report.xlsx"),
        evidence=[ctx.evidence.put_file(folder / name) for name in ("report.xlsx", "findings.csv")],
    )
    statuses = Counter(d.verdict.status.value for d in dossiers)
    codes = Counter(f.code for d in dossiers for f in d.findings if f.severity is not Severity.INFO)
    return {
        "report": str(folder / "report.xlsx"),
        "dossiers": len(dossiers),
        "complete": statuses[Status.COMPLETE.value],
        "incomplete": statuses[Status.INCOMPLETE.value],
        "review": statuses[Status.REVIEW.value],
        "findings": rows,
        "by_code": dict(sorted(codes.items())),
    }


BOT: Bot[DocumentCheckConfig, Dossier] = Bot(
    id="document_check",
    title="Dossier review",
    config_model=DocumentCheckConfig,
    collect=collect,
    process=process,
    finalize=finalize,
    payload_type=Dossier,
    lanes=1,
    uses_browser=True,
    ui=(UiTarget("docs", (DocPortal,), DocsLogin),),
    description="Reads every dossier's documents, checks them, sets the portal status or asks a person.",
)
