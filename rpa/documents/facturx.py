"""Factur-X / ZUGFeRD: the invoice XML (UN/CEFACT CII) embedded in a PDF, found with pypdf and read
with defusedxml into InvoiceFields. XSD validation is not done here: a schema failure is a separate check."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as safe_et
from pypdf import PdfReader

from rpa.documents.model import UNREADABLE, InvoiceFields, VatLine
from rpa.documents.statements.xmlsafe import child, children, local, text
from rpa.findings import Finding, Severity
from rpa.identifiers import compact

# The names the Factur-X, ZUGFeRD 1/2 and XRechnung profiles give their embedded XML.
XML_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "zugferd_invoice.xml", "xrechnung.xml")
MAX_XML_BYTES = 5 * 1024 * 1024  # a CII invoice is tens of KiB; anything this large is not one
FACTURX_FIELD = "FACTURX_FIELD"  # one field of the XML is not what CII expects (an amount, a date)
FACTURX_SCHEMA = "FACTURX_SCHEMA_INVALID"  # the XML does not follow its profile's XSD (it was still read)
# pypdf logs what it repairs ("EOF marker not found") on stderr; a broken file is reported as a finding.
logging.getLogger("pypdf").setLevel(logging.ERROR)
_SIREN_SCHEME = "0002"
_SIRET_SCHEME = "0009"


def embedded_xml(path: Path) -> tuple[str, bytes] | None:
    """The (name, bytes) of the Factur-X/ZUGFeRD XML attached to the PDF at ``path``; None if there is none.

    A PDF pypdf cannot open (encrypted, damaged) has no usable attachment: the text path says why.
    """
    try:
        attachments = PdfReader(path).attachments
        for name in attachments:
            if name.lower() in XML_NAMES:
                contents = attachments[name]
                return (name, contents[0]) if contents else None
    except Exception:  # pypdf raises many types on damaged or encrypted files; the text path reports them
        return None
    return None


def schema_problem(data: bytes) -> str | None:
    """Why the XML does not validate against the official XSD of its profile (minimum, basic WL, basic,
    EN 16931, extended, detected from the XML), or None when it does. Only called on XML already parsed
    safely; parsed again here without entity expansion or network access."""
    from facturx import xml_check_xsd
    from lxml import etree

    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
        xml_check_xsd(etree.fromstring(data, parser))
    except Exception as exc:  # the library raises plain Exception/ValueError with the schema's message
        message = " ".join(str(exc).split())
        message = message.split("cause of the problem: ", 1)[-1]  # the library's preamble
        return re.sub(r"\{[^}]*\}", "", message)[:400]  # namespaces make it unreadable, not clearer
    return None


def read_facturx(data: bytes, source: str) -> tuple[InvoiceFields | None, list[Finding]]:
    """The invoice fields of a CII XML (``source`` names the file in findings); None when unusable."""
    if len(data) > MAX_XML_BYTES:
        return None, [_finding(source, f"its embedded XML is {len(data):,} bytes, refused as too large")]
    try:
        root: Element = safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        return None, [
            _finding(source, f"its embedded XML declares a DTD or entities ({type(exc).__name__}), refused")
        ]
    except ParseError as exc:
        line, column = exc.position
        return None, [_finding(source, f"its embedded XML is not well-formed (line {line}, column {column})")]
    if local(root.tag) != "CrossIndustryInvoice":
        return None, [_finding(source, f"its embedded XML is a {local(root.tag)}, not a CII invoice")]
    findings: list[Finding] = []
    fields = _invoice(root, source, findings)
    return fields, findings


def _invoice(root: Element, source: str, findings: list[Finding]) -> InvoiceFields:
    document = child(root, "ExchangedDocument")
    transaction = child(root, "SupplyChainTradeTransaction")
    agreement = child(transaction, "ApplicableHeaderTradeAgreement")
    settlement = child(transaction, "ApplicableHeaderTradeSettlement")
    seller = child(agreement, "SellerTradeParty")
    buyer = child(agreement, "BuyerTradeParty")
    summation = child(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation")
    currency = text(settlement, "InvoiceCurrencyCode") or None
    means = child(settlement, "SpecifiedTradeSettlementPaymentMeans")
    seller_siren, seller_siret = _legal_id(seller)
    buyer_siren, _ = _legal_id(buyer)

    def amount(element: Element | None, *names: str) -> Decimal | None:
        return _decimal(text(element, *names), source, "/".join(names), findings)

    def when(element: Element | None, *names: str) -> date | None:
        return _date(text(element, *names, "DateTimeString"), source, "/".join(names), findings)

    return InvoiceFields(
        number=text(document, "ID") or None,
        issue_date=when(document, "IssueDateTime"),
        due_date=when(settlement, "SpecifiedTradePaymentTerms", "DueDateDateTime"),
        seller_name=text(seller, "Name") or None,
        seller_siren=seller_siren,
        seller_siret=seller_siret,
        seller_vat_id=_vat_id(seller),
        buyer_name=text(buyer, "Name") or None,
        buyer_siren=buyer_siren,
        buyer_vat_id=_vat_id(buyer),
        iban=compact(text(means, "PayeePartyCreditorFinancialAccount", "IBANID")) or None,
        bic=compact(text(means, "PayeeSpecifiedCreditorFinancialInstitution", "BICID")) or None,
        currency=currency,
        total_net=amount(summation, "TaxBasisTotalAmount"),
        total_tax=_tax_total(summation, currency, source, findings),
        total_gross=amount(summation, "GrandTotalAmount"),
        amount_due=amount(summation, "DuePayableAmount"),
        lines_total=_lines_total(summation, source, findings),
        mentions=("seller_address",) if text(seller, "PostalTradeAddress", "CityName") else (),
        vat_breakdown=tuple(
            VatLine(
                rate=amount(tax, "RateApplicablePercent") or Decimal(0),
                base=amount(tax, "BasisAmount"),
                tax=amount(tax, "CalculatedAmount"),
                category=text(tax, "CategoryCode"),
            )
            for tax in (children(settlement, "ApplicableTradeTax") if settlement is not None else [])
        ),
    )


def _lines_total(summation: Element | None, source: str, findings: list[Finding]) -> Decimal | None:
    """The lines' sum with the document-level charges added and allowances taken off: what the taxable
    base must equal (EN 16931 BR-CO-13)."""
    lines = _decimal(text(summation, "LineTotalAmount"), source, "LineTotalAmount", findings)
    if lines is None:
        return None
    charges = _decimal(text(summation, "ChargeTotalAmount"), source, "ChargeTotalAmount", findings)
    allowances = _decimal(text(summation, "AllowanceTotalAmount"), source, "AllowanceTotalAmount", findings)
    return lines + (charges or 0) - (allowances or 0)


def _legal_id(party: Element | None) -> tuple[str | None, str | None]:
    """(SIREN, SIRET) of a party from its legal registration: a SIRET also gives its SIREN."""
    element = child(party, "SpecifiedLegalOrganization", "ID")
    value = compact(element.text or "") if element is not None else ""
    scheme = element.get("schemeID", "") if element is not None else ""
    if value.isdigit() and (len(value) == 14 or scheme == _SIRET_SCHEME):
        return value[:9], value
    if value.isdigit() and (len(value) == 9 or scheme == _SIREN_SCHEME):
        return value, None
    return None, None


def _vat_id(party: Element | None) -> str | None:
    for registration in children(party, "SpecifiedTaxRegistration") if party is not None else []:
        element = child(registration, "ID")
        if element is not None and element.get("schemeID") == "VA" and element.text:
            return compact(element.text)
    return None


def _tax_total(
    summation: Element | None, currency: str | None, source: str, findings: list[Finding]
) -> Decimal | None:
    """The VAT total in the invoice currency: CII may state it twice (invoice and accounting currency)."""
    totals = children(summation, "TaxTotalAmount") if summation is not None else []
    chosen = next(
        (t for t in totals if t.get("currencyID") in (currency, None)), totals[0] if totals else None
    )
    return _decimal(text(chosen), source, "TaxTotalAmount", findings) if chosen is not None else None


def _decimal(value: str, source: str, field: str, findings: list[Finding]) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        findings.append(_finding(source, f"{field} {value!r} is not an amount", field=field))
        return None
    return number


def _date(value: str, source: str, field: str, findings: list[Finding]) -> date | None:
    """A CII date: format 102 (``YYYYMMDD``), the one Factur-X uses."""
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        findings.append(
            _finding(source, f"{field} {value!r} is not a YYYYMMDD date", Severity.WARNING, field)
        )
        return None


def _finding(source: str, problem: str, severity: Severity = Severity.WARNING, field: str = "") -> Finding:
    """A warning: the embedded XML (or one of its fields) is unusable, the PDF text still stands."""
    code = FACTURX_FIELD if field else UNREADABLE
    return Finding(
        code, severity, f"{source}: {problem}; the PDF text is read instead.", source, field or "factur-x"
    )
