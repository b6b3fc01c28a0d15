"""The client's invoices in a dossier: drawn from the seed, printed as PDF (some as Factur-X), with the
invoice defects planted where the dossier's plan says, each on an invoice of its own: totals that do not
add up, a missing mention, a wrong identifier or seller name, a duplicate within the dossier or of an
invoice already filed in the client's earlier dossier.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from . import identifiers, parties, pdf_render, vocabulary
from .facturx import build_cii_xml, embed_facturx
from .model import DUPLICATE_INVOICE, MISSING_MENTION, TOTALS_MISMATCH, Client, Finding, Invoice, InvoiceLine

CENT = Decimal("0.01")

# field -> how the detail names the missing mention
MENTION_LABELS = {
    "siren": "SIREN",
    "vat_number": "numéro de TVA intracommunautaire",
    "due_date": "date d'échéance",
    "penalty_rate": "taux des pénalités de retard",
    "recovery_indemnity": "indemnité forfaitaire de 40 € pour frais de recouvrement",
}
# Defect kinds planted on an invoice of their own; the duplicates are extra invoices.
OWN_INVOICE_KINDS = (
    "totals_mismatch",
    "missing_mention",
    "vat_number_invalid",
    "siret_invalid",
    "identifier_mismatch",
    "name_mismatch",
    "legal_form_differs",
    "legal_form_omitted",
)


@dataclass(frozen=True)
class PrintedInvoice:
    filename: str
    invoice: Invoice
    seller: Client  # the seller as printed: the client, or a variant carrying a defect
    data: bytes


@dataclass(frozen=True)
class EarlierDossier:
    """The client's earlier dossier, whose invoices a re-submission may file again."""

    id: str
    invoices: tuple[PrintedInvoice, ...]


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
    town, postcode, _ = rng.choice(vocabulary.TOWNS)
    street = (
        f"{rng.randint(1, 180)} {rng.choice(vocabulary.STREET_KINDS)} {rng.choice(vocabulary.STREET_NAMES)}"
    )
    return Invoice(
        number=number,
        issue_date=issue,
        due_date=issue + timedelta(days=rng.choice((30, 45, 60))),
        customer=rng.choice(vocabulary.CUSTOMERS),
        customer_street=street,
        customer_postcode=postcode,
        customer_city=town,
        customer_vat_number=identifiers.vat_number(identifiers.make_siren(rng)),
        lines=tuple(lines),
        total_ht=total_ht,
        vat_rate=rate,
        total_vat=vat,
        total_ttc=total_ht + vat,
        facturx_profile=rng.choice(("BASIC", "EN16931")) if rng.random() < 0.4 else None,
    )


def _break_totals(rng: random.Random, invoice: Invoice, document: str) -> tuple[Invoice, Finding]:
    """Totals that do not add up, by far more than a rounding cent: the lines do not sum to the total
    HT, or the VAT is not HT × rate, or HT + VAT is not TTC."""
    delta = Decimal(rng.choice((-1, 1)) * rng.randint(1, 50) * 10)
    variant = rng.choice(("net", "vat", "gross"))
    if variant == "net":
        printed_ht = invoice.total_ht + delta
        vat = (printed_ht * invoice.vat_rate / 100).quantize(CENT, ROUND_HALF_UP)
        broken = replace(invoice, total_ht=printed_ht, total_vat=vat, total_ttc=printed_ht + vat)
        detail = (
            f"somme des lignes {pdf_render.euros(invoice.total_ht)} ≠ total HT {pdf_render.euros(printed_ht)}"
        )
        return broken, Finding(TOTALS_MISMATCH, document, detail, "total_net")
    if variant == "vat":
        vat = invoice.total_vat + delta / 10
        broken = replace(invoice, total_vat=vat, total_ttc=invoice.total_ht + vat)
        rate = f"{invoice.vat_rate:.2f}".replace(".", ",")
        detail = (
            f"TVA {rate} % de {pdf_render.euros(invoice.total_ht)} = {pdf_render.euros(invoice.total_vat)}"
            f" ≠ TVA facturée {pdf_render.euros(vat)}"
        )
        return broken, Finding(TOTALS_MISMATCH, document, detail, "total_vat")
    broken = replace(invoice, total_ttc=invoice.total_ttc + delta)
    computed = pdf_render.euros(invoice.total_ht + invoice.total_vat)
    detail = f"total HT + TVA = {computed} ≠ total TTC {pdf_render.euros(broken.total_ttc)}"
    return broken, Finding(TOTALS_MISMATCH, document, detail, "total_gross")


