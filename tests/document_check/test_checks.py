"""The dossier checks over hand-made documents: each code, its severity, and what it says."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bots.document_check import codes
from bots.document_check.checks import InvoiceIndex, add_months, check_dossier
from bots.document_check.config import DocumentCheckConfig
from bots.document_check.decide import comment, decide
from bots.document_check.model import DossierFile, Status
from rpa.documents.model import (
    TEXT_LAYER,
    UNREADABLE,
    DocumentFields,
    DocumentType,
    ExtractedDocument,
    IdentityFields,
    InvoiceFields,
    KbisFields,
    OtherFields,
    RibFields,
    VatLine,
)
from rpa.findings import Finding, Severity
from rpa.identifiers import fr_vat_from_siren, iban_from_bban, iban_from_rib, rib_key

AS_OF = date(2026, 11, 20)
CONFIG = DocumentCheckConfig()
SIREN = "732829320"  # passes Luhn
SIRET = "73282932000074"
IBAN = iban_from_rib("30004", "00823", "00012345678")
ALL_MENTIONS = ("late_penalties", "recovery_indemnity", "seller_address")


def doc(name: str, kind: DocumentType, fields: DocumentFields, *, sha: str | None = None) -> DossierFile:
    document = ExtractedDocument(path=name, sha256=sha or f"sha-{name}", document_type=kind, fields=fields)
    return DossierFile(filename=name, document=document)


def kbis(**changes: object) -> DossierFile:
    fields = KbisFields(company_name="Atelier Moreau", legal_form="SARL", siren=SIREN, siret=SIRET,
                        extract_date=date(2026, 10, 1))  # fmt: skip
    return doc("kbis.pdf", DocumentType.KBIS, fields.model_copy(update=changes))


def rib(**changes: object) -> DossierFile:
    fields = RibFields(holder="ATELIER MOREAU SARL", iban=IBAN, bic="BNPAFRPPXXX")
    return doc("rib.pdf", DocumentType.RIB, fields.model_copy(update=changes))


def identity(**changes: object) -> DossierFile:
    fields = IdentityFields(last_name="MOREAU", first_name="Anne", expiry_date=date(2030, 1, 1))
    return doc("id.pdf", DocumentType.IDENTITY, fields.model_copy(update=changes))


def invoice(name: str = "facture.pdf", *, sha: str | None = None, **changes: object) -> DossierFile:
    fields = InvoiceFields(
        number="F2026-0101", issue_date=date(2026, 9, 1), due_date=date(2026, 10, 1),
        seller_name="Atelier Moreau SARL", seller_siren=SIREN, seller_siret=SIRET,
        seller_vat_id=fr_vat_from_siren(SIREN), buyer_name="Mairie de Nancy",
        total_net=Decimal("1000.00"), total_tax=Decimal("200.00"), total_gross=Decimal("1200.00"),
        lines_total=Decimal("1000.00"), mentions=ALL_MENTIONS,
        vat_breakdown=(VatLine(rate=Decimal("20"), base=Decimal("1000.00"), tax=Decimal("200.00")),),
    )  # fmt: skip
    return doc(name, DocumentType.INVOICE, fields.model_copy(update=changes), sha=sha)


def financial() -> DossierFile:
    return doc("bilan.xlsx", DocumentType.BALANCE_SHEET, OtherFields())


def dossier(*replaced: DossierFile, drop: tuple[str, ...] = ()) -> list[DossierFile]:
    files = {f.filename: f for f in (kbis(), rib(), identity(), invoice(), financial())}
    for file in replaced:
        files[file.filename] = file
    return [f for name, f in files.items() if name not in drop]


def findings(files: list[DossierFile], index: InvoiceIndex | None = None) -> list[Finding]:
    return check_dossier("D-1", files, as_of=AS_OF, config=CONFIG, index=index)


def codes_of(found: list[Finding], severity: Severity | None = None) -> list[tuple[str, str]]:
    return [(f.code, f.source) for f in found if severity is None or f.severity is severity]


def test_a_consistent_dossier_is_clean_and_complete() -> None:
    found = findings(dossier())
    assert found == []
    assert decide(found, CONFIG).status is Status.COMPLETE


@pytest.mark.parametrize(
    ("file", "code", "field"),
    [
        (rib(iban="FR7630004008230001234567800"), codes.IBAN_INVALID, "iban"),  # mod 97 fails
        (rib(iban=None), codes.IBAN_INVALID, "iban"),
        (rib(bic="BNPA1RPP"), codes.BIC_INVALID, "bic"),  # digits where the country goes
        (rib(bic="BNPAQQPP"), codes.BIC_INVALID, "bic"),  # no country QQ
        (kbis(siren="732829321"), codes.SIREN_INVALID, "siren"),
        (kbis(siret="73282932000075"), codes.SIRET_INVALID, "siret"),
        (kbis(siret="55208131700019"), codes.IDENTIFIER_MISMATCH, "siret"),  # another company's SIRET
        (kbis(extract_date=date(2026, 8, 19)), codes.DOCUMENT_EXPIRED, "extract_date"),
        (identity(expiry_date=date(2026, 11, 19)), codes.DOCUMENT_EXPIRED, "expiry_date"),
        (invoice(seller_vat_id="FR00732829320"), codes.VAT_NUMBER_INVALID, "vat_number"),
        (invoice(total_gross=Decimal("1210.00")), codes.TOTALS_MISMATCH, "total_gross"),
        (invoice(lines_total=Decimal("990.00")), codes.TOTALS_MISMATCH, "total_net"),
        (invoice(due_date=None), codes.MISSING_MENTION, "due_date"),
        (invoice(seller_siren=None, seller_siret=None), codes.MISSING_MENTION, "seller_siren"),
        (invoice(mentions=("seller_address", "late_penalties")), codes.MISSING_MENTION, "recovery_indemnity"),
    ],
)
def test_each_defect_is_an_error_of_its_code(file: DossierFile, code: str, field: str) -> None:
    found = findings(dossier(file))
    errors = [f for f in found if f.severity is Severity.ERROR]
    assert [(f.code, f.source, f.field) for f in errors] == [(code, file.filename, field)], found
    verdict = decide(found, CONFIG)
    assert verdict.status is Status.INCOMPLETE and verdict.reason == CONFIG.reason_for(code)
    assert f"[{code}]" in verdict.comment


def test_a_rib_key_wrong_inside_a_checking_iban_is_caught() -> None:
    # An IBAN recomputed over a RIB with a wrong key passes mod 97: the RIB key must be checked too.
    bad_key = f"{(int(rib_key('30004', '00823', '00012345678')) + 1) % 97:02d}"

    iban = iban_from_bban("FR", f"300040082300012345678{bad_key}")
    found = findings(dossier(rib(iban=iban)))
    assert codes_of(found) == [(codes.IBAN_INVALID, "rib.pdf")]
    assert "RIB key" in found[0].message and IBAN not in found[0].message  # masked


def test_a_kbis_is_valid_for_three_calendar_months() -> None:
    assert findings(dossier(kbis(extract_date=date(2026, 8, 20)))) == []
    assert codes_of(findings(dossier(kbis(extract_date=date(2026, 8, 19))))) == [
        (codes.DOCUMENT_EXPIRED, "kbis.pdf")
    ]
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)


def test_a_siret_of_la_poste_checks_by_its_own_rule() -> None:
    files = dossier(kbis(siren="356000000", siret="35600000000048"), invoice(seller_siren="356000000",
                    seller_siret=None, seller_vat_id=fr_vat_from_siren("356000000")))  # fmt: skip
    assert [f for f in findings(files) if f.code in (codes.SIRET_INVALID, codes.SIREN_INVALID)] == []


def test_vat_of_another_siren_and_rate_totals() -> None:
    other = fr_vat_from_siren("552081317")
    wrong_tax = (VatLine(rate=Decimal("20"), base=Decimal("1000.00"), tax=Decimal("190.00")),)
    found = findings(dossier(invoice(seller_vat_id=other, vat_breakdown=wrong_tax)))
    assert {(f.code, f.field) for f in found} == {
        (codes.VAT_NUMBER_INVALID, "vat_number"),
        (codes.TOTALS_MISMATCH, "vat_breakdown"),
        (codes.TOTALS_MISMATCH, "total_tax"),
    }
    assert "552081317" in next(f.message for f in found if f.code == codes.VAT_NUMBER_INVALID)


def test_rounding_within_the_tolerance_is_no_finding() -> None:
    assert findings(dossier(invoice(total_gross=Decimal("1200.01")))) == []


def test_a_name_read_uncertainly_is_for_a_person_not_an_error() -> None:
    found = findings(dossier(invoice(seller_name=None, buyer_name=None)))
    assert codes_of(found, Severity.WARNING) == [(codes.MISSING_MENTION, "facture.pdf")] * 2
    assert decide(found, CONFIG).status is Status.REVIEW


def test_name_mismatches_across_documents() -> None:
    different = findings(dossier(rib(holder="Boulangerie Petit SAS")))
    assert codes_of(different, Severity.ERROR) == [(codes.NAME_MISMATCH, "rib.pdf")]
    legal_form = findings(dossier(rib(holder="Atelier Moreau SAS")))
    assert codes_of(legal_form, Severity.WARNING) == [(codes.NAME_MISMATCH, "rib.pdf")]
    assert decide(legal_form, CONFIG).status is Status.REVIEW
    punctuation = findings(dossier(rib(holder="ATELIER-MOREAU S.A.R.L.")))
    assert punctuation == []


def test_an_invoice_of_another_company_is_an_identifier_mismatch() -> None:
    other = "552081317"
    found = findings(
        dossier(invoice(seller_siren=other, seller_siret=None, seller_vat_id=fr_vat_from_siren(other)))
    )
    assert codes_of(found) == [(codes.IDENTIFIER_MISMATCH, "facture.pdf")]


def test_missing_documents_and_an_unreadable_stand_in() -> None:
    found = findings(dossier(drop=("rib.pdf", "bilan.xlsx")))
    assert sorted(codes_of(found)) == [(codes.MISSING_DOCUMENT, "financial"), (codes.MISSING_DOCUMENT, "rib")]
    # A RIB the client sent as a scan: its unreadable file stands for the RIB, no MISSING_DOCUMENT.
    scan = ExtractedDocument(
        path="rib.pdf", sha256="x", document_type=DocumentType.OTHER, fields=OtherFields(),
        findings=(Finding(UNREADABLE, Severity.ERROR, "rib.pdf: has no text layer", "rib.pdf", TEXT_LAYER),),
    )  # fmt: skip
    files = [*dossier(drop=("rib.pdf",)), DossierFile(filename="rib.pdf", declared_kind="rib", document=scan)]
    found = findings(files)
    assert codes_of(found) == [(codes.UNREADABLE, "rib.pdf")]
    assert found[0].severity is Severity.WARNING  # a person may read the scan
    broken = scan.model_copy(
        update={"findings": (Finding(UNREADABLE, Severity.ERROR, "truncated", "rib.pdf"),)}
    )
    files[-1] = DossierFile(filename="rib.pdf", declared_kind="rib", document=broken)
    assert codes_of(findings(files), Severity.ERROR) == [(codes.UNREADABLE, "rib.pdf")]


def test_duplicate_invoices_within_and_across_dossiers() -> None:
    copy = invoice("facture-2.pdf", sha="sha-facture.pdf")  # the same file twice
    renumbered = invoice("facture-3.pdf", total_net=Decimal("10.00"), total_tax=Decimal("2.00"),
                         total_gross=Decimal("12.00"), lines_total=None, vat_breakdown=())  # fmt: skip
    index = InvoiceIndex()
    first = findings([*dossier(), copy, renumbered], index)
    assert sorted(codes_of(first)) == [
        (codes.DUPLICATE_INVOICE, "facture-2.pdf"),
        (codes.DUPLICATE_INVOICE, "facture-3.pdf"),
    ]
    assert "the same file" in next(f.message for f in first if f.source == "facture-2.pdf")
    later = check_dossier("D-2", dossier(), as_of=AS_OF, config=CONFIG, index=index)
    assert codes_of(later) == [(codes.DUPLICATE_INVOICE, "facture.pdf")]
    assert "dossier D-1" in later[0].message


def test_the_weightiest_reason_and_a_comment_within_the_limit() -> None:
    found = findings(dossier(rib(iban=None), kbis(extract_date=date(2025, 1, 1)), drop=("id.pdf",)))
    verdict = decide(found, CONFIG)
    assert verdict.reason == "missing_document"  # a missing piece outranks a bad one
    long = [Finding("X", Severity.ERROR, "m" * 300, "f") for _ in range(5)]
    text = comment(long, 500)
    assert len(text) <= 500 and text.endswith("more)")
