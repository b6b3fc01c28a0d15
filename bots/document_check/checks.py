"""The checks of a dossier review: each document on its own, then the dossier as a whole. Pure: documents
as read in, findings out; ``as_of`` (the day of the review) is a parameter.

Severity says what happens next: ``error`` is certainly wrong (the dossier is incomplete), ``warning``
needs a person's judgement (a name that differs only by its legal form, a scan without text), ``info``
is said for the record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rpa.documents.model import (
    TEXT_LAYER,
    UNREADABLE,
    DocumentType,
    ExtractedDocument,
    IdentityFields,
    InvoiceFields,
    KbisFields,
    RibFields,
)
from rpa.documents.names import Sameness, compare_names, fold
from rpa.findings import Finding, Severity
from rpa.identifiers import (
    IdentifierError,
    compact,
    fr_vat_from_siren,
    mask_iban,
    rib_is_valid,
    siren_is_valid,
    validate_bic,
    validate_fr_vat,
    validate_iban,
    validate_siren,
    validate_siret,
)

from . import codes
from .config import DocumentCheckConfig
from .model import DossierFile

# Mentions the reading may miss on an unusual layout: their absence is for a person to confirm.
_UNSURE_MENTIONS = frozenset({"seller_name", "buyer_name", "seller_address"})
_TYPE_LABELS = {
    DocumentType.INVOICE: "invoice",
    DocumentType.RIB: "RIB",
    DocumentType.KBIS: "Kbis extract",
    DocumentType.IDENTITY: "identity document",
    DocumentType.PAYSLIP: "payslip",
    DocumentType.BALANCE_SHEET: "balance sheet",
    DocumentType.OTHER: "other document",
}


def _error(code: str, message: str, source: str, field: str = "") -> Finding:
    return Finding(code, Severity.ERROR, message, source, field)


def _warning(code: str, message: str, source: str, field: str = "") -> Finding:
    return Finding(code, Severity.WARNING, message, source, field)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, the day clamped to the month's end (31 Jan + 1: 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(f"no date for {day} + {months} months")  # unreachable: day 28 exists in every month


# --- each document on its own -----------------------------------------------------------------------


def reading_findings(name: str, document: ExtractedDocument) -> list[Finding]:
    """What the reader said: an unusable file stays an error; a text layer that is missing or garbage
    is for a person to look at (they may read the scan); notes on the way (an unusable embedded XML the
    text replaced) are kept as info."""
    found = []
    for finding in document.findings:
        if finding.code == UNREADABLE and finding.severity is Severity.ERROR:
            severity = Severity.WARNING if finding.field == TEXT_LAYER else Severity.ERROR
            found.append(Finding(UNREADABLE, severity, finding.message, name, finding.field))
        else:
            found.append(Finding(finding.code, Severity.INFO, finding.message, name, finding.field))
    return found


def check_iban(iban: str | None, source: str, *, required: bool) -> list[Finding]:
    """IBAN_INVALID: missing (when required), wrong length or mod-97 key, or, for a French IBAN, a wrong
    RIB key inside it."""
    if not iban:
        if required:
            return [_error(codes.IBAN_INVALID, f"{source}: no IBAN could be read", source, "iban")]
        return []
    try:
        value = validate_iban(iban)
    except IdentifierError as exc:
        return [_error(codes.IBAN_INVALID, f"{source}: IBAN {exc}", source, "iban")]
    if value.startswith("FR") and len(value) == 27:
        bank, branch, account, key = value[4:9], value[9:14], value[14:25], value[25:]
        if not rib_is_valid(bank, branch, account, key):
            masked = mask_iban(value)
            message = f"{source}: IBAN {masked} carries a wrong RIB key {key} (bank {bank}, branch {branch})"
            return [_error(codes.IBAN_INVALID, message, source, "iban")]
    return []


def check_bic(bic: str | None, iban: str | None, source: str, *, required: bool) -> list[Finding]:
    """BIC_INVALID: missing (when required), not the ISO 9362 shape, or an unknown country; a BIC of
    another country than the IBAN's is for a person to confirm (a bank abroad is possible)."""
    if not bic:
        if required:
            return [_error(codes.BIC_INVALID, f"{source}: no BIC could be read", source, "bic")]
        return []
    try:
        value = validate_bic(bic)
    except IdentifierError as exc:
        return [_error(codes.BIC_INVALID, f"{source}: {exc}", source, "bic")]
    iban_country = compact(iban or "")[:2].upper()
    if iban_country.isalpha() and len(iban_country) == 2 and value[4:6] != iban_country:
        message = f"{source}: BIC {value} is of country {value[4:6]}, the IBAN of country {iban_country}"
        return [_warning(codes.BIC_INVALID, message, source, "bic")]
    return []


