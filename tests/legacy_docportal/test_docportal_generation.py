"""The generated dossiers: reproducible from a seed, and every defect the ground truth names is really
in the files (read back with pdfplumber, pypdf and openpyxl, checked with independent arithmetic)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pdfplumber
import pytest
from defusedxml import ElementTree as SafeET
from pypdf import PdfReader

from legacy_apps.docportal import generate_dossiers, ground_truth, ground_truth_json
from legacy_apps.docportal.model import FINDING_CODES, Dossier

REPO = Path(__file__).resolve().parents[2]
REFERENCE_DAY = date(2026, 11, 20)
THREE_MONTHS_BEFORE = date(2026, 8, 20)
CII = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}

FINGERPRINT = """
import hashlib, sys
from legacy_apps.docportal import generate_dossiers, ground_truth_json
seed = int(sys.argv[1])
digest = hashlib.sha256(ground_truth_json(seed).encode())
for dossier in generate_dossiers(seed):
    for attachment in dossier.attachments:
        digest.update(attachment.filename.encode() + attachment.data)
print(digest.hexdigest())
"""


def fingerprint(seed: int) -> str:
    """What FINGERPRINT prints, computed in this process."""
    digest = hashlib.sha256(ground_truth_json(seed).encode())
    for dossier in generate_dossiers(seed):
        for attachment in dossier.attachments:
            digest.update(attachment.filename.encode() + attachment.data)
    return digest.hexdigest()


def fingerprint_in_subprocess(seed: int, hash_seed: str) -> str:
    """The same fingerprint from a fresh interpreter with another string-hash seed."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    command = [sys.executable, "-c", FINGERPRINT, str(seed)]
    return subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    return int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97 == 1


def money(text: str) -> Decimal:
    return Decimal(text.replace(" ", "").replace(",", "."))


AMOUNT = r"(-?[\d ]+,\d\d) €"


