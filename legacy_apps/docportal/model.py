"""The records of the document portal: clients, invoices, attachments, findings and dossiers.

Finding codes are what a document check is expected to report; reasons are the values of the portal's
"incomplete" reason list. ``REASON_FOR_FINDING`` links the two, so ground truth can say which reason(s)
a person would pick for a dossier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

IBAN_KEY_INVALID = "IBAN_KEY_INVALID"
SIREN_KEY_INVALID = "SIREN_KEY_INVALID"
TOTALS_MISMATCH = "TOTALS_MISMATCH"
KBIS_EXPIRED = "KBIS_EXPIRED"
MENTION_MISSING = "MENTION_MISSING"
INVOICE_DUPLICATE = "INVOICE_DUPLICATE"
DOCUMENT_UNREADABLE = "DOCUMENT_UNREADABLE"
DOCUMENT_MISSING = "DOCUMENT_MISSING"
FINDING_CODES = (
    IBAN_KEY_INVALID,
    SIREN_KEY_INVALID,
    TOTALS_MISMATCH,
    KBIS_EXPIRED,
    MENTION_MISSING,
    INVOICE_DUPLICATE,
    DOCUMENT_UNREADABLE,
    DOCUMENT_MISSING,
)

# The "incomplete" reasons offered by the portal's select, in the order a person weighs them.
REASONS: dict[str, str] = {
    "missing_document": "Pièce manquante",
    "unreadable_document": "Pièce illisible",
    "expired_document": "Pièce périmée",
    "invalid_identifier": "Identifiant invalide (SIREN, IBAN)",
    "noncompliant_invoice": "Facture non conforme",
    "other": "Autre (préciser)",
}
REASON_FOR_FINDING: dict[str, str] = {
    DOCUMENT_MISSING: "missing_document",
    DOCUMENT_UNREADABLE: "unreadable_document",
    KBIS_EXPIRED: "expired_document",
    IBAN_KEY_INVALID: "invalid_identifier",
    SIREN_KEY_INVALID: "invalid_identifier",
    TOTALS_MISMATCH: "noncompliant_invoice",
    MENTION_MISSING: "noncompliant_invoice",
    INVOICE_DUPLICATE: "noncompliant_invoice",
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
    customer_city: str
    lines: tuple[InvoiceLine, ...]
    total_ht: Decimal
    vat_rate: Decimal
    total_vat: Decimal
    total_ttc: Decimal
    show_siren: bool = True
    show_vat_number: bool = True
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
    code: str
    document: str  # the attachment's filename, or the missing kind for DOCUMENT_MISSING
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "document": self.document, "detail": self.detail}


@dataclass(frozen=True)
class Dossier:
    id: str
    client: Client
    submitted_on: date
    attachments: tuple[Attachment, ...]
    findings: tuple[Finding, ...]  # sorted by (code, document)

    @property
    def expected_status(self) -> str:
        return "incomplete" if self.findings else "complete"

    @property
    def acceptable_reasons(self) -> list[str]:
        return sorted({REASON_FOR_FINDING[finding.code] for finding in self.findings})

    @property
    def expected_reason(self) -> str | None:
        """The weightiest reason, in the order of ``REASONS`` (a missing piece outranks a bad one)."""
        reasons = self.acceptable_reasons
        return next((reason for reason in REASONS if reason in reasons), None)

    def attachment(self, filename: str) -> Attachment | None:
        return next((a for a in self.attachments if a.filename == filename), None)