def check_siren(siren: str | None, source: str, *, required: bool, field: str = "siren") -> list[Finding]:
    if not siren:
        if required:
            return [_error(codes.SIREN_INVALID, f"{source}: no SIREN could be read", source, field)]
        return []
    try:
        validate_siren(siren)
    except IdentifierError as exc:
        return [_error(codes.SIREN_INVALID, f"{source}: SIREN {exc}", source, field)]
    return []


def check_siret(siret: str | None, siren: str | None, source: str, *, field: str = "siret") -> list[Finding]:
    """SIRET_INVALID when it fails its key (La Poste's rule included); IDENTIFIER_MISMATCH when it is not
    an establishment of the SIREN printed beside it."""
    if not siret:
        return []
    value = compact(siret)
    if len(value) != 14 or not value.isdigit():
        return [_error(codes.SIRET_INVALID, f"{source}: SIRET {siret!r} is not 14 digits", source, field)]
    if siren and not siren_is_valid(siren):
        return []  # the SIREN's own finding says what is wrong; its establishments cannot check either
    if siren and value[:9] != compact(siren):
        message = f"{source}: SIRET {value} does not start with the SIREN {compact(siren)} printed beside it"
        return [_error(codes.IDENTIFIER_MISMATCH, message, source, field)]
    try:
        validate_siret(value)
    except IdentifierError as exc:
        return [_error(codes.SIRET_INVALID, f"{source}: SIRET {exc}", source, field)]
    return []


def check_vat(vat: str | None, siren: str | None, source: str) -> list[Finding]:
    """VAT_NUMBER_INVALID for a French number whose key does not check, or that is not the number of
    the SIREN printed beside it (FR + key computed from the SIREN)."""
    if not vat:
        return []
    value = compact(vat).upper()
    if not value.startswith("FR"):
        return []  # other countries' numbers have their own rules; a person checks them in VIES
    try:
        validate_fr_vat(value)
    except IdentifierError as exc:
        return [_error(codes.VAT_NUMBER_INVALID, f"{source}: VAT number {exc}", source, "vat_number")]
    if siren and siren_is_valid(siren) and value != fr_vat_from_siren(siren):
        expected = fr_vat_from_siren(siren)
        message = f"{source}: VAT number {value} is not the one of SIREN {compact(siren)} ({expected})"
        return [_error(codes.VAT_NUMBER_INVALID, message, source, "vat_number")]
    return []


def _gap(left: Decimal, right: Decimal, tolerance: Decimal) -> bool:
    return abs(left - right) > tolerance


