"""The client's invoices in a dossier: drawn from the seed, printed as PDF (some as Factur-X), with the
invoice defects planted where the dossier's plan says: totals that do not add up, a missing mention,
a duplicate number.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from . import pdf_render, vocabulary
from .facturx import build_cii_xml, embed_facturx
from .model import INVOICE_DUPLICATE, MENTION_MISSING, TOTALS_MISMATCH, Client, Finding, Invoice, InvoiceLine

CENT = Decimal("0.01")

MENTION_LABELS = {
    "siren": "SIREN",
    "vat_number": "numéro de TVA intracommunautaire",
    "due_date": "date d'échéance",
}


def _invoice(rng: random.Random, number: str, reference_day: date) -> Invoice:
    issue = reference_day - timedelta(days=rng.randint(15, 150))
    lines = []
    for _ in range(rng.randint(1, 4)):
        description, low, high = rng.choice(vocabulary.PRODUCTS)
        quantity = Decimal(rng.randint(1, 12))
        unit_price = Decimal(rng.randint(low * 100, high * 100)).scaleb(-2)
        lines.append(InvoiceLine(description, quantity, unit_price, (quantity * unit_price).quantize(CENT)))
    total_ht = sum((line.amount for line in lines), Decimal(0))
    rate = Decimal(rng.choice(vocabulary.VAT_RATES))
    vat = (total_ht * rate / 100).quantize(CENT, ROUND_HALF_UP)
    customer = rng.choice(vocabulary.CUSTOMERS)
    return Invoice(
        number=number,
        issue_date=issue,
        due_date=issue + timedelta(days=rng.choice((30, 45, 60))),
        customer=customer,
        customer_city=rng.choice(vocabulary.TOWNS)[0],
        lines=tuple(lines),
        total_ht=total_ht,
        vat_rate=rate,
        total_vat=vat,
        total_ttc=total_ht + vat,
        facturx_profile=rng.choice(("BASIC", "EN16931")) if rng.random() < 0.4 else None,
    )


def _break_totals(rng: random.Random, invoice: Invoice) -> tuple[Invoice, str]:
    """Totals that do not add up: either the lines do not sum to the total HT, or HT + VAT is not TTC."""
    delta = Decimal(rng.choice((-1, 1)) * rng.randint(1, 50) * 10)
    lines_sum = pdf_render.euros(invoice.total_ht)
    if rng.random() < 0.5:
        printed_ht = invoice.total_ht + delta
        vat = (printed_ht * invoice.vat_rate / 100).quantize(CENT, ROUND_HALF_UP)
        broken = replace(invoice, total_ht=printed_ht, total_vat=vat, total_ttc=printed_ht + vat)
        return broken, f"somme des lignes {lines_sum} ≠ total HT {pdf_render.euros(printed_ht)}"
    broken = replace(invoice, total_ttc=invoice.total_ttc + delta)
    computed = pdf_render.euros(invoice.total_ht + invoice.total_vat)
    return broken, f"total HT + TVA = {computed} ≠ total TTC {pdf_render.euros(broken.total_ttc)}"


def invoice_files(
    rng: random.Random, client: Client, codes: set[str], reference_day: date, findings: list[Finding]
) -> list[tuple[str, str, bytes]]:
    """The client's invoices; the totals defect goes in the first, the missing mention in the last,
    and a duplicate is one more invoice reusing the first one's number."""
    number = rng.randint(100, 900)
    invoices = []
    for _ in range(rng.randint(1, 3)):
        invoices.append(_invoice(rng, f"F{reference_day.year}-{number:04d}", reference_day))
        number += rng.randint(1, 7)  # other customers' invoices fall in between
    names = [f"facture-{k + 1:02d}.pdf" for k in range(len(invoices))]
    if TOTALS_MISMATCH in codes:
        invoices[0], detail = _break_totals(rng, invoices[0])
        findings.append(Finding(TOTALS_MISMATCH, names[0], detail))
    if MENTION_MISSING in codes:
        mention = rng.choice(tuple(MENTION_LABELS))
        last = invoices[-1]
        if mention == "siren":
            invoices[-1] = replace(last, show_siren=False)
        elif mention == "vat_number":
            invoices[-1] = replace(last, show_vat_number=False)
        else:
            invoices[-1] = replace(last, due_date=None)
        findings.append(
            Finding(MENTION_MISSING, names[-1], f"mention obligatoire absente : {MENTION_LABELS[mention]}")
        )
    if INVOICE_DUPLICATE in codes:
        copy = replace(_invoice(rng, invoices[0].number, reference_day), facturx_profile=None)
        invoices.append(copy)
        names.append(f"facture-{len(invoices):02d}.pdf")
        detail = f"facture n° {copy.number} déjà présente dans {names[0]}"
        findings.append(Finding(INVOICE_DUPLICATE, names[-1], detail))
    files = []
    for name, invoice in zip(names, invoices, strict=True):
        pdf = pdf_render.render_invoice(client, invoice)
        if invoice.facturx_profile:
            pdf = embed_facturx(pdf, build_cii_xml(client, invoice))
        files.append((name, "invoice", pdf))
    return files
