"""Factur-X: the invoice's CII XML (profile BASIC or EN16931) embedded in its PDF as ``factur-x.xml``.

The XML says exactly what the PDF prints, defects included (a missing due date or payment mention, a
wrong identifier or seller name, totals that disagree).
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from decimal import Decimal

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, NameObject, TextStringObject

from .model import Client, Invoice
from .pdf_render import legal_notes

NAMESPACES = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
GUIDELINES = {
    "BASIC": "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
    "EN16931": "urn:cen.eu:en16931:2017",
}
for _prefix, _uri in NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    prefix, name = tag.split(":")
    element = ET.SubElement(parent, f"{{{NAMESPACES[prefix]}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _date(parent: ET.Element, tag: str, value: str) -> None:
    _el(_el(parent, tag), "udt:DateTimeString", value, format="102")


def _address(party: ET.Element, line: str, postcode: str, city: str) -> None:
    address = _el(party, "ram:PostalTradeAddress")
    if postcode:
        _el(address, "ram:PostcodeCode", postcode)
    if line:
        _el(address, "ram:LineOne", line)
    _el(address, "ram:CityName", city)
    _el(address, "ram:CountryID", "FR")


def build_cii_xml(client: Client, invoice: Invoice) -> bytes:
    """The Cross Industry Invoice for ``invoice``, UTF-8, deterministic."""
    profile = invoice.facturx_profile or "BASIC"
    root = ET.Element(f"{{{NAMESPACES['rsm']}}}CrossIndustryInvoice")
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", GUIDELINES[profile])
    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", invoice.number)
    _el(document, "ram:TypeCode", "380")
    _date(document, "ram:IssueDateTime", invoice.issue_date.strftime("%Y%m%d"))
    for subject, text in legal_notes(invoice).items():
        note = _el(document, "ram:IncludedNote")
        _el(note, "ram:Content", text)
        _el(note, "ram:SubjectCode", subject)
    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    rate = f"{invoice.vat_rate:.2f}"
    for index, line in enumerate(invoice.lines, start=1):
        item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(index))
        _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description)
        price = _el(_el(item, "ram:SpecifiedLineTradeAgreement"), "ram:NetPriceProductTradePrice")
        _el(price, "ram:ChargeAmount", _amount(line.unit_price))
        _el(
            _el(item, "ram:SpecifiedLineTradeDelivery"),
            "ram:BilledQuantity",
            f"{line.quantity:f}",
            unitCode="C62",
        )
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:TypeCode", "VAT")
        _el(tax, "ram:CategoryCode", "S")
        _el(tax, "ram:RateApplicablePercent", rate)
        summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, "ram:LineTotalAmount", _amount(line.amount))
    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    seller = _el(agreement, "ram:SellerTradeParty")
    _el(seller, "ram:Name", client.name)
    if invoice.show_siren:
        _el(_el(seller, "ram:SpecifiedLegalOrganization"), "ram:ID", client.siren, schemeID="0002")
    _address(seller, client.street, client.postcode, client.city)
    if invoice.show_vat_number:
        _el(_el(seller, "ram:SpecifiedTaxRegistration"), "ram:ID", client.vat_number, schemeID="VA")
    buyer = _el(agreement, "ram:BuyerTradeParty")
    _el(buyer, "ram:Name", invoice.customer)
    _address(buyer, invoice.customer_street, invoice.customer_postcode, invoice.customer_city)
    _el(_el(buyer, "ram:SpecifiedTaxRegistration"), "ram:ID", invoice.customer_vat_number, schemeID="VA")
    _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    header = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(header, "ram:InvoiceCurrencyCode", "EUR")
    tax = _el(header, "ram:ApplicableTradeTax")
    _el(tax, "ram:CalculatedAmount", _amount(invoice.total_vat))
    _el(tax, "ram:TypeCode", "VAT")
    _el(tax, "ram:BasisAmount", _amount(invoice.total_ht))
    _el(tax, "ram:CategoryCode", "S")
    _el(tax, "ram:RateApplicablePercent", rate)
    if invoice.due_date is not None:
        _date(
            _el(header, "ram:SpecifiedTradePaymentTerms"),
            "ram:DueDateDateTime",
            invoice.due_date.strftime("%Y%m%d"),
        )
    totals = _el(header, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(totals, "ram:LineTotalAmount", _amount(sum((line.amount for line in invoice.lines), Decimal(0))))
    _el(totals, "ram:TaxBasisTotalAmount", _amount(invoice.total_ht))
    _el(totals, "ram:TaxTotalAmount", _amount(invoice.total_vat), currencyID="EUR")
    _el(totals, "ram:GrandTotalAmount", _amount(invoice.total_ttc))
    _el(totals, "ram:DuePayableAmount", _amount(invoice.total_ttc))
    ET.indent(root, space="  ")
    xml: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return xml


def embed_facturx(pdf: bytes, xml: bytes) -> bytes:
    """The PDF with ``xml`` attached as ``factur-x.xml`` (an associated file, relationship Data)."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    embedded = writer.add_attachment("factur-x.xml", xml)
    embedded.subtype = NameObject("/text#2Fxml")
    embedded.associated_file_relationship = NameObject("/Data")
    embedded.description = TextStringObject("Factur-X invoice data")
    embedded.pdf_object[NameObject("/UF")] = TextStringObject("factur-x.xml")
    writer.root_object[NameObject("/AF")] = ArrayObject([embedded.pdf_object.indirect_reference])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
