"""The generated dossiers: reproducible from a seed, every finding code planted, and every defect the
ground truth names really in the files (read back with pdfplumber, pypdf and openpyxl, checked with
independent arithmetic), with nothing else to find."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from defusedxml import ElementTree as SafeET
from docportal_reading import Observed, invoice_figures, observe, read_text
from pypdf import PdfReader

from legacy_apps.docportal import generate_dossiers, ground_truth, ground_truth_json
from legacy_apps.docportal.model import FINDING_CODES, REASON_FOR_FINDING, REASONS, Dossier

REPO = Path(__file__).resolve().parents[2]
REFERENCE_DAY = date(2026, 11, 20)
CII = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}

FINGERPRINT = """
import hashlib, sys
from legacy_apps.docportal import generate_dossiers, ground_truth_json
seed, count = int(sys.argv[1]), int(sys.argv[2])
digest = hashlib.sha256(ground_truth_json(seed, count).encode())
for dossier in generate_dossiers(seed, count):
    for attachment in dossier.attachments:
        digest.update(attachment.filename.encode() + attachment.data)
print(digest.hexdigest())
"""


def fingerprint(seed: int, count: int) -> str:
    """What FINGERPRINT prints, computed in this process."""
    digest = hashlib.sha256(ground_truth_json(seed, count).encode())
    for dossier in generate_dossiers(seed, count):
        for attachment in dossier.attachments:
            digest.update(attachment.filename.encode() + attachment.data)
    return digest.hexdigest()


def fingerprint_in_subprocess(seed: int, count: int, hash_seed: str) -> str:
    """The same fingerprint from a fresh interpreter with another string-hash seed."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    command = [sys.executable, "-c", FINGERPRINT, str(seed), str(count)]
    return subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def truth_keys(truth: dict[str, dict], severity: str) -> set[tuple[str, str, str]]:
    return {
        (dossier_id, f["document"], f["code"])
        for dossier_id, entry in truth.items()
        for f in entry["findings"]
        if f["severity"] == severity
    }


def texts_of(dossiers: tuple[Dossier, ...]) -> dict[tuple[str, str], str | None]:
    return {
        (dossier.id, attachment.filename): read_text(attachment.data)
        for dossier in dossiers
        for attachment in dossier.attachments
        if attachment.filename.endswith(".pdf")
    }


@pytest.fixture(scope="module")
def dossiers() -> tuple[Dossier, ...]:
    return generate_dossiers(42)


@pytest.fixture(scope="module")
def truth() -> dict[str, dict]:
    return ground_truth(42)


@pytest.fixture(scope="module")
def texts(dossiers: tuple[Dossier, ...]) -> dict[tuple[str, str], str | None]:
    """Text of every PDF attachment, None when pdfplumber cannot open it."""
    return texts_of(dossiers)


def flagged(truth: dict[str, dict], code: str) -> list[tuple[str, dict]]:
    return [
        (dossier_id, f) for dossier_id, entry in truth.items() for f in entry["findings"] if f["code"] == code
    ]


def test_same_seed_same_bytes_in_another_process_another_seed_other_dossiers() -> None:
    assert fingerprint_in_subprocess(42, 30, "12345") == fingerprint(42, 30)
    assert fingerprint_in_subprocess(5, 60, "777") == fingerprint(5, 60)
    assert ground_truth_json(7, 8) != ground_truth_json(42, 8)


def test_sixty_dossiers_generate_in_a_few_seconds() -> None:
    started = time.perf_counter()
    generate_dossiers(1234, 60)
    assert time.perf_counter() - started < 10  # about 1 s on a laptop; generous for a busy CI machine


def test_ground_truth_is_json_sorted_and_stable(truth: dict[str, dict]) -> None:
    assert list(truth) == sorted(truth)
    assert len(truth) == 30
    assert json.loads(ground_truth_json(42)) == truth
    assert ground_truth_json(42) == ground_truth_json(42)
    for entry in truth.values():
        assert entry["findings"] == sorted(
            entry["findings"], key=lambda f: (f["code"], f["document"], f["detail"])
        )
        severities = {f["severity"] for f in entry["findings"]}
        assert severities <= {"error", "warning"}
        expected = "incomplete" if "error" in severities else "needs_review" if severities else "complete"
        assert entry["expected_status"] == expected
        assert (entry["expected_reason"] is None) == (expected != "incomplete")
        assert set(entry["acceptable_reasons"]) <= set(REASONS)
        for finding in entry["findings"]:
            assert finding["code"] in FINDING_CODES and finding["detail"]
            assert REASON_FOR_FINDING[finding["code"]] in REASONS
            if finding["code"] != "MISSING_DOCUMENT":
                assert finding["document"] in entry["documents"]


def test_every_code_appears_for_thirty_dossiers_of_any_seed() -> None:
    for seed in (42, 1, 2, 3, 4, 5):
        truth = ground_truth(seed)
        codes = Counter(f["code"] for entry in truth.values() for f in entry["findings"])
        assert set(codes) == set(FINDING_CODES), (seed, codes)
        statuses = Counter(entry["expected_status"] for entry in truth.values())
        assert statuses["complete"] == 13 and statuses["needs_review"] >= 1, (seed, statuses)
        assert sum(1 for entry in truth.values() if entry["benign"]) == 1
        assert sum(1 for entry in truth.values() if entry["resubmission_of"]) >= 1