def check_totals(fields: InvoiceFields, source: str, tolerance: Decimal) -> list[Finding]:
    """TOTALS_MISMATCH: net + VAT ≠ gross, the lines' sum ≠ net, a rate's tax ≠ base × rate, the rates'
    taxes ≠ the VAT total — each beyond ``tolerance``."""
    found = []
    net, tax, gross = fields.total_net, fields.total_tax, fields.total_gross
    if net is not None and tax is not None and gross is not None and _gap(net + tax, gross, tolerance):
        message = f"{source}: net {net} + VAT {tax} = {net + tax}, but the invoice says gross {gross}"
        found.append(_error(codes.TOTALS_MISMATCH, message, source, "total_gross"))
    if fields.lines_total is not None and net is not None and _gap(fields.lines_total, net, tolerance):
        message = f"{source}: the lines add up to {fields.lines_total}, but the invoice says net {net}"
        found.append(_error(codes.TOTALS_MISMATCH, message, source, "total_net"))
    for line in fields.vat_breakdown:
        if line.base is None or line.tax is None:
            continue
        expected = (line.base * line.rate / 100).quantize(Decimal("0.01"))
        if _gap(expected, line.tax, tolerance):
            message = (
                f"{source}: VAT at {line.rate} % on {line.base} is {expected}, the invoice says {line.tax}"
            )
            found.append(_error(codes.TOTALS_MISMATCH, message, source, "vat_breakdown"))
    taxes = [line.tax for line in fields.vat_breakdown if line.tax is not None]
    if taxes and tax is not None and _gap(sum(taxes, Decimal(0)), tax, tolerance * len(taxes)):
        message = f"{source}: the VAT per rate adds up to {sum(taxes, Decimal(0))}, the VAT total is {tax}"
        found.append(_error(codes.TOTALS_MISMATCH, message, source, "total_tax"))
    if gross is None:
        message = f"{source}: no total (gross amount) could be read, so the totals were not checked"
        found.append(_warning(codes.MISSING_MENTION, message, source, "total_gross"))
    return found


def check_mentions(fields: InvoiceFields, source: str, required: Iterable[str]) -> list[Finding]:
    """MISSING_MENTION for each required mention not found on the invoice."""
    found = []
    for name in required:
        present = (
            name in fields.mentions
            if name in ("late_penalties", "recovery_indemnity", "seller_address")
            else (getattr(fields, name, None) is not None)
        )
        if present:
            continue
        label = codes.MENTION_LABELS[name]
        if name in _UNSURE_MENTIONS:
            message = f"{source}: the {label} could not be found; check that the invoice shows it"
            found.append(_warning(codes.MISSING_MENTION, message, source, name))
        else:
            message = f"{source}: mandatory mention missing: the {label}"
            found.append(_error(codes.MISSING_MENTION, message, source, name))
    return found


def check_document(file: DossierFile, *, as_of: date, config: DocumentCheckConfig) -> list[Finding]:
    """Everything that can be said of one document alone."""
    name, document = file.filename, file.document
    found = reading_findings(name, document)
    if not document.readable:
        return found
    fields = document.fields
    if isinstance(fields, RibFields):
        found += check_iban(fields.iban, name, required=True)
        found += check_bic(fields.bic, fields.iban, name, required=True)
    elif isinstance(fields, KbisFields):
        found += check_siren(fields.siren, name, required=True)
        found += check_siret(fields.siret, fields.siren, name)
        found += _kbis_age(fields, name, as_of, config.kbis_max_age_months)
    elif isinstance(fields, IdentityFields):
        found += _identity_expiry(fields, name, as_of)
    elif isinstance(fields, InvoiceFields):
        found += check_siren(fields.seller_siren, name, required=False)
        found += check_siret(fields.seller_siret, fields.seller_siren, name)
        found += check_vat(fields.seller_vat_id, fields.seller_siren, name)
        found += check_iban(fields.iban, name, required=False)
        found += check_bic(fields.bic, fields.iban, name, required=False)
        found += check_totals(fields, name, config.totals_tolerance)
        found += check_mentions(fields, name, config.required_mentions)
    return found


def _kbis_age(fields: KbisFields, source: str, as_of: date, months: int) -> list[Finding]:
    if fields.extract_date is None:
        message = (
            f"{source}: the extract's date could not be read; check that it is under {months} months old"
        )
        return [_warning(codes.DOCUMENT_EXPIRED, message, source, "extract_date")]
    if add_months(fields.extract_date, months) < as_of:
        message = (
            f"{source}: Kbis extract of {fields.extract_date:%d/%m/%Y}, more than {months} months before "
            f"{as_of:%d/%m/%Y}; ask for a recent one"
        )
        return [_error(codes.DOCUMENT_EXPIRED, message, source, "extract_date")]
    if fields.extract_date > as_of:
        message = f"{source}: the extract is dated {fields.extract_date:%d/%m/%Y}, after today"
        return [_warning(codes.DOCUMENT_EXPIRED, message, source, "extract_date")]
    return []


