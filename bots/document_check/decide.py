"""From a dossier's findings to the status it calls for. Pure.

Any error: incomplete, with the weightiest reason among the errors' and a comment listing what the
client must fix. Warnings only: a person decides (the exception queue). Nothing: complete.
A person's decision (``decide_by_person``) overrules the findings they reject; the rest stand.
"""

from __future__ import annotations

from collections.abc import Sequence

from rpa.findings import Finding, Severity

from .config import DocumentCheckConfig
from .model import PersonDecision, Status, Verdict


def decide(findings: Sequence[Finding], config: DocumentCheckConfig) -> Verdict:
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        reasons = {config.reason_for(f.code) for f in errors}
        reason = next((r for r in config.reason_order if r in reasons), sorted(reasons)[0])
        return Verdict(status=Status.INCOMPLETE, reason=reason, comment=comment(errors, config.comment_max))
    warnings = [f for f in findings if f.severity is Severity.WARNING]
    if warnings:
        return Verdict(status=Status.REVIEW, comment=comment(warnings, config.comment_max))
    return Verdict(status=Status.COMPLETE)


def decide_by_person(
    findings: Sequence[Finding], decision: PersonDecision, config: DocumentCheckConfig
) -> Verdict:
    """The status a person's verdict calls for: the findings they rejected are overruled, every other
    one (accepted, or not named) stands. Any finding standing: incomplete, with the weightiest reason
    among the standing findings' and a comment listing them, then the person's comment. None: complete,
    with the person's comment."""
    rejected = set(decision.rejected)
    standing = [f for f in findings if f.severity is not Severity.INFO and f.code not in rejected]
    said = " ".join(decision.comment.split())
    if not standing:
        return Verdict(status=Status.COMPLETE, comment=_cut(said, config.comment_max))
    reasons = {config.reason_for(f.code) for f in standing}
    reason = next((r for r in config.reason_order if r in reasons), sorted(reasons)[0])
    tail = f" | {said}" if said else ""
    listed = comment(standing, max(config.comment_max - len(tail), config.comment_max // 2))
    return Verdict(status=Status.INCOMPLETE, reason=reason, comment=_cut(listed + tail, config.comment_max))


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def comment(findings: Sequence[Finding], limit: int) -> str:
    """The findings as one comment (code and message each), cut at ``limit`` characters with a count of
    what did not fit: the full list is in the report and the audit trail."""
    parts = [f"[{f.code}] {f.message}" for f in findings]
    text = ""
    for index, part in enumerate(parts):
        candidate = f"{text} | {part}" if text else part
        more = len(parts) - index - 1
        tail = f" (+{more} more)" if more else ""
        if len(candidate) + len(tail) > limit:
            rest = f" (+{len(parts) - index} more)"
            if not text:
                return part[: limit - len(rest) - 1] + "…" + rest
            return text + rest
        text = candidate
    return text
