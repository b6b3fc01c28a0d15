"""A person's verdict on a dossier's findings, from the resolution note to the status it calls for."""

from __future__ import annotations

from datetime import date

from bots.document_check.config import DocumentCheckConfig
from bots.document_check.decide import decide_by_person
from bots.document_check.model import Dossier, PersonDecision, Status, Verdict
from rpa.findings import Finding, Severity
from rpa.resolutions import dossier_follow_up_payload, findings_note, follow_up_payload

NAME = Finding("NAME_MISMATCH", Severity.WARNING, "holder SARL, Kbis SAS", "rib.pdf", "holder")
SCAN = Finding("UNREADABLE", Severity.WARNING, "a scan without text", "kbis.pdf", "text_layer")
NOTE = Finding("FACTURX_SCHEMA_INVALID", Severity.INFO, "schema note", "facture.pdf")


def _payload(*findings: Finding) -> dict[str, object]:
    dossier = Dossier(
        dossier_id="DOS-1",
        attachments_hash="abc",
        files=(),
        findings=findings,
        verdict=Verdict(status=Status.REVIEW, comment="to review"),
        checked_on=date(2026, 11, 20),
    )
    return dossier.model_dump(mode="json")


def test_rejected_findings_are_overruled_and_the_rest_stand() -> None:
    cfg = DocumentCheckConfig()
    all_rejected = PersonDecision(rejected=("NAME_MISMATCH", "UNREADABLE"), comment="read by eye")
    verdict = decide_by_person([NAME, SCAN, NOTE], all_rejected, cfg)
    assert verdict == Verdict(status=Status.COMPLETE, comment="read by eye")

    one_stands = PersonDecision(accepted=("NAME_MISMATCH",), rejected=("UNREADABLE",), comment="another firm")
    verdict = decide_by_person([NAME, SCAN], one_stands, cfg)
    assert (verdict.status, verdict.reason) == (Status.INCOMPLETE, "inconsistent_documents")
    assert verdict.comment == "[NAME_MISMATCH] holder SARL, Kbis SAS | another firm"

    # Both stand (one named, one not): the weightiest reason of the two.
    verdict = decide_by_person([NAME, SCAN], PersonDecision(accepted=("NAME_MISMATCH",)), cfg)
    assert verdict.reason == "unreadable_document" and "[UNREADABLE]" in verdict.comment


def test_the_comment_stays_within_the_portal_limit() -> None:
    cfg = DocumentCheckConfig(comment_max=80)
    long = PersonDecision(accepted=("NAME_MISMATCH",), comment="x" * 300)
    assert len(decide_by_person([NAME], long, cfg).comment) == 80
    assert (
        len(
            decide_by_person(
                [NAME], PersonDecision(comment="y" * 300, rejected=("NAME_MISMATCH",)), cfg
            ).comment
        )
        == 80
    )


def test_a_findings_note_becomes_the_dossier_follow_up_item() -> None:
    payload = _payload(NAME, SCAN)
    note = findings_note({"NAME_MISMATCH": True, "UNREADABLE": False}, "holder is  another company")
    follow = dossier_follow_up_payload(payload, note)
    assert follow is not None
    assert follow["decision"] == {
        "accepted": ["NAME_MISMATCH"],
        "rejected": ["UNREADABLE"],
        "comment": "holder is another company",
    }
    dossier = Dossier.model_validate(follow)  # what the bot's next run reads
    assert dossier.decision == PersonDecision(
        accepted=("NAME_MISMATCH",), rejected=("UNREADABLE",), comment="holder is another company"
    )
    assert follow_up_payload(payload, note) is None  # not a bank line
    assert dossier_follow_up_payload(payload, "approved | send it") is None
    assert dossier_follow_up_payload(payload, "settled by phone") is None
    assert dossier_follow_up_payload({"line": {}}, note) is None
