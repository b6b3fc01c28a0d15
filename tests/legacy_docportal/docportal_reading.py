"""An independent reader of the generated documents: what a careful person sees in each file, checked
with its own arithmetic (Luhn, mod 97, RIB key, VAT key, totals) and its own duplicate search, so the
tests can compare it with the ground truth without trusting the generator."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pdfplumber

from legacy_apps.docportal.model import Dossier

LEGAL_FORMS = ("SARL", "SAS", "SASU", "EURL", "SA")
AMOUNT = r"(-?[\d ]+,\d\d) €"
BIC_SHAPE = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?")
MENTIONS = {
    "siren": "SIREN :",
    "vat_number": "N° TVA intracommunautaire",
    "due_date": "Date d'échéance",
    "penalty_rate": "Pénalités de retard",
    "recovery_indemnity": "Indemnité forfaitaire pour frais de recouvrement : 40 €",
}
Key = tuple[str, str, str]  # (dossier, document, code)


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def read_text(data: bytes) -> str | None:
    """The PDF's text, None when it cannot be opened."""
    try:
        return pdf_text(data)
    except Exception:
        return None


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    return int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97 == 1


def rib_key_ok(bank: str, branch: str, account: str, key: str) -> bool:
    return (89 * int(bank) + 15 * int(branch) + 3 * int(account) + int(key)) % 97 == 0


def vat_key_ok(vat: str) -> bool:
    return int(vat[2:4]) == (12 + 3 * (int(vat[4:]) % 97)) % 97


def money(text: str) -> Decimal:
    return Decimal(text.replace(" ", "").replace(",", "."))


def french_day(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


def search(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text, re.MULTILINE)
    return match.group(1).strip() if match else None


def fold(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in plain if not unicodedata.combining(c)).split())


def split_form(name: str) -> tuple[str, str | None]:
    """(folded name without legal form, the legal form or None)."""
    words = name.split()
    if words and words[-1].upper() in LEGAL_FORMS:
        return fold(" ".join(words[:-1])), words[-1].upper()
    return fold(name), None


def invoice_figures(text: str) -> dict[str, object]:
    lines = [money(m.group(2)) for m in re.finditer(rf"^.+ \d+ {AMOUNT} {AMOUNT}$", text, re.MULTILINE)]
    return {
        "number": search(r"FACTURE N° (\S+)", text),
        "lines": lines,
        "ht": money(search(rf"Total HT {AMOUNT}", text) or ""),
        "rate": Decimal(search(r"TVA ([\d,]+) % ", text).replace(",", ".")),
        "vat": money(search(rf"TVA [\d,]+ % {AMOUNT}", text) or ""),
        "ttc": money(search(rf"Total TTC {AMOUNT}", text) or ""),
    }


@dataclass
class Observed:
    errors: set[Key] = field(default_factory=set)
    warnings: set[Key] = field(default_factory=set)
    benign: set[Key] = field(default_factory=set)


def _names(observed: Observed, key: tuple[str, str], printed: str, kbis_name: str, kbis_form: str) -> None:
    name, form = split_form(printed)
    found = (*key, "NAME_MISMATCH")
    if name != fold(kbis_name):
        observed.errors.add(found)
    elif form is None:
        observed.benign.add(found)
    elif form != kbis_form:
        observed.warnings.add(found)