def _identity_expiry(fields: IdentityFields, source: str, as_of: date) -> list[Finding]:
    if fields.expiry_date is None:
        message = f"{source}: the identity document's expiry date could not be read"
        return [_warning(codes.DOCUMENT_EXPIRED, message, source, "expiry_date")]
    if fields.expiry_date < as_of:
        message = f"{source}: identity document expired on {fields.expiry_date:%d/%m/%Y}; ask for a valid one"
        return [_error(codes.DOCUMENT_EXPIRED, message, source, "expiry_date")]
    return []


# --- the dossier as a whole -------------------------------------------------------------------------


def _invoice_number(number: str) -> str:
    return re.sub(r"[\s\-_/.]", "", number).upper()


def _seller_key(fields: InvoiceFields) -> str | None:
    """Who issued an invoice: the SIREN, else the one inside a French VAT number, else the folded name."""
    if fields.seller_siren and siren_is_valid(fields.seller_siren):
        return compact(fields.seller_siren)
    vat = compact(fields.seller_vat_id or "").upper()
    if vat.startswith("FR") and len(vat) == 13 and siren_is_valid(vat[4:]):
        return vat[4:]
    return fold(fields.seller_name) if fields.seller_name else None


@dataclass(frozen=True, slots=True)
class Seen:
    dossier_id: str
    filename: str


@dataclass
class InvoiceIndex:
    """The invoices already met, by file hash and by (seller, number): feed it dossier after dossier, in
    the order they were submitted, so the later copy is the duplicate."""

    by_hash: dict[str, Seen] = field(default_factory=dict)
    by_number: dict[tuple[str, str], Seen] = field(default_factory=dict)

    def duplicates(self, dossier_id: str, files: Sequence[DossierFile]) -> list[Finding]:
        """DUPLICATE_INVOICE for each invoice of this dossier already met (here or in an earlier one);
        then remembers them."""
        found = []
        for file in files:
            document = file.document
            if document.document_type is not DocumentType.INVOICE or not document.readable:
                continue
            where = self.by_hash.get(document.sha256) if document.sha256 else None
            fields = document.fields
            number = fields.number if isinstance(fields, InvoiceFields) else None
            seller = _seller_key(fields) if isinstance(fields, InvoiceFields) else None
            key = (seller, _invoice_number(number)) if seller and number else None
            same_number = self.by_number.get(key) if key else None
            earlier = where or same_number
            if earlier is not None:
                place = (
                    earlier.filename
                    if earlier.dossier_id == dossier_id
                    else f"{earlier.filename} of dossier {earlier.dossier_id}"
                )
                what = "the same file" if where else f"invoice number {number} of the same seller"
                message = f"{file.filename}: {what} is already in {place}"
                found.append(_error(codes.DUPLICATE_INVOICE, message, file.filename, "number"))
                continue
            if document.sha256:
                self.by_hash[document.sha256] = Seen(dossier_id, file.filename)
            if key:
                self.by_number[key] = Seen(dossier_id, file.filename)
        return found


def _missing_documents(
    files: Sequence[DossierFile], required: dict[str, tuple[DocumentType, ...]], source: str
) -> list[Finding]:
    """MISSING_DOCUMENT for each requirement no readable document meets. An unreadable file declared as
    the requirement's kind (or, undeclared, any unreadable file) may be it: then only its UNREADABLE
    finding stands, as the client must send it again anyway."""
    present = {f.document.document_type for f in files if f.document.readable}
    unreadable = [f for f in files if not f.document.readable]
    undeclared = sum(1 for f in unreadable if not f.declared_kind)
    declared = {f.declared_kind for f in unreadable if f.declared_kind}
    found = []
    for requirement, kinds in required.items():
        if present & set(kinds) or requirement in declared or declared & {k.value for k in kinds}:
            continue
        if undeclared:
            undeclared -= 1  # one unreadable file of unknown type may stand for this requirement
            continue
        wanted = " or ".join(_TYPE_LABELS[k] for k in kinds)
        message = f"dossier {source}: no {wanted} among its {len(files)} document(s)"
        found.append(_error(codes.MISSING_DOCUMENT, message, requirement, "document"))
    return found


