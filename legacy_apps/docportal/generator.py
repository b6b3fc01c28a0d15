"""Client dossiers generated from a seed, with real defects planted in a known share of them.

No clock is read: ``reference_day`` (the day the back office checks the dossiers) is a parameter, and
every random draw comes from ``random.Random`` seeded by (seed, client or dossier number), so the same
seed gives the same dossiers, byte for byte, on every machine. A client's facts (identifiers, address,
director, registration) come from their own seed, so a re-submission by the same client repeats them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from . import identifiers, parties, pdf_render, vocabulary, workbooks
from .defects import NEEDS, plan_defects, resubmission_sources
from .invoices import OWN_INVOICE_KINDS, EarlierDossier, PrintedInvoice, invoice_files
from .model import (
    DOCUMENT_EXPIRED,
    KIND_LABELS,
    MISSING_DOCUMENT,
    PDF,
    UNREADABLE,
    WARNING,
    XLSX,
    Attachment,
    Client,
    Dossier,
    Finding,
)

REFERENCE_DAY = date(2026, 11, 20)
CENT = Decimal("0.01")
NAME_KINDS = ("name_mismatch", "legal_form_differs", "legal_form_omitted")
ID_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


@dataclass(frozen=True)
class Party:
    """What stays true of a client from one dossier to the next."""

    client: Client
    registered_on: date
    document_type: str
    id_number: str
    birth: date
    expires: date


def generate_dossiers(seed: int, count: int = 30, reference_day: date = REFERENCE_DAY) -> tuple[Dossier, ...]:
    """``count`` dossiers numbered DOS-2026-0001…; cached: the portal and the ground truth share them."""
    return _generate(seed, count, reference_day)


@lru_cache(maxsize=8)
def _generate(seed: int, count: int, reference_day: date) -> tuple[Dossier, ...]:
    if count < 1:
        raise ValueError(f"dossier count must be at least 1, got {count}")
    plan = plan_defects(seed, count)
    sources = resubmission_sources(seed, plan)
    stems = list(vocabulary.COMPANY_STEMS)
    random.Random(f"docportal:{seed}:names").shuffle(stems)
    dossiers: list[Dossier] = []
    invoices: list[tuple[PrintedInvoice, ...]] = []
    for index in range(count):
        client_index = sources.get(index, index)
        stem = stems[client_index % len(stems)]
        if client_index >= len(stems):  # more dossiers than names: tell namesakes apart as a registry would
            stem = f"{stem} {vocabulary.TOWNS[client_index % len(vocabulary.TOWNS)][0]}"
        party = _party(random.Random(f"docportal:{seed}:client:{client_index}"), stem, reference_day)
        rng = random.Random(f"docportal:{seed}:dossier:{index}")
        if index in sources:
            earlier = dossiers[sources[index]]
            # a re-submission comes after the first dossier, and before the back office's check
            submitted = min(reference_day, earlier.submitted_on + timedelta(days=rng.randint(1, 15)))
            filed = EarlierDossier(earlier.id, invoices[sources[index]])
        else:
            submitted, filed = reference_day - timedelta(days=rng.randint(0, 20)), None
        dossier_id = f"DOS-2026-{index + 1:04d}"
        dossier, printed = _dossier(rng, dossier_id, party, set(plan[index]), submitted, reference_day, filed)
        dossiers.append(dossier)
        invoices.append(printed)
    return tuple(dossiers)


def _party(rng: random.Random, stem: str, reference_day: date) -> Party:
    siren = identifiers.make_siren(rng)
    town, postcode, greffe = rng.choice(vocabulary.TOWNS)
    bank_code, bank_name, bic = rng.choice(vocabulary.BANKS)
    legal_form = rng.choice(vocabulary.LEGAL_FORMS)
    street_kind, street_name = rng.choice(vocabulary.STREET_KINDS), rng.choice(vocabulary.STREET_NAMES)
    client = Client(
        name=f"{stem} {legal_form}",
        legal_form=legal_form,
        share_capital=rng.choice(vocabulary.SHARE_CAPITALS),
        siren=siren,
        siret=identifiers.make_siret(rng, siren),
        vat_number=identifiers.vat_number(siren),
        rcs_city=greffe,
        street=f"{rng.randint(1, 180)} {street_kind} {street_name}",
        postcode=postcode,
        city=town,
        director_first_name=rng.choice(vocabulary.FIRST_NAMES),
        director_last_name=rng.choice(vocabulary.LAST_NAMES),
        bank_name=bank_name,
        bic=bic,
        iban=identifiers.make_iban(rng, bank_code),
    )
    id_number = (
        f"{rng.randint(10, 99)}{rng.choice(ID_LETTERS)}{rng.choice(ID_LETTERS)}{rng.randint(0, 99999):05d}"
    )
    return Party(
        client=client,
        registered_on=reference_day - timedelta(days=rng.randint(400, 9000)),
        document_type=rng.choice(("Carte nationale d'identité", "Passeport")),
        id_number=id_number,
        birth=date(rng.randint(1955, 1995), rng.randint(1, 12), rng.randint(1, 28)),
        expires=reference_day + timedelta(days=rng.randint(200, 3000)),
    )


def _financial(rng: random.Random, client: Client, reference_day: date) -> tuple[str, bytes]:
    """Last year's balance sheet (most companies) or the director's last payslip."""
    if rng.random() < 0.7:
        year = reference_day.year - 1
        assets = {
            "Immobilisations corporelles": Decimal(rng.randint(5_000, 250_000)),
            "Stocks et en-cours": Decimal(rng.randint(0, 80_000)),
            "Créances clients": Decimal(rng.randint(2_000, 150_000)),
            "Disponibilités": Decimal(rng.randint(1_000, 90_000)),
        }
        total = sum(assets.values(), Decimal(0))
        capital = Decimal(client.share_capital.replace(" ", ""))
        reserves = (total * Decimal(rng.randint(5, 20)) / 100).quantize(Decimal(1))
        result = (total * Decimal(rng.randint(-5, 12)) / 100).quantize(Decimal(1))
        suppliers = (total * Decimal(rng.randint(5, 25)) / 100).quantize(Decimal(1))
        liabilities = {
            "Capital social": capital,
            "Réserves": reserves,
            "Résultat de l'exercice": result,
            "Dettes fournisseurs": suppliers,
            # the balancing item: a balance sheet always balances
            "Emprunts et dettes financières": total - capital - reserves - result - suppliers,
        }
        return f"bilan-{year}.xlsx", workbooks.balance_sheet(client, year, assets, liabilities)
    period = (reference_day.replace(day=1) - timedelta(days=1)).replace(day=1)
    gross = Decimal(rng.randint(250_000, 700_000)).scaleb(-2)
    contributions = (gross * Decimal("0.22")).quantize(CENT, ROUND_HALF_UP)
    employee = f"{client.director_first_name} {client.director_last_name}"
    filename = f"bulletin-paie-{period:%Y-%m}.xlsx"
    return filename, workbooks.payslip(client, period, employee, gross, contributions)


def _kbis(
    rng: random.Random,
    party: Party,
    kinds: set[str],
    siret_on: str | None,
    submitted: date,
    reference_day: date,
) -> tuple[bytes, list[Finding]]:
    client, findings = party.client, []
    if "siren_invalid" in kinds:
        client, finding = parties.siren_typo(client, "kbis.pdf")
        findings.append(finding)
    if siret_on == "kbis":
        client, finding = parties.siret_typo(client, "kbis.pdf")
        findings.append(finding)
    if "kbis_expired" in kinds:
        extract = reference_day - timedelta(days=rng.randint(100, 420))
        detail = (
            f"extrait du {pdf_render.french_date(extract)}, plus de 3 mois avant le "
            f"{pdf_render.french_date(reference_day)}"
        )
        findings.append(Finding(DOCUMENT_EXPIRED, "kbis.pdf", detail, "extract_date"))
    else:
        extract = submitted - timedelta(days=rng.randint(1, 60))
    return pdf_render.render_kbis(client, extract, party.registered_on), findings


def _rib(
    rng: random.Random, client: Client, kinds: set[str], name_kind: str | None, name_on: str | None
) -> tuple[bytes, list[Finding], list[Finding]]:
    findings: list[Finding] = []
    benign: list[Finding] = []
    if "iban_invalid" in kinds:
        client, finding = parties.iban_typo(rng, client, "rib.pdf")
        findings.append(finding)
    if "bic_invalid" in kinds:
        client, finding = parties.bic_typo(rng, client, "rib.pdf")
        findings.append(finding)
    if name_kind is not None and name_on == "rib":
        client, finding = parties.renamed(rng, name_kind, client, "rib.pdf", "rib")
        (benign if name_kind == "legal_form_omitted" else findings).append(finding)
    return pdf_render.render_rib(client), findings, benign


def _identity(
    rng: random.Random, party: Party, kinds: set[str], reference_day: date
) -> tuple[bytes, list[Finding]]:
    expires, findings = party.expires, []
    if "identity_expired" in kinds:
        expires = reference_day - timedelta(days=rng.randint(1, 900))
        detail = (
            f"{party.document_type} expirée le {pdf_render.french_date(expires)}, avant le "
            f"{pdf_render.french_date(reference_day)}"
        )
        findings.append(Finding(DOCUMENT_EXPIRED, "piece-identite.pdf", detail, "expiry_date"))
    identity = pdf_render.render_identity(
        party.client, party.document_type, party.id_number, party.birth, expires
    )
    return identity, findings


def _dossier(
    rng: random.Random,
    dossier_id: str,
    party: Party,
    kinds: set[str],
    submitted: date,
    reference_day: date,
    earlier: EarlierDossier | None,
) -> tuple[Dossier, tuple[PrintedInvoice, ...]]:
    client = party.client
    findings: list[Finding] = []
    benign: list[Finding] = []
    needed = set().union(*(NEEDS.get(kind, frozenset()) for kind in kinds))
    missing = None
    if "missing_document" in kinds:
        missing = rng.choice(
            [kind for kind in ("kbis", "rib", "identity", "financial") if kind not in needed]
        )
        detail = f"aucune pièce de type « {KIND_LABELS[missing]} » déposée"
        findings.append(Finding(MISSING_DOCUMENT, missing, detail))
    unreadable = None
    if "unreadable" in kinds:
        candidates = [k for k in ("kbis", "rib", "identity", "invoice") if k not in needed and k != missing]
        unreadable = rng.choice(candidates)
    scan_style = rng.choice(("scan", "truncated"))
    name_kind = next((kind for kind in NAME_KINDS if kind in kinds), None)
    name_on = rng.choice(("rib", "invoice")) if name_kind else None
    siret_on = rng.choice(("kbis", "invoice")) if "siret_invalid" in kinds else None
    files: list[tuple[str, str, bytes]] = []  # (filename, kind, bytes), in upload order

    kbis, planted = _kbis(rng, party, kinds, siret_on, submitted, reference_day)
    if missing != "kbis":
        files.append(("kbis.pdf", "kbis", kbis))
        findings.extend(planted)
    rib, planted, harmless = _rib(rng, client, kinds, name_kind, name_on)
    if missing != "rib":
        files.append(("rib.pdf", "rib", rib))
        findings.extend(planted)
        benign.extend(harmless)
    identity, planted = _identity(rng, party, kinds, reference_day)
    if missing != "identity":
        files.append(("piece-identite.pdf", "identity", identity))
        findings.extend(planted)

    on_invoices = sorted(
        kind
        for kind in kinds
        if (kind in OWN_INVOICE_KINDS or kind in ("duplicate_invoice", "resubmitted_invoice"))
        and not (kind == "siret_invalid" and siret_on != "invoice")
        and not (kind in NAME_KINDS and name_on != "invoice")
    )
    printed = invoice_files(rng, client, on_invoices, reference_day, findings, benign, earlier)
    files.extend((p.filename, "invoice", p.data) for p in printed)
    if missing != "financial":
        name, data = _financial(rng, client, reference_day)
        files.append((name, "financial", data))

    if unreadable is not None:
        position = next(i for i, (_, kind, _) in enumerate(files) if kind == unreadable)
        name, kind, data = files[position]
        if scan_style == "scan":
            files[position] = (name, kind, pdf_render.render_noisy_scan(rng))
            # Only a person can tell whether an image-only scan is legible: a judgement case.
            detail = "numérisation sans texte : à examiner à l'œil"
            findings.append(Finding(UNREADABLE, name, detail, "text_layer", WARNING))
        else:
            files[position] = (name, kind, pdf_render.truncate(data, rng))
            findings.append(Finding(UNREADABLE, name, "fichier PDF tronqué, impossible à ouvrir"))

    attachments = tuple(
        Attachment(name, kind, XLSX if name.endswith(".xlsx") else PDF, data, submitted)
        for name, kind, data in files
    )
    dossier = Dossier(
        dossier_id,
        client,
        submitted,
        attachments,
        tuple(sorted(findings, key=lambda f: (f.code, f.document, f.detail))),
        resubmission_of=earlier.id if earlier else None,
        benign=tuple(sorted(benign, key=lambda f: (f.code, f.document, f.detail))),
    )
    return dossier, tuple(printed)