def _drop_mention(rng: random.Random, invoice: Invoice, document: str) -> tuple[Invoice, Finding]:
    mention = rng.choice(tuple(MENTION_LABELS))
    if mention == "siren":
        invoice = replace(invoice, show_siren=False)
    elif mention == "vat_number":
        invoice = replace(invoice, show_vat_number=False)
    elif mention == "due_date":
        invoice = replace(invoice, due_date=None)
    elif mention == "penalty_rate":
        invoice = replace(invoice, show_penalty_rate=False)
    else:
        invoice = replace(invoice, show_recovery_indemnity=False)
    detail = f"mention obligatoire absente : {MENTION_LABELS[mention]}"
    return invoice, Finding(MISSING_MENTION, document, detail, mention)


def _render(name: str, invoice: Invoice, seller: Client) -> PrintedInvoice:
    pdf = pdf_render.render_invoice(seller, invoice)
    if invoice.facturx_profile:
        pdf = embed_facturx(pdf, build_cii_xml(seller, invoice))
    return PrintedInvoice(name, invoice, seller, pdf)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def invoice_files(
    rng: random.Random,
    client: Client,
    kinds: list[str],
    reference_day: date,
    findings: list[Finding],
    benign: list[Finding],
    earlier: EarlierDossier | None = None,
) -> list[PrintedInvoice]:
    """The client's invoices with the invoice-level defect ``kinds`` planted, findings appended to
    ``findings`` (and benign variations to ``benign``). Defects on an invoice of their own leave at least
    one clean invoice, the one a within-dossier duplicate repeats."""
    own = [kind for kind in kinds if kind in OWN_INVOICE_KINDS]
    count = max(rng.randint(1, 3), len(own) + ("duplicate_invoice" in kinds))
    if earlier is not None:  # the client's numbering goes on after the invoices already filed
        number = max(int(p.invoice.number.split("-")[1]) for p in earlier.invoices) + rng.randint(1, 7)
    else:
        number = rng.randint(100, 900)
    invoices = []
    for _ in range(count):
        invoices.append(_invoice(rng, f"F{reference_day.year}-{number:04d}", reference_day))
        number += rng.randint(1, 7)  # other customers' invoices fall in between
    names = [f"facture-{k + 1:02d}.pdf" for k in range(count)]
    sellers = [client] * count
    slots = rng.sample(range(count), len(own))
    for kind, slot in zip(own, slots, strict=True):
        name = names[slot]
        finding: Finding
        if kind == "totals_mismatch":
            invoices[slot], finding = _break_totals(rng, invoices[slot], name)
        elif kind == "missing_mention":
            invoices[slot], finding = _drop_mention(rng, invoices[slot], name)
        elif kind == "vat_number_invalid":
            sellers[slot], finding = parties.vat_typo(rng, client, name)
        elif kind == "siret_invalid":
            sellers[slot], finding = parties.siret_typo(client, name)
        elif kind == "identifier_mismatch":
            sellers[slot], finding = parties.other_siren(rng, client, name)
        else:
            sellers[slot], finding = parties.renamed(rng, kind, client, name, "invoice")
        (benign if kind == "legal_form_omitted" else findings).append(finding)
    printed = [_render(n, i, s) for n, i, s in zip(names, invoices, sellers, strict=True)]

    if "duplicate_invoice" in kinds:
        clean = [p for k, p in enumerate(printed) if k not in slots]
        source = rng.choice(clean)
        name = f"facture-{len(printed) + 1:02d}.pdf"
        if rng.random() < 0.5:
            printed.append(replace(source, filename=name))
            detail = f"copie à l'identique de {source.filename} (même empreinte SHA-256 {_sha(source.data)}…)"
            findings.append(Finding(DUPLICATE_INVOICE, name, detail, "sha256"))
        else:
            again = replace(_invoice(rng, source.invoice.number, reference_day), facturx_profile=None)
            printed.append(_render(name, again, client))
            detail = f"facture n° {again.number} du même vendeur déjà présente dans {source.filename}"
            findings.append(Finding(DUPLICATE_INVOICE, name, detail, "number"))
    if "resubmitted_invoice" in kinds and earlier is not None:
        source = rng.choice(earlier.invoices)
        name = f"facture-{len(printed) + 1:02d}.pdf"
        where = f"{source.filename} du dossier {earlier.id}"
        if rng.random() < 0.5:
            printed.append(replace(source, filename=name))
            detail = f"copie à l'identique de {where} (même empreinte SHA-256 {_sha(source.data)}…)"
            findings.append(Finding(DUPLICATE_INVOICE, name, detail, "sha256"))
        else:
            again = replace(_invoice(rng, source.invoice.number, reference_day), facturx_profile=None)
            printed.append(_render(name, again, client))
            detail = f"facture n° {again.number} du même vendeur déjà déposée : {where}"
            findings.append(Finding(DUPLICATE_INVOICE, name, detail, "number"))
    return printed