def invoice_figures(text: str) -> dict[str, object]:
    lines = [money(m.group(2)) for m in re.finditer(rf"^.+ \d+ {AMOUNT} {AMOUNT}$", text, re.MULTILINE)]
    return {
        "number": re.search(r"FACTURE N° (\S+)", text).group(1),
        "lines": lines,
        "ht": money(re.search(rf"Total HT {AMOUNT}", text).group(1)),
        "vat": money(re.search(rf"TVA [\d,]+ % {AMOUNT}", text).group(1)),
        "ttc": money(re.search(rf"Total TTC {AMOUNT}", text).group(1)),
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
    result: dict[tuple[str, str], str | None] = {}
    for dossier in dossiers:
        for attachment in dossier.attachments:
            if attachment.filename.endswith(".pdf"):
                try:
                    result[dossier.id, attachment.filename] = pdf_text(attachment.data)
                except Exception:
                    result[dossier.id, attachment.filename] = None
    return result


def flagged(truth: dict[str, dict], code: str) -> list[tuple[str, dict]]:
    return [
        (dossier_id, f) for dossier_id, entry in truth.items() for f in entry["findings"] if f["code"] == code
    ]


def test_same_seed_same_bytes_in_another_process_another_seed_other_dossiers() -> None:
    here = fingerprint(42)
    assert fingerprint_in_subprocess(42, "12345") == here
    assert ground_truth_json(7, 8) != ground_truth_json(42, 8)


def test_ground_truth_is_json_sorted_and_stable(truth: dict[str, dict]) -> None:
    assert list(truth) == sorted(truth)
    assert len(truth) == 30
    assert json.loads(ground_truth_json(42)) == truth
    assert ground_truth_json(42) == ground_truth_json(42)
    for entry in truth.values():
        assert entry["findings"] == sorted(
            entry["findings"], key=lambda f: (f["code"], f["document"], f["detail"])
        )
        assert entry["expected_status"] == ("incomplete" if entry["findings"] else "complete")
        assert (entry["expected_reason"] is None) == (not entry["findings"])


def test_every_defect_type_appears_and_half_the_dossiers_are_clean(truth: dict[str, dict]) -> None:
    codes = {f["code"] for entry in truth.values() for f in entry["findings"]}
    assert codes == set(FINDING_CODES)
    clean = [dossier_id for dossier_id, entry in truth.items() if entry["expected_status"] == "complete"]
    assert len(clean) == 15


def test_sixteen_dossiers_are_enough_for_every_defect_type() -> None:
    truth = ground_truth(3, dossiers=16)
    assert len(truth) == 16
    assert {f["code"] for entry in truth.values() for f in entry["findings"]} == set(FINDING_CODES)


def test_iban_on_the_rib_fails_mod97_exactly_where_flagged(truth: dict[str, dict], texts: dict) -> None:
    bad = {dossier_id for dossier_id, _ in flagged(truth, "IBAN_KEY_INVALID")}
    checked = 0
    for (dossier_id, filename), text in texts.items():
        if filename == "rib.pdf" and text:
            iban = re.search(r"IBAN : (FR[\d ]+)", text).group(1).strip()
            assert iban_ok(iban) == (dossier_id not in bad), (dossier_id, iban)
            checked += 1
    assert bad and checked >= 25


def test_siren_on_the_kbis_fails_luhn_exactly_where_flagged(truth: dict[str, dict], texts: dict) -> None:
    bad = {dossier_id for dossier_id, _ in flagged(truth, "SIREN_KEY_INVALID")}
    for (dossier_id, filename), text in texts.items():
        if filename == "kbis.pdf" and text:
            siren = re.search(r"numéro : ([\d ]{11}) R\.C\.S\.", text).group(1).replace(" ", "")
            siret = re.search(r"SIRET : (\d{14})", text).group(1)
            assert luhn_ok(siren) == (dossier_id not in bad), (dossier_id, siren)
            assert siret.startswith(siren) and luhn_ok(siret)
    assert bad


def test_kbis_older_than_three_months_exactly_where_flagged(truth: dict[str, dict], texts: dict) -> None:
    expired = {dossier_id for dossier_id, _ in flagged(truth, "KBIS_EXPIRED")}
    for (dossier_id, filename), text in texts.items():
        if filename == "kbis.pdf" and text:
            extract = datetime.strptime(
                re.search(r"à jour au (\d\d/\d\d/\d{4})", text).group(1), "%d/%m/%Y"
            ).date()
            assert (extract < THREE_MONTHS_BEFORE) == (dossier_id in expired), (dossier_id, extract)
            assert extract <= REFERENCE_DAY
    assert expired


def test_invoice_totals_add_up_except_where_flagged(truth: dict[str, dict], texts: dict) -> None:
    mismatched = {(d, f["document"]) for d, f in flagged(truth, "TOTALS_MISMATCH")}
    for key, text in texts.items():
        if key[1].startswith("facture-") and text:
            figures = invoice_figures(text)
            adds_up = (
                sum(figures["lines"]) == figures["ht"] and figures["ht"] + figures["vat"] == figures["ttc"]
            )
            assert adds_up == (key not in mismatched), (key, figures)
    assert mismatched


def test_mandatory_mentions_present_except_the_flagged_one(truth: dict[str, dict], texts: dict) -> None:
    missing = {(d, f["document"]): f["detail"] for d, f in flagged(truth, "MENTION_MISSING")}
    markers = {
        "SIREN": "SIREN :",
        "numéro de TVA intracommunautaire": "N° TVA intracommunautaire",
        "date d'échéance": "Date d'échéance",
    }
    for key, text in texts.items():
        if key[1].startswith("facture-") and text:
            absent = [mention for mention, marker in markers.items() if marker not in text]
            expected = [missing[key].rsplit(": ", 1)[1]] if key in missing else []
            assert absent == expected, key
    assert missing


def test_duplicate_invoice_numbers_exactly_where_flagged(truth: dict[str, dict], texts: dict) -> None:
    duplicated = {d for d, _ in flagged(truth, "INVOICE_DUPLICATE")}
    numbers: dict[str, list[str]] = {}
    for (dossier_id, filename), text in texts.items():
        if filename.startswith("facture-") and text:
            numbers.setdefault(dossier_id, []).append(invoice_figures(text)["number"])
    assert {d for d, found in numbers.items() if len(found) != len(set(found))} == duplicated
    assert duplicated


def test_unreadable_documents_yield_no_text(truth: dict[str, dict], texts: dict) -> None:
    unreadable = {(d, f["document"]) for d, f in flagged(truth, "DOCUMENT_UNREADABLE")}
    for key, text in texts.items():
        assert (not (text or "").strip()) == (key in unreadable), key
    assert unreadable


def test_missing_documents_are_absent_and_others_present(dossiers: tuple[Dossier, ...], truth: dict) -> None:
    for dossier in dossiers:
        kinds = {attachment.kind for attachment in dossier.attachments}
        missing = {f["document"] for f in truth[dossier.id]["findings"] if f["code"] == "DOCUMENT_MISSING"}
        assert kinds == {"kbis", "rib", "identity", "invoice", "financial"} - missing, dossier.id
    assert flagged(truth, "DOCUMENT_MISSING")


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
            has_due = root.find(".//ram:DueDateDateTime", namespaces=CII) is not None
            assert has_due == ("Date d'échéance" in text)
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
