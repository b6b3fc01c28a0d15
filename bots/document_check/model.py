"""The dossier review's records: a dossier's files as read, its findings, and the status they call for."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from rpa.documents.model import ExtractedDocument
from rpa.findings import Finding, Severity


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DossierFile(_Frozen):
    """One attachment: its name, the type the depositor declared (when the portal says), how it read."""

    filename: str
    declared_kind: str | None = None
    document: ExtractedDocument


class Status(StrEnum):
    COMPLETE = "complete"  # nothing wrong: the portal status is set to complete
    INCOMPLETE = "incomplete"  # something certainly wrong: set with the weightiest reason and a comment
    REVIEW = "review"  # only findings that need judgement: a person decides (exception queue)


class Verdict(_Frozen):
    status: Status
    reason: str | None = None  # the portal reason of an incomplete dossier
    comment: str = ""  # what the client must do, within the portal's comment limit

    @property
    def portal_status(self) -> str | None:
        """The status to write in the portal; None when a person decides."""
        return None if self.status is Status.REVIEW else self.status.value


class PersonDecision(_Frozen):
    """A person's verdict on a dossier's findings (the ``findings ...`` resolution note): each code
    accepted (the finding stands) or rejected (overruled); a code not named stands."""

    accepted: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()
    comment: str = ""


class Dossier(_Frozen):
    """A dossier as checked: the work item's payload (with ``decision`` when a person has decided it,
    the follow-up item that carries the decision out)."""

    dossier_id: str
    client: str = ""
    attachments_hash: str  # over the files' names and hashes: a changed dossier is a new work item
    files: tuple[DossierFile, ...]
    findings: tuple[Finding, ...]
    verdict: Verdict
    checked_on: date
    decision: PersonDecision | None = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    def file(self, filename: str) -> DossierFile | None:
        return next((f for f in self.files if f.filename == filename), None)
