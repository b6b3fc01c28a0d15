"""The records of the document portal: clients, invoices, attachments, findings and dossiers.

Finding codes are what a document check is expected to report; reasons are the values of the portal's
"incomplete" reason list. ``REASON_FOR_FINDING`` links the two, so ground truth can say which reason(s)
a person would pick for a dossier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

IBAN_INVALID = "IBAN_INVALID"
BIC_INVALID = "BIC_INVALID"
SIREN_INVALID = "SIREN_INVALID"
SIRET_INVALID = "SIRET_INVALID"
VAT_NUMBER_INVALID = "VAT_NUMBER_INVALID"
TOTALS_MISMATCH = "TOTALS_MISMATCH"
MISSING_MENTION = "MISSING_MENTION"
DOCUMENT_EXPIRED = "DOCUMENT_EXPIRED"
DUPLICATE_INVOICE = "DUPLICATE_INVOICE"
NAME_MISMATCH = "NAME_MISMATCH"
IDENTIFIER_MISMATCH = "IDENTIFIER_MISMATCH"
MISSING_DOCUMENT = "MISSING_DOCUMENT"
UNREADABLE = "UNREADABLE"
FINDING_CODES = (
    IBAN_INVALID,
    BIC_INVALID,
    SIREN_INVALID,
    SIRET_INVALID,
    VAT_NUMBER_INVALID,
    TOTALS_MISMATCH,
    MISSING_MENTION,
    DOCUMENT_EXPIRED,
    DUPLICATE_INVOICE,
    NAME_MISMATCH,
    IDENTIFIER_MISMATCH,
    MISSING_DOCUMENT,
    UNREADABLE,
)

# A finding's severity: an error makes the dossier incomplete; a warning is a judgement call that a
# person settles (the dossier goes to the exception queue instead of getting a status).
ERROR = "error"
WARNING = "warning"

# Expected statuses in ground truth. NEEDS_REVIEW is no status of the portal: it says "leave the dossier
# pending and hand it to a person", which is what a bot must do when its only findings are warnings.
COMPLETE = "complete"
INCOMPLETE = "incomplete"
NEEDS_REVIEW = "needs_review"

# The "incomplete" reasons offered by the portal's select, in the order a person weighs them.
REASONS: dict[str, str] = {
    "missing_document": "Pièce manquante",
    "unreadable_document": "Pièce illisible",
    "expired_document": "Pièce périmée",
    "invalid_identifier": "Identifiant invalide (SIREN, SIRET, TVA, IBAN, BIC)",
    "inconsistent_documents": "Pièces incohérentes",
    "noncompliant_invoice": "Facture non conforme",
    "other": "Autre (préciser)",
}
REASON_FOR_FINDING: dict[str, str] = {
    MISSING_DOCUMENT: "missing_document",
    UNREADABLE: "unreadable_document",
    DOCUMENT_EXPIRED: "expired_document",
    IBAN_INVALID: "invalid_identifier",
    BIC_INVALID: "invalid_identifier",
    SIREN_INVALID: "invalid_identifier",
    SIRET_INVALID: "invalid_identifier",
    VAT_NUMBER_INVALID: "invalid_identifier",
    NAME_MISMATCH: "inconsistent_documents",
    IDENTIFIER_MISMATCH: "inconsistent_documents",
    TOTALS_MISMATCH: "noncompliant_invoice",
    MISSING_MENTION: "noncompliant_invoice",
    DUPLICATE_INVOICE: "noncompliant_invoice",
}

# Document kinds a complete dossier holds, with the label the portal shows.
KIND_LABELS: dict[str, str] = {
    "kbis": "Extrait Kbis",
    "rib": "RIB",
    "identity": "Pièce d'identité du dirigeant",
    "invoice": "Facture",
    "financial": "Bilan ou bulletin de paie",
}
REQUIRED_KINDS = tuple(KIND_LABELS)

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Client:
    name: str  # with legal form, e.g. "Atelier Moreau SARL"
    legal_form: str
    share_capital: str
    siren: str
    siret: str
    vat_number: str
    rcs_city: str
    street: str
    postcode: str
    city: str
    director_first_name: str
    director_last_name: str
    bank_name: str
    bic: str
    iban: str


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Invoice:
    """An invoice as printed: the printed totals may disagree with the lines (a defect)."""

    number: str
    issue_date: date
    due_date: date | None  # None: the due date mention is missing
    customer: str
    customer_street: str
    customer_postcode: str
    customer_city: str
    customer_vat_number: str
    lines: tuple[InvoiceLine, ...]
    total_ht: Decimal
    vat_rate: Decimal
    total_vat: Decimal
    total_ttc: Decimal
    show_siren: bool = True
    show_vat_number: bool = True
    show_penalty_rate: bool = True
    show_recovery_indemnity: bool = True
    facturx_profile: str | None = None  # "BASIC" or "EN16931" when the PDF embeds factur-x.xml


@dataclass(frozen=True)
class Attachment:
    filename: str
    kind: str  # one of KIND_LABELS
    content_type: str
    data: bytes
    uploaded_on: date

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass(frozen=True)
class Finding:
    """What a careful person notes: the code, the file (or the missing kind for MISSING_DOCUMENT), what
    was read against what was expected, the field concerned when there is one, and the severity."""

    code: str
    document: str
    detail: str
    field: str | None = None
    severity: str = ERROR

    def as_dict(self) -> dict[str, str]:
        entry = {"code": self.code, "document": self.document, "detail": self.detail}
        if self.field is not None:
            entry["field"] = self.field
        entry["severity"] = self.severity
        return entry


@dataclass(frozen=True)
class Dossier:
    id: str
    client: Client
    submitted_on: date
    attachments: tuple[Attachment, ...]
    findings: tuple[Finding, ...]  # sorted by (code, document)
    resubmission_of: str | None = None  # the earlier dossier of the same client, for a re-submission
    benign: tuple[Finding, ...] = ()  # variations a check must NOT report (same party, other spelling)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.severity == ERROR)

    @property
    def expected_status(self) -> str:
        if self.errors:
            return INCOMPLETE
        return NEEDS_REVIEW if self.findings else COMPLETE

    @property
    def acceptable_reasons(self) -> list[str]:
        """Reasons for an incomplete status. For a dossier needing review, the reasons a person would
        pick if they judged the warnings to be real problems."""
        return sorted({REASON_FOR_FINDING[finding.code] for finding in self.errors or self.findings})

    @property
    def expected_reason(self) -> str | None:
        """The weightiest reason, in the order of ``REASONS`` (a missing piece outranks a bad one);
        None unless the dossier is expected incomplete."""
        if self.expected_status != INCOMPLETE:
            return None
        reasons = self.acceptable_reasons
        return next((reason for reason in REASONS if reason in reasons), None)

    def attachment(self, filename: str) -> Attachment | None:
        return next((a for a in self.attachments if a.filename == filename), None)