def observe(dossiers: tuple[Dossier, ...], texts: dict[tuple[str, str], str | None], today: date) -> Observed:
    """Every finding the documents show, by the rules the portal's README states."""
    seen = Observed()
    three_months = (
        today.replace(month=today.month - 3)
        if today.month > 3
        else today.replace(year=today.year - 1, month=today.month + 9)
    )
    first_copy: dict[object, str] = {}
    for dossier in dossiers:
        d = dossier.id
        kinds = {a.kind for a in dossier.attachments}
        for kind in {"kbis", "rib", "identity", "invoice", "financial"} - kinds:
            seen.errors.add((d, kind, "MISSING_DOCUMENT"))
        kbis_siren = kbis_name = kbis_form = None
        for attachment in dossier.attachments:
            name = attachment.filename
            if not name.endswith(".pdf"):
                continue
            text = texts[d, name]
            if text is None:  # cannot be opened: the client sends it again
                seen.errors.add((d, name, "UNREADABLE"))
                continue
            if not text.strip():  # an image only: a person looks at it
                seen.warnings.add((d, name, "UNREADABLE"))
                continue
            assert text is not None
            if attachment.kind == "kbis":
                kbis_siren = search(r"numéro : ([\d ]{11}) R\.C\.S\.", text).replace(" ", "")
                kbis_name = search(r"Dénomination ou raison sociale : (.+)$", text)
                kbis_form = search(r"Forme juridique : (.+)$", text)
                if not luhn_ok(kbis_siren):
                    seen.errors.add((d, name, "SIREN_INVALID"))
                siret = search(r"SIRET : (\d{14})", text)
                if luhn_ok(kbis_siren) and not luhn_ok(siret):
                    seen.errors.add((d, name, "SIRET_INVALID"))
                if french_day(search(r"à jour au (\d\d/\d\d/\d{4})", text)) < three_months:
                    seen.errors.add((d, name, "DOCUMENT_EXPIRED"))
            elif (
                attachment.kind == "identity"
                and french_day(search(r"Date d'expiration : (\S+)", text)) < today
            ):
                seen.errors.add((d, name, "DOCUMENT_EXPIRED"))
        for attachment in dossier.attachments:
            name, text = attachment.filename, texts.get((d, attachment.filename))
            if not (text or "").strip() or attachment.kind not in ("rib", "invoice"):
                continue
            assert text is not None
            if attachment.kind == "rib":
                iban = search(r"IBAN : (FR[\d ]+)$", text)
                bank, branch, account, key = re.search(
                    r"Code banque : (\d{5}) +Code guichet : (\d{5}) +N° de compte : (\d{11}) +"
                    r"Clé RIB : (\d\d)",
                    text,
                ).groups()
                if not iban_ok(iban) or not rib_key_ok(bank, branch, account, key):
                    seen.errors.add((d, name, "IBAN_INVALID"))
                bic = search(r"BIC : (\S+)$", text)
                if not BIC_SHAPE.fullmatch(bic) or bic[4:6] != "FR":  # every bank of the portal is French
                    seen.errors.add((d, name, "BIC_INVALID"))
                if kbis_name is not None:
                    _names(
                        seen, (d, name), search(r"Titulaire du compte : (.+)$", text), kbis_name, kbis_form
                    )
                continue
            figures = invoice_figures(text)
            seller = text.splitlines()[0]
            siren = (search(r"SIREN : ([\d ]{11}) -", text) or "").replace(" ", "")
            vat = search(r"N° TVA intracommunautaire : (FR\d{11})", text)
            siret = search(r"SIRET : (\d{14})", text)
            if siret and luhn_ok(siren) and not luhn_ok(siret):
                seen.errors.add((d, name, "SIRET_INVALID"))
            if vat and not vat_key_ok(vat):
                seen.errors.add((d, name, "VAT_NUMBER_INVALID"))
            if siren and kbis_siren and luhn_ok(siren) and luhn_ok(kbis_siren) and siren != kbis_siren:
                seen.errors.add((d, name, "IDENTIFIER_MISMATCH"))
            if kbis_name is not None:
                _names(seen, (d, name), seller, kbis_name, kbis_form)
            if any(marker not in text for marker in MENTIONS.values()):
                seen.errors.add((d, name, "MISSING_MENTION"))
            vat_due = (figures["ht"] * figures["rate"] / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if (
                sum(figures["lines"]) != figures["ht"]
                or figures["vat"] != vat_due
                or figures["ht"] + figures["vat"] != figures["ttc"]
            ):
                seen.errors.add((d, name, "TOTALS_MISMATCH"))
            seller_siren = siren or (vat or "")[4:]
            for key in (hashlib.sha256(attachment.data).hexdigest(), (seller_siren, figures["number"])):
                if key in first_copy and first_copy[key] != f"{d}/{name}":
                    seen.errors.add((d, name, "DUPLICATE_INVOICE"))
                first_copy.setdefault(key, f"{d}/{name}")
    return seen
