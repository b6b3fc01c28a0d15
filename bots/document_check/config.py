"""The document_check bot's settings: what a dossier must hold, how strict each check is, how files are
read and which portal reason each finding code stands for; validated at start-up."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rpa.documents.model import DocumentType

from . import codes

# A complete dossier (account opening, supplier onboarding): each requirement is met by one of its types.
DEFAULT_REQUIRED: dict[str, tuple[DocumentType, ...]] = {
    "kbis": (DocumentType.KBIS,),
    "rib": (DocumentType.RIB,),
    "identity": (DocumentType.IDENTITY,),
    "invoice": (DocumentType.INVOICE,),
    "financial": (DocumentType.BALANCE_SHEET, DocumentType.PAYSLIP),
}
# The mentions of a French B2B invoice (Code de commerce L441-9, CGI art. 242 nonies A) that are checked.
DEFAULT_MENTIONS = (
    "number",
    "issue_date",
    "due_date",
    "seller_name",
    "seller_address",
    "buyer_name",
    "seller_siren",
    "seller_vat_id",
    "late_penalties",
    "recovery_indemnity",
)
# The document portal's "incomplete" reasons, weightiest first, and the reason each finding code gives.
DEFAULT_REASON_ORDER = (
    "missing_document",
    "unreadable_document",
    "expired_document",
    "invalid_identifier",
    "inconsistent_documents",
    "noncompliant_invoice",
    "other",
)
DEFAULT_REASONS: dict[str, str] = {
    codes.MISSING_DOCUMENT: "missing_document",
    codes.UNREADABLE: "unreadable_document",
    codes.DOCUMENT_EXPIRED: "expired_document",
    codes.IBAN_INVALID: "invalid_identifier",
    codes.BIC_INVALID: "invalid_identifier",
    codes.SIREN_INVALID: "invalid_identifier",
    codes.SIRET_INVALID: "invalid_identifier",
    codes.VAT_NUMBER_INVALID: "invalid_identifier",
    codes.NAME_MISMATCH: "inconsistent_documents",
    codes.IDENTIFIER_MISMATCH: "inconsistent_documents",
    codes.TOTALS_MISMATCH: "noncompliant_invoice",
    codes.MISSING_MENTION: "noncompliant_invoice",
    codes.DUPLICATE_INVOICE: "noncompliant_invoice",
}


class DocumentCheckConfig(BaseModel):
    """What the dossier review checks and how it answers the portal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    app: str = Field(
        default="docs", min_length=1, description="Name of the document portal in `applications`."
    )
    required_documents: dict[str, tuple[DocumentType, ...]] = Field(
        default_factory=lambda: dict(DEFAULT_REQUIRED),
        min_length=0,
        description="Documents a dossier must hold: requirement name -> the document types that meet it.",
    )
    required_mentions: tuple[str, ...] = Field(
        default=DEFAULT_MENTIONS, description="Mentions every invoice must carry (MISSING_MENTION otherwise)."
    )
    kbis_max_age_months: int = Field(
        default=3, ge=1, le=24, description="A Kbis extract older than this many months is expired."
    )
    totals_tolerance: Decimal = Field(
        default=Decimal("0.01"),
        ge=0,
        le=100,
        description="Largest gap between a total and the sum it should equal (per VAT rate for the tax).",
    )
    check_across_dossiers: bool = Field(
        default=True,
        description="Look for duplicate invoices in the portal's other dossiers too (all are downloaded).",
    )
    reasons: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_REASONS),
        description="Portal 'incomplete' reason for each finding code.",
    )
    reason_order: tuple[str, ...] = Field(
        default=DEFAULT_REASON_ORDER,
        min_length=1,
        description="Portal reasons, weightiest first: an incomplete dossier gets the first that applies.",
    )
    comment_max: int = Field(
        default=500, ge=80, le=5000, description="Longest status comment the portal accepts."
    )
    read_workers: int = Field(default=2, ge=1, le=32, description="Processes reading documents at once.")
    read_timeout_s: float = Field(
        default=30.0, gt=0, le=600, description="Time one file may take to read before it is refused."
    )
    read_max_mb: int = Field(default=20, ge=1, le=500, description="Largest file read, in MB.")
    read_memory_mb: int = Field(
        default=1536, ge=256, le=16384, description="Memory one reading process may use, in MB."
    )
    max_dossiers: int = Field(
        default=500, ge=1, le=100_000, description="Most dossiers one run takes from the portal."
    )

    @field_validator("required_mentions")
    @classmethod
    def _known_mentions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(codes.MENTION_LABELS))
        if unknown:
            raise ValueError(f"unknown mention(s) {unknown}; known: {sorted(codes.MENTION_LABELS)}")
        return value

    @field_validator("reasons")
    @classmethod
    def _known_codes(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(codes.ALL))
        if unknown:
            raise ValueError(f"unknown finding code(s) {unknown}; known: {sorted(codes.ALL)}")
        return value

    def reason_for(self, code: str) -> str:
        return self.reasons.get(code, "other")
