"""PDF attachments drawn with reportlab: invoice, RIB, Kbis extract, identity summary, and bad scans.

Every PDF is built with ``invariant=1`` and fixed metadata, so the same inputs give the same bytes.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from .identifiers import format_iban, spaced_siren
from .model import Client, Invoice

WIDTH, HEIGHT = A4
LEFT = 50.0


def euros(amount: Decimal) -> str:
    """French money formatting: 1 234,50 €."""
    whole, cents = f"{amount:.2f}".split(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    groups: list[str] = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return f"{sign}{' '.join(groups)},{cents} €"


def french_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _pdf(title: str, author: str, draw: Callable[[Canvas], None]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setCreator("DocPortal")
    canvas.setSubject(title)
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _lines(
    canvas: Canvas, x: float, y: float, rows: list[str], *, size: float = 10, leading: float = 14
) -> float:
    canvas.setFont("Helvetica", size)
    for row in rows:
        canvas.drawString(x, y, row)
        y -= leading
    return y


PENALTY_NOTE = "Pénalités de retard : trois fois le taux d'intérêt légal."
INDEMNITY_NOTE = "Indemnité forfaitaire pour frais de recouvrement : 40 €."
DISCOUNT_NOTE = "Pas d'escompte pour paiement anticipé."


def legal_notes(invoice: Invoice) -> dict[str, str]:
    """The payment mentions the invoice prints, by their UNTDID 4451 subject code (as Factur-X files
    them): late-payment penalties (PMD), the 40 EUR recovery indemnity (PMT), the discount terms (AAB)."""
    notes = {}
    if invoice.show_penalty_rate:
        notes["PMD"] = PENALTY_NOTE
    if invoice.show_recovery_indemnity:
        notes["PMT"] = INDEMNITY_NOTE
    notes["AAB"] = DISCOUNT_NOTE
    return notes


def render_invoice(client: Client, invoice: Invoice) -> bytes:
    """An invoice issued by the client to one of its customers, with the legal mentions it shows."""

    def draw(c: Canvas) -> None:
        c.setFont("Helvetica-Bold", 14)
        c.drawString(LEFT, HEIGHT - 60, client.name)
        seller = [f"{client.street}", f"{client.postcode} {client.city}"]
        seller.append(f"{client.legal_form} au capital de {client.share_capital} €")
        if invoice.show_siren:
            seller.append(f"SIREN : {spaced_siren(client.siren)} - RCS {client.rcs_city}")
            seller.append(f"SIRET : {client.siret}")
        if invoice.show_vat_number:
            seller.append(f"N° TVA intracommunautaire : {client.vat_number}")
        _lines(c, LEFT, HEIGHT - 80, seller, size=9, leading=12)
        c.setFont("Helvetica-Bold", 11)
        c.drawString(330, HEIGHT - 170, "Facturé à :")
        buyer = [
            invoice.customer,
            invoice.customer_street,
            f"{invoice.customer_postcode} {invoice.customer_city}",
            f"N° TVA : {invoice.customer_vat_number}",
        ]
        _lines(c, 330, HEIGHT - 185, buyer, size=9, leading=12)
        c.setFont("Helvetica-Bold", 16)
        c.drawString(LEFT, HEIGHT - 235, f"FACTURE N° {invoice.number}")
        header = [f"Date d'émission : {french_date(invoice.issue_date)}"]
        if invoice.due_date is not None:
            header.append(f"Date d'échéance : {french_date(invoice.due_date)}")
        y = _lines(c, LEFT, HEIGHT - 255, header) - 16
        c.setFont("Helvetica-Bold", 10)
        for x, title in ((LEFT, "Désignation"), (310, "Qté"), (370, "PU HT"), (470, "Montant HT")):
            c.drawString(x, y, title)
        c.line(LEFT, y - 4, WIDTH - LEFT, y - 4)
        y -= 20
        c.setFont("Helvetica", 10)
        for line in invoice.lines:
            c.drawString(LEFT, y, line.description)
            c.drawRightString(335, y, f"{line.quantity:f}".replace(".", ","))
            c.drawRightString(440, y, euros(line.unit_price))
            c.drawRightString(WIDTH - LEFT, y, euros(line.amount))
            y -= 16
        c.line(LEFT, y + 8, WIDTH - LEFT, y + 8)
        rate = f"{invoice.vat_rate:.2f}".replace(".", ",")
        for label, amount in (
            ("Total HT", invoice.total_ht),
            (f"TVA {rate} %", invoice.total_vat),
            ("Total TTC", invoice.total_ttc),
        ):
            y -= 16
            c.setFont("Helvetica-Bold" if label == "Total TTC" else "Helvetica", 10)
            c.drawString(370, y, label)
            c.drawRightString(WIDTH - LEFT, y, euros(amount))
        footer = ["Conditions de paiement : virement bancaire à l'échéance."]
        footer.extend(legal_notes(invoice).values())
        if invoice.facturx_profile:
            footer.append(f"Facture électronique Factur-X (profil {invoice.facturx_profile}).")
        _lines(c, LEFT, 110, footer, size=8, leading=11)

    return _pdf(f"Facture {invoice.number}", client.name, draw)


def render_rib(client: Client) -> bytes:
    """A "relevé d'identité bancaire" as a bank prints it."""
    bban = client.iban[4:]
    bank, branch, account, key = bban[:5], bban[5:10], bban[10:21], bban[21:]

    def draw(c: Canvas) -> None:
        c.setFont("Helvetica-Bold", 14)
        c.drawString(LEFT, HEIGHT - 60, f"{client.bank_name}")
        c.setFont("Helvetica-Bold", 12)
        c.drawString(LEFT, HEIGHT - 90, "RELEVÉ D'IDENTITÉ BANCAIRE")
        rows = [
            f"Titulaire du compte : {client.name}",
            f"Adresse : {client.street}, {client.postcode} {client.city}",
            "",
            f"Code banque : {bank}    Code guichet : {branch}    N° de compte : {account}    Clé RIB : {key}",
            "",
            f"IBAN : {format_iban(client.iban)}",
            f"BIC : {client.bic}",
            f"Domiciliation : {client.bank_name} - agence de {client.city}",
        ]
        _lines(c, LEFT, HEIGHT - 120, rows, size=10, leading=16)
        c.rect(LEFT - 10, HEIGHT - 260, WIDTH - 2 * LEFT + 20, 160)

    return _pdf("Relevé d'identité bancaire", client.bank_name, draw)


def render_kbis(client: Client, extract_date: date, registered_on: date) -> bytes:
    """An extract of the trade register (K bis) dated ``extract_date``."""

    def draw(c: Canvas) -> None:
        c.setFont("Helvetica-Bold", 12)
        c.drawString(LEFT, HEIGHT - 60, f"Greffe du Tribunal de Commerce de {client.rcs_city}")
        c.setFont("Helvetica-Bold", 14)
        c.drawString(LEFT, HEIGHT - 90, "EXTRAIT D'IMMATRICULATION PRINCIPALE AU REGISTRE DU COMMERCE")
        c.drawString(LEFT, HEIGHT - 108, "ET DES SOCIÉTÉS (K bis)")
        rows = [
            f"à jour au {french_date(extract_date)}",
            "",
            "IDENTIFICATION DE LA PERSONNE MORALE",
            f"Immatriculation au RCS, numéro : {spaced_siren(client.siren)} R.C.S. {client.rcs_city}",
            f"Date d'immatriculation : {french_date(registered_on)}",
            f"Dénomination ou raison sociale : {client.name.removesuffix(' ' + client.legal_form)}",
            f"Forme juridique : {client.legal_form}",
            f"Capital social : {client.share_capital},00 Euros",
            f"Adresse du siège : {client.street} {client.postcode} {client.city}",
            "",
            "GESTION, DIRECTION, ADMINISTRATION, CONTRÔLE, ASSOCIÉS OU MEMBRES",
            f"Gérant / Président : {client.director_last_name.upper()} {client.director_first_name}",
            "",
            "RENSEIGNEMENTS RELATIFS À L'ÉTABLISSEMENT PRINCIPAL",
            f"SIRET : {client.siret}",
            f"Adresse de l'établissement : {client.street} {client.postcode} {client.city}",
        ]
        _lines(c, LEFT, HEIGHT - 140, rows, size=10, leading=15)
        _lines(c, LEFT, 80, [f"Le Greffier - extrait délivré le {french_date(extract_date)}"], size=9)

    return _pdf(f"Extrait Kbis {client.siren}", f"Greffe de {client.rcs_city}", draw)


def render_identity(client: Client, document_type: str, number: str, birth: date, expires: date) -> bytes:
    """The summary an onboarding officer writes after seeing the director's identity document."""

    def draw(c: Canvas) -> None:
        c.setFont("Helvetica-Bold", 13)
        c.drawString(LEFT, HEIGHT - 60, "FICHE DE SYNTHÈSE - PIÈCE D'IDENTITÉ DU DIRIGEANT")
        rows = [
            f"Société : {client.name}",
            f"Nom : {client.director_last_name.upper()}",
            f"Prénom : {client.director_first_name}",
            f"Date de naissance : {french_date(birth)}",
            f"Type de pièce : {document_type}",
            f"Numéro : {number}",
            f"Date d'expiration : {french_date(expires)}",
            "Pièce originale vue et vérifiée en agence.",
        ]
        _lines(c, LEFT, HEIGHT - 100, rows, size=11, leading=18)

    return _pdf("Synthèse pièce d'identité", client.name, draw)


def render_noisy_scan(rng: random.Random) -> bytes:
    """A page scanned so badly it is only a noisy grey image: no text layer, nothing to read."""
    width, height = 240, 340
    image = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    image = image.point(lambda value: 120 + value // 3)
    pen = ImageDraw.Draw(image)
    for _ in range(40):  # smudges where the text would have been
        x, y = rng.randrange(10, width - 60), rng.randrange(10, height - 10)
        pen.rectangle((x, y, x + rng.randrange(20, 60), y + rng.randrange(2, 6)), fill=rng.randrange(30, 90))

    def draw(c: Canvas) -> None:
        c.drawImage(ImageReader(image), 0, 0, width=WIDTH, height=HEIGHT)

    return _pdf("Numérisation", "Scanner", draw)


def truncate(pdf: bytes, rng: random.Random) -> bytes:
    """A PDF cut short mid-transfer: the header survives, the page content and cross-reference do not."""
    cut = rng.randrange(len(pdf) // 5, len(pdf) // 3)
    return pdf[:cut]
