"""Each planted defect, over five seeds of sixty dossiers: the value the truth's detail quotes is the one
printed in the document it names, every variant of a code is planted somewhere, and the fields and
severities are the documented ones."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache

import pytest
from docportal_reading import pdf_text as read_pdf

from legacy_apps.docportal import generate_dossiers, ground_truth
from legacy_apps.docportal.model import Dossier

SEEDS = (1, 2, 3, 4, 5)
COUNT = 60
pdf_text = lru_cache(maxsize=None)(read_pdf)  # the same files are read by several tests
FIELDS = {
    "IBAN_INVALID": {"iban"},
    "BIC_INVALID": {"bic"},
    "SIREN_INVALID": {"siren"},
    "SIRET_INVALID": {"siret"},
    "VAT_NUMBER_INVALID": {"vat_number"},
    "TOTALS_MISMATCH": {"total_net", "total_vat", "total_gross"},
    "MISSING_MENTION": {"siren", "vat_number", "due_date", "penalty_rate", "recovery_indemnity"},
    "DOCUMENT_EXPIRED": {"extract_date", "expiry_date"},
    "DUPLICATE_INVOICE": {"sha256", "number"},
    "NAME_MISMATCH": {"holder", "seller_name"},
    "IDENTIFIER_MISMATCH": {"siren"},
    "MISSING_DOCUMENT": {None},
    "UNREADABLE": {None, "text_layer"},
}


@pytest.fixture(scope="module")
def corpus() -> list[tuple[dict[str, Dossier], str, dict]]:
    """(dossiers by id, dossier id, finding) for every finding of the five seeds."""
    rows = []
    for seed in SEEDS:
        dossiers = {d.id: d for d in generate_dossiers(seed, COUNT)}
        for dossier_id, entry in ground_truth(seed, COUNT).items():
            rows.extend((dossiers, dossier_id, finding) for finding in entry["findings"])
    return rows


def findings(corpus: list, code: str) -> Iterator[tuple[dict[str, Dossier], Dossier, dict, str]]:
    """(dossiers, dossier, finding, text of the named document) for each finding of ``code``."""
    for dossiers, dossier_id, finding in corpus:
        if finding["code"] == code:
            dossier = dossiers[dossier_id]
            attachment = dossier.attachment(finding["document"])
            text = pdf_text(attachment.data) if attachment and attachment.filename.endswith(".pdf") else ""
            yield dossiers, dossier, finding, text


def quoted(detail: str) -> str:
    return re.search(r"« (.+?) »", detail).group(1)


def test_fields_and_severities_are_the_documented_ones(corpus: list) -> None:
    seen: dict[str, set] = defaultdict(set)
    for _, _, finding in corpus:
        seen[finding["code"]].add(finding.get("field"))
        warning = finding["severity"] == "warning"
        judgement = (finding["code"] == "NAME_MISMATCH" and "forme juridique" in finding["detail"]) or (
            finding["code"] == "UNREADABLE" and finding.get("field") == "text_layer"
        )
        assert warning == judgement, finding
    assert dict(seen) == FIELDS  # every variant of every code is planted somewhere in five seeds


def test_wrong_iban_and_bic_are_printed_on_the_rib(corpus: list) -> None:
    for _, _, finding, text in findings(corpus, "IBAN_INVALID"):
        iban = re.search(r"IBAN (FR[\d ]+?) :", finding["detail"]).group(1)
        assert f"IBAN : {iban}" in text
        if "clé RIB" in finding["detail"]:
            rib_key = re.search(r"clé RIB (\d\d) invalide", finding["detail"]).group(1)
            assert f"Clé RIB : {rib_key}" in text
    for _, _, finding, text in findings(corpus, "BIC_INVALID"):
        bic = re.search(r"BIC (\S+) :", finding["detail"]).group(1)
        assert finding["document"] == "rib.pdf" and f"BIC : {bic}\n" in text + "\n"


def test_wrong_siren_siret_and_vat_numbers_are_printed_where_named(corpus: list) -> None:
    for _, _, finding, text in findings(corpus, "SIREN_INVALID"):
        siren = re.search(r"SIREN ([\d ]{11}) :", finding["detail"]).group(1)
        assert finding["document"] == "kbis.pdf" and f"numéro : {siren} R.C.S." in text
    documents = set()
    for _, dossier, finding, text in findings(corpus, "SIRET_INVALID"):
        siret = re.search(r"SIRET (\d{14}) :", finding["detail"]).group(1)
        assert f"SIRET : {siret}" in text and siret[:9] == dossier.client.siren
        documents.add(finding["document"].split("-")[0])
    assert documents == {"kbis.pdf", "facture"}
    for _, dossier, finding, text in findings(corpus, "VAT_NUMBER_INVALID"):
        vat = re.search(r"N° TVA (FR\d{11}) :", finding["detail"]).group(1)
        assert f"N° TVA intracommunautaire : {vat}" in text and vat != dossier.client.vat_number
        assert vat.endswith(dossier.client.siren)


def test_identifier_mismatch_prints_another_valid_siren_on_the_invoice(corpus: list) -> None:
    for _, dossier, finding, text in findings(corpus, "IDENTIFIER_MISMATCH"):
        seller, kbis = re.findall(r"\d{3} \d{3} \d{3}", finding["detail"])
        assert f"SIREN : {seller} -" in text and seller.replace(" ", "") != dossier.client.siren
        assert f"numéro : {kbis} R.C.S." in pdf_text(dossier.attachment("kbis.pdf").data)


def test_other_names_are_printed_as_holder_or_seller(corpus: list) -> None:
    where = set()
    for _, dossier, finding, text in findings(corpus, "NAME_MISMATCH"):
        name = quoted(finding["detail"])
        if finding["field"] == "holder":
            assert f"Titulaire du compte : {name}" in text
        else:
            assert text.splitlines()[0] == name
        assert name != dossier.client.name
        where.add((finding["field"], finding["severity"]))
    assert where == {
        ("holder", "error"),
        ("holder", "warning"),
        ("seller_name", "error"),
        ("seller_name", "warning"),
    }


def test_benign_names_are_the_kbis_name_without_legal_form() -> None:
    for seed in SEEDS:
        dossiers = {d.id: d for d in generate_dossiers(seed, COUNT)}
        for dossier_id, entry in ground_truth(seed, COUNT).items():
            for variation in entry["benign"]:
                dossier = dossiers[dossier_id]
                assert entry["expected_status"] == "complete" and not entry["findings"]
                text = pdf_text(dossier.attachment(variation["document"]).data)
                name = quoted(variation["detail"])
                assert (
                    name.casefold()
                    == dossier.client.name.removesuffix(" " + dossier.client.legal_form).casefold()
                )
                assert name in text


def test_expired_documents_print_a_date_before_the_reference_day(corpus: list) -> None:
    kinds = set()
    for _, _, finding, text in findings(corpus, "DOCUMENT_EXPIRED"):
        day = re.search(r"(\d\d/\d\d/\d{4})", finding["detail"]).group(1)
        label = "à jour au" if finding["field"] == "extract_date" else "Date d'expiration :"
        assert f"{label} {day}" in text
        kinds.add(finding["document"])
    assert kinds == {"kbis.pdf", "piece-identite.pdf"}


def test_duplicates_repeat_an_invoice_of_the_dossier_or_of_the_clients_earlier_dossier(corpus: list) -> None:
    variants = set()
    for dossiers, dossier, finding, text in findings(corpus, "DUPLICATE_INVOICE"):
        source_name = re.search(r"(facture-\d\d\.pdf)", finding["detail"]).group(1)
        across = re.search(r"dossier (DOS-\d{4}-\d{4})", finding["detail"])
        source_dossier = dossiers[across.group(1)] if across else dossier
        if across:
            assert dossier.resubmission_of == source_dossier.id and source_dossier.client == dossier.client
        source = source_dossier.attachment(source_name)
        copy = dossier.attachment(finding["document"])
        if finding["field"] == "sha256":
            assert copy.data == source.data
            assert (
                hashlib.sha256(copy.data).hexdigest().startswith(finding["detail"].split("SHA-256 ")[1][:16])
            )
        else:
            assert copy.data != source.data
            number = re.search(r"FACTURE N° (\S+)", text).group(1)
            assert f"FACTURE N° {number}" in pdf_text(source.data)
            assert f"SIREN : {dossier.client.siren[:3]}" in text
        variants.add((bool(across), finding["field"]))
    assert variants == {(False, "sha256"), (False, "number"), (True, "sha256"), (True, "number")}


def test_missing_mentions_include_the_penalty_rate_and_the_recovery_indemnity(corpus: list) -> None:
    for _, _, finding, text in findings(corpus, "MISSING_MENTION"):
        marker = {
            "siren": "SIREN :",
            "vat_number": "N° TVA intracommunautaire",
            "due_date": "Date d'échéance",
            "penalty_rate": "Pénalités de retard",
            "recovery_indemnity": "frais de recouvrement",
        }[finding["field"]]
        assert marker not in text and "FACTURE N°" in text
