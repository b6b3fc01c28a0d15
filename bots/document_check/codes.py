"""The stable finding codes of the dossier review, and the names of the invoice mentions it checks."""

from __future__ import annotations

from rpa.documents import model

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
UNREADABLE = model.UNREADABLE  # the reader's code: a file whose content could not be used
ALL = (
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
# Mention name -> what a person calls it (the field of a MISSING_MENTION finding is the name).
MENTION_LABELS = {
    "number": "invoice number",
    "issue_date": "issue date",
    "due_date": "due date",
    "seller_name": "seller's name",
    "seller_address": "seller's address",
    "buyer_name": "buyer's name",
    "seller_siren": "seller's SIREN",
    "seller_vat_id": "seller's VAT number",
    "late_penalties": "late-payment penalty rate",
    "recovery_indemnity": "40 EUR recovery indemnity",
}
