"""What a supporting document was read as: its type, its typed fields, where they came from, its findings.

Frozen pydantic models: amounts are ``Decimal``, dates are ``date``; a field not found is ``None``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rpa.findings import Finding, Severity

UNREADABLE = "UNREADABLE"  # the finding code of a document whose content could not be used
TEXT_LAYER = "text_layer"  # the field of an UNREADABLE finding about the text: a person may still read it


class DocumentType(StrEnum):
    """What a document is, told from its content (never from its file name)."""

    INVOICE = "invoice"
    RIB = "rib"
    KBIS = "kbis"
    IDENTITY = "identity"
    PAYSLIP = "payslip"
    BALANCE_SHEET = "balance_sheet"
    OTHER = "other"


class Source(StrEnum):
    """Where the fields were read from: an embedded Factur-X XML, the PDF text, a table, OCR."""

    FACTURX = "factur-x"
    TEXT = "text"
    TABLE = "table"
    OCR = "ocr"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VatLine(_Frozen):
    """One VAT rate of an invoice: the taxable base and the tax at that rate (percent)."""

    rate: Decimal
    base: Decimal | None = None
    tax: Decimal | None = None
    category: str = ""


class InvoiceFields(_Frozen):
    """The fields of an invoice a back office checks; the totals are in ``currency``."""

    kind: Literal["invoice"] = "invoice"
    number: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    seller_name: str | None = None
    seller_siren: str | None = None
    seller_siret: str | None = None
    seller_vat_id: str | None = None
    buyer_name: str | None = None
    buyer_siren: str | None = None
    buyer_vat_id: str | None = None
    iban: str | None = None
    bic: str | None = None
    currency: str | None = None
    total_net: Decimal | None = None
    total_tax: Decimal | None = None
    total_gross: Decimal | None = None
    amount_due: Decimal | None = None
    vat_breakdown: tuple[VatLine, ...] = ()
    lines_total: Decimal | None = None  # the sum of the invoice lines' amounts, when the lines were read
    mentions: tuple[str, ...] = ()  # legal mentions found written (see ``rpa.documents.fields.MENTIONS``)


class RibFields(_Frozen):
    """A bank account identity (RIB): holder, IBAN, BIC and, for French accounts, the RIB parts."""

    kind: Literal["rib"] = "rib"
    holder: str | None = None
    iban: str | None = None
    bic: str | None = None
    bank_code: str | None = None
    branch_code: str | None = None
    account_number: str | None = None
    rib_key: str | None = None


class KbisFields(_Frozen):
    """A Kbis extract (French company register): who the company is and how recent the extract is."""

    kind: Literal["kbis"] = "kbis"
    company_name: str | None = None
    siren: str | None = None
    legal_form: str | None = None
    siret: str | None = None
    registration_date: date | None = None
    extract_date: date | None = None


class IdentityFields(_Frozen):
    """An identity document, or the summary an officer wrote of one: whose it is and until when valid."""

    kind: Literal["identity"] = "identity"
    last_name: str | None = None
    first_name: str | None = None
    company_name: str | None = None  # the company the holder represents, when the summary says
    document_number: str | None = None
    birth_date: date | None = None
    expiry_date: date | None = None


class OtherFields(_Frozen):
    """A document whose fields are not read (identity summary, payslip, balance sheet, other): its dates."""

    kind: Literal["other"] = "other"
    document_date: date | None = None


DocumentFields = InvoiceFields | RibFields | KbisFields | IdentityFields | OtherFields


class ExtractedDocument(_Frozen):
    """One file as read: its hash, its type, its fields, their source, and what was found on the way."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    path: str
    sha256: str
    document_type: DocumentType
    fields: DocumentFields = Field(discriminator="kind")
    source: Source | None = None
    findings: tuple[Finding, ...] = ()

    @property
    def readable(self) -> bool:
        """False when the content could not be used (an ``UNREADABLE`` error)."""
        return not any(f.code == UNREADABLE and f.severity is Severity.ERROR for f in self.findings)