@dataclass(frozen=True, slots=True)
class _Party:
    """Who a document says the client is: a name (with its legal form when printed) and a SIREN."""

    filename: str
    role: str
    name: str | None
    siren: str | None


def _parties(files: Sequence[DossierFile]) -> list[_Party]:
    parties = []
    for file in files:
        fields = file.document.fields
        if not file.document.readable:
            continue
        if isinstance(fields, KbisFields):
            name = " ".join(p for p in (fields.company_name, fields.legal_form) if p) or None
            parties.append(_Party(file.filename, "Kbis company", name, fields.siren))
        elif isinstance(fields, RibFields):
            parties.append(_Party(file.filename, "account holder", fields.holder, None))
        elif isinstance(fields, InvoiceFields):
            parties.append(_Party(file.filename, "invoice seller", fields.seller_name, _seller_key(fields)))
        elif isinstance(fields, IdentityFields) and fields.company_name:
            parties.append(
                _Party(file.filename, "company of the identity summary", fields.company_name, None)
            )
    return parties


def _consistency(files: Sequence[DossierFile]) -> list[Finding]:
    """NAME_MISMATCH / IDENTIFIER_MISMATCH between the Kbis company (else the account holder) and the
    other documents' parties. A different name is an error; the same name with another legal form, or
    a spelling one letter away, needs a person."""
    parties = _parties(files)
    reference = next((p for p in parties if p.role == "Kbis company" and p.name), None) or next(
        (p for p in parties if p.name), None
    )
    if reference is None:
        return []
    kbis_siren = next(
        (
            compact(p.siren)
            for p in parties
            if p.role == "Kbis company" and p.siren and siren_is_valid(p.siren)
        ),
        None,
    )
    found = []
    for party in parties:
        if party is reference:
            continue
        if (
            kbis_siren
            and party.siren
            and party.siren.isdigit()
            and siren_is_valid(party.siren)
            and party.siren != kbis_siren
        ):
            message = (
                f"{party.filename}: the {party.role} has SIREN {party.siren}, the Kbis company {kbis_siren}: "
                "another company"
            )
            found.append(_error(codes.IDENTIFIER_MISMATCH, message, party.filename, "siren"))
            continue
        if not party.name or not reference.name:
            continue
        comparison = compare_names(reference.name, party.name)
        said = (
            f"{party.filename}: the {party.role} is {party.name!r}, the {reference.role} {reference.name!r}"
        )
        field_name = (
            "holder"
            if party.role == "account holder"
            else "seller_name"
            if party.role == "invoice seller"
            else "company_name"
        )
        if comparison.sameness is Sameness.DIFFERENT:
            found.append(
                _error(codes.NAME_MISMATCH, f"{said}: not the same party", party.filename, field_name)
            )
        elif comparison.sameness is Sameness.LEGAL_FORM_DIFFERS:
            message = f"{said}: same name, another legal form; a person confirms it is the same company"
            found.append(_warning(codes.NAME_MISMATCH, message, party.filename, field_name))
        elif comparison.sameness is Sameness.SIMILAR:
            message = f"{said}: close but not equal (a typing error?); a person confirms"
            found.append(_warning(codes.NAME_MISMATCH, message, party.filename, field_name))
    return found


def check_dossier(
    dossier_id: str,
    files: Sequence[DossierFile],
    *,
    as_of: date,
    config: DocumentCheckConfig,
    index: InvoiceIndex | None = None,
) -> list[Finding]:
    """Every finding of a dossier, sorted by document then code. ``index`` carries the invoices of the
    dossiers checked before (for duplicates across dossiers); this dossier's invoices are added to it."""
    found: list[Finding] = []
    for file in files:
        found += check_document(file, as_of=as_of, config=config)
    found += _missing_documents(files, config.required_documents, dossier_id)
    found += (index if index is not None else InvoiceIndex()).duplicates(dossier_id, files)
    found += _consistency(files)
    order = {f.filename: i for i, f in enumerate(files)}
    return sorted(found, key=lambda f: (order.get(f.source, len(order)), f.source, f.code, f.field))
