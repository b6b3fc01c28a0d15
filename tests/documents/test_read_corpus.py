"""The real invoices of the shared corpus read as their expected readings say (totals, dates, numbers)."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from rpa.documents.facturx import FACTURX_SCHEMA
from rpa.documents.model import DocumentType, InvoiceFields, Source
from rpa.documents.read import read_documents
from rpa.findings import Severity
from tests.documents.pdfmaker import text_pdf

# expected.json key → what it means in InvoiceFields
_COMPARED = {
    "amount": "total_gross",
    "amount_untaxed": "total_net",
    "amount_tax": "total_tax",
    "date": "issue_date",
    "date_due": "due_date",
    "invoice_number": "number",
}


def _expected(value: object, field: str) -> object:
    if field.endswith("date"):
        return date.fromisoformat(str(value))
    if field.startswith("total"):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    return str(value)


def test_invoices_match_their_expected_readings(corpus: Path) -> None:
    folder = corpus / "documents" / "invoices"
    pdfs = sorted(folder.glob("*.pdf"))
    results = read_documents(pdfs, workers=2)
    matched, compared, misses = 0, 0, []
    for pdf, document in zip(pdfs, results, strict=True):
        assert document.document_type is DocumentType.INVOICE, pdf.name
        assert isinstance(document.fields, InvoiceFields)
        expected = json.loads(pdf.with_suffix(".expected.json").read_text())[0]
        for key, field in _COMPARED.items():
            if key not in expected:
                continue
            compared += 1
            got, want = getattr(document.fields, field), _expected(expected[key], field)
            if got == want:
                matched += 1
            else:
                misses.append(f"{pdf.name} {field}: read {got!r}, expected {want!r}")
    # Every gross total, issue date and number must match; a net total written without a label may be missed.
    assert not [m for m in misses if "total_gross" in m or "issue_date" in m or "number" in m], misses
    assert matched >= compared - 1, misses


def test_facturx_xml_is_preferred_to_the_text(corpus: Path) -> None:
    pdf = corpus / "documents" / "facturx" / "invoice_EN16931.pdf"
    (document,) = read_documents([pdf])
    assert document.source is Source.FACTURX
    fields = document.fields
    assert isinstance(fields, InvoiceFields)
    assert (fields.number, fields.issue_date, fields.due_date) == (
        "F20260023",
        date(2026, 1, 31),
        date(2026, 3, 2),
    )
    assert (fields.total_net, fields.total_tax, fields.total_gross) == (
        Decimal("100.00"),
        Decimal("4.90"),
        Decimal("104.90"),
    )
    assert (fields.seller_siren, fields.seller_vat_id) == ("123456782", "FR11123456782")
    assert sum(line.tax or 0 for line in fields.vat_breakdown) == fields.total_tax


def test_an_embedded_xml_off_its_schema_is_still_read_and_says_why(corpus: Path, tmp_path: Path) -> None:
    source = corpus / "documents" / "facturx" / "factur-x-basic.xml"
    xml = source.read_bytes()
    off_schema = xml.replace(b"</ram:TypeCode>", b"</ram:TypeCode><ram:Unexpected>1</ram:Unexpected>", 1)
    assert off_schema != xml
    paths = []
    for name, data in (("valid.pdf", xml), ("invalid.pdf", off_schema)):
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(["FACTURE", "Total TTC : 1,00 EUR"]))))
        writer.add_attachment("factur-x.xml", data)
        with (tmp_path / name).open("wb") as handle:
            writer.write(handle)
        paths.append(tmp_path / name)
    valid, invalid = read_documents(paths)
    assert not [f for f in valid.findings if f.code == FACTURX_SCHEMA]
    assert valid.source is invalid.source is Source.FACTURX
    assert invalid.fields == valid.fields  # the data was read all the same
    (problem,) = [f for f in invalid.findings if f.code == FACTURX_SCHEMA]
    assert (
        problem.severity is Severity.WARNING and "Unexpected" in problem.message and "line" in problem.message
    )