def test_small_counts_work_and_resubmissions_follow_a_clean_dossier_of_the_client() -> None:
    for count in (1, 2, 3, 5, 16, 60):
        truth = ground_truth(3, dossiers=count)
        assert len(truth) == count
        for dossier_id, entry in truth.items():
            earlier = entry["resubmission_of"]
            if earlier:
                assert earlier < dossier_id and truth[earlier]["findings"] == []
                assert truth[earlier]["client"] == entry["client"]
                assert truth[earlier]["siren"] == entry["siren"]
                assert truth[earlier]["submitted_on"] <= entry["submitted_on"]


def check_documents_show_exactly_the_truth(
    dossiers: tuple[Dossier, ...], truth: dict, texts: dict
) -> Observed:
    observed = observe(dossiers, texts, REFERENCE_DAY)
    assert observed.errors == truth_keys(truth, "error")
    assert observed.warnings == truth_keys(truth, "warning")
    benign = {(d, b["document"], b["code"]) for d, entry in truth.items() for b in entry["benign"]}
    assert observed.benign == benign
    return observed


def test_documents_show_exactly_the_findings_of_the_truth(
    dossiers: tuple[Dossier, ...], truth: dict, texts: dict
) -> None:
    observed = check_documents_show_exactly_the_truth(dossiers, truth, texts)
    assert {code for _, _, code in observed.errors | observed.warnings} == set(FINDING_CODES)


def test_sixty_dossiers_of_another_seed_show_exactly_their_truth() -> None:
    dossiers = generate_dossiers(5, 60)
    check_documents_show_exactly_the_truth(dossiers, ground_truth(5, 60), texts_of(dossiers))


def test_facturx_invoices_embed_cii_xml_matching_the_print(
    dossiers: tuple[Dossier, ...], texts: dict
) -> None:
    embedded = 0
    for dossier in dossiers:
        for attachment in dossier.attachments:
            text = texts.get((dossier.id, attachment.filename))
            if not attachment.filename.startswith("facture-") or not text:
                continue
            attachments = PdfReader(io.BytesIO(attachment.data)).attachments
            if "Factur-X" not in text:
                assert "factur-x.xml" not in attachments
                continue
            embedded += 1
            root = SafeET.fromstring(attachments["factur-x.xml"][0])
            figures = invoice_figures(text)
            assert root.findtext(
                ".//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", namespaces=CII
            ).startswith("urn:cen.eu:en16931:2017")
            assert root.findtext("{*}ExchangedDocument/ram:ID", namespaces=CII) == figures["number"]
            assert Decimal(root.findtext(".//ram:GrandTotalAmount", namespaces=CII)) == figures["ttc"]
            assert Decimal(root.findtext(".//ram:TaxBasisTotalAmount", namespaces=CII)) == figures["ht"]
            assert Decimal(root.findtext(".//ram:TaxTotalAmount", namespaces=CII)) == figures["vat"]
            has_due = root.find(".//ram:DueDateDateTime", namespaces=CII) is not None
            assert has_due == ("Date d'échéance" in text)
            seller = root.find(".//ram:SellerTradeParty", namespaces=CII)
            assert seller.findtext("ram:Name", namespaces=CII) == text.splitlines()[0]
            vat = seller.findtext("ram:SpecifiedTaxRegistration/ram:ID", namespaces=CII)
            assert (vat is None) == ("N° TVA intracommunautaire" not in text)
            assert vat is None or f"N° TVA intracommunautaire : {vat}" in text
            siren = seller.findtext("ram:SpecifiedLegalOrganization/ram:ID", namespaces=CII)
            assert siren is None or f"{siren[:3]} {siren[3:6]} {siren[6:]}" in text
            notes = {
                note.findtext("ram:SubjectCode", namespaces=CII): note.findtext("ram:Content", namespaces=CII)
                for note in root.iterfind(".//ram:IncludedNote", namespaces=CII)
            }
            assert ("PMD" in notes) == ("Pénalités de retard" in text)
            assert ("PMT" in notes) == ("40 €" in text)
            assert all(content in text for content in notes.values())
            buyer = root.find(".//ram:BuyerTradeParty", namespaces=CII)
            assert buyer.findtext(".//ram:LineOne", namespaces=CII) in text
    assert embedded >= 5


def test_spreadsheets_open_and_balance_sheets_balance(dossiers: tuple[Dossier, ...]) -> None:
    seen = set()
    for dossier in dossiers:
        for attachment in dossier.attachments:
            if attachment.filename.endswith(".xlsx"):
                workbook = openpyxl.load_workbook(io.BytesIO(attachment.data))
                sheet = workbook.active
                seen.add(sheet.title)
                assert workbook.properties.modified == datetime(2026, 1, 1, 8, 0)
                if sheet.title == "Bilan":
                    totals = [
                        row[1] for row in sheet.iter_rows(values_only=True) if str(row[0]).startswith("Total")
                    ]
                    assert len(totals) == 2 and totals[0] == totals[1], dossier.id
    assert seen == {"Bilan", "Bulletin"}


def test_missing_documents_are_absent_and_others_present(dossiers: tuple[Dossier, ...], truth: dict) -> None:
    for dossier in dossiers:
        kinds = {attachment.kind for attachment in dossier.attachments}
        missing = {f["document"] for f in truth[dossier.id]["findings"] if f["code"] == "MISSING_DOCUMENT"}
        assert kinds == {"kbis", "rib", "identity", "invoice", "financial"} - missing, dossier.id
    assert flagged(truth, "MISSING_DOCUMENT")
