"""Client dossiers generated from a seed, with real defects planted in a known share of them.

No clock is read: ``reference_day`` (the day the back office checks the dossiers) is a parameter, and
every random draw comes from ``random.Random`` seeded by (seed, dossier number), so the same seed gives
the same dossiers, byte for byte, on every machine.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from . import identifiers, pdf_render, vocabulary, workbooks
from .identifiers import format_iban
from .invoices import invoice_files
from .model import (
    DOCUMENT_MISSING,
    DOCUMENT_UNREADABLE,
    FINDING_CODES,
    IBAN_KEY_INVALID,
    INVOICE_DUPLICATE,
    KBIS_EXPIRED,
    MENTION_MISSING,
    PDF,
    SIREN_KEY_INVALID,
    TOTALS_MISMATCH,
    XLSX,
    Attachment,
    Client,
    Dossier,
    Finding,
)

REFERENCE_DAY = date(2026, 11, 20)
DEFECT_SHARE = 0.5  # half the dossiers carry at least one defect
SECOND_DEFECT_SHARE = 0.3  # of those, this share carries a second, different one
CENT = Decimal("0.01")
# Which document kind each defect lives in: missing/unreadable pieces are chosen among the others.
TOUCHED_KIND = {
    IBAN_KEY_INVALID: "rib",
    SIREN_KEY_INVALID: "kbis",
    KBIS_EXPIRED: "kbis",
    TOTALS_MISMATCH: "invoice",
    MENTION_MISSING: "invoice",
    INVOICE_DUPLICATE: "invoice",
}


def plan_defects(seed: int, count: int) -> list[tuple[str, ...]]:
    """Which finding codes each dossier gets. Codes are dealt in turn, so every code appears as soon as
    ``count * DEFECT_SHARE`` reaches the number of codes (8; the default 30 dossiers give 15 defective)."""
    rng = random.Random(f"docportal:{seed}:plan")
    order = list(range(count))
    rng.shuffle(order)
    plan: list[tuple[str, ...]] = [() for _ in range(count)]
    for turn, index in enumerate(order[: round(count * DEFECT_SHARE)]):
        first = FINDING_CODES[turn % len(FINDING_CODES)]
        codes = {first}
        if rng.random() < SECOND_DEFECT_SHARE:
            codes.add(rng.choice([code for code in FINDING_CODES if code != first]))
        plan[index] = tuple(sorted(codes))
    return plan


def generate_dossiers(seed: int, count: int = 30, reference_day: date = REFERENCE_DAY) -> tuple[Dossier, ...]:
    """``count`` dossiers numbered DOS-2026-0001…; cached: the portal and the ground truth share them."""
    return _generate(seed, count, reference_day)


@lru_cache(maxsize=8)
def _generate(seed: int, count: int, reference_day: date) -> tuple[Dossier, ...]:
    if count < 1:
        raise ValueError(f"dossier count must be at least 1, got {count}")
    plan = plan_defects(seed, count)
    stems = list(vocabulary.COMPANY_STEMS)
    random.Random(f"docportal:{seed}:names").shuffle(stems)
    dossiers = []
    for index in range(count):
        stem = stems[index % len(stems)]
        if index >= len(stems):  # more dossiers than names: tell namesakes apart as a registry would
            stem = f"{stem} {vocabulary.TOWNS[index % len(vocabulary.TOWNS)][0]}"
        rng = random.Random(f"docportal:{seed}:dossier:{index}")
        dossiers.append(_dossier(rng, f"DOS-2026-{index + 1:04d}", stem, set(plan[index]), reference_day))
    return tuple(dossiers)


def _client(rng: random.Random, stem: str, *, siren_valid: bool, iban_valid: bool) -> Client:
    siren = identifiers.make_siren(rng, valid=siren_valid)
    town, postcode, greffe = rng.choice(vocabulary.TOWNS)
    bank_code, bank_name, bic = rng.choice(vocabulary.BANKS)
    legal_form = rng.choice(vocabulary.LEGAL_FORMS)
    return Client(
        name=f"{stem} {legal_form}",
        legal_form=legal_form,
        share_capital=rng.choice(vocabulary.SHARE_CAPITALS),
        siren=siren,
        siret=identifiers.make_siret(rng, siren),
        vat_number=identifiers.vat_number(siren),
        rcs_city=greffe,
        street=" ".join(
            (
                str(rng.randint(1, 180)),
                rng.choice(vocabulary.STREET_KINDS),
                rng.choice(vocabulary.STREET_NAMES),
            )
        ),
        postcode=postcode,
        city=town,
        director_first_name=rng.choice(vocabulary.FIRST_NAMES),
        director_last_name=rng.choice(vocabulary.LAST_NAMES),
        bank_name=bank_name,
        bic=bic,
        iban=identifiers.make_iban(rng, bank_code, valid=iban_valid),
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


def _dossier(rng: random.Random, dossier_id: str, stem: str, codes: set[str], reference_day: date) -> Dossier:
    client = _client(
        rng, stem, siren_valid=SIREN_KEY_INVALID not in codes, iban_valid=IBAN_KEY_INVALID not in codes
    )
    submitted = reference_day - timedelta(days=rng.randint(0, 20))
    findings: list[Finding] = []
    touched = {TOUCHED_KIND[code] for code in codes if code in TOUCHED_KIND}
    missing = None
    if DOCUMENT_MISSING in codes:
        missing = rng.choice(
            [kind for kind in ("kbis", "rib", "identity", "financial") if kind not in touched]
        )
        findings.append(Finding(DOCUMENT_MISSING, missing, f"aucune pièce de type « {missing} » déposée"))
    unreadable = None
    if DOCUMENT_UNREADABLE in codes:
        candidates = [k for k in ("kbis", "rib", "identity", "invoice") if k not in touched and k != missing]
        unreadable = rng.choice(candidates)
    scan_style = rng.choice(("scan", "truncated"))
    files: list[tuple[str, str, bytes]] = []  # (filename, kind, bytes), in upload order

    registered = reference_day - timedelta(days=rng.randint(400, 9000))
    if KBIS_EXPIRED in codes:
        extract = reference_day - timedelta(days=rng.randint(100, 420))
        findings.append(
            Finding(KBIS_EXPIRED, "kbis.pdf", f"extrait du {pdf_render.french_date(extract)}, plus de 3 mois")
        )
    else:
        extract = submitted - timedelta(days=rng.randint(1, 60))
    if missing != "kbis":
        files.append(("kbis.pdf", "kbis", pdf_render.render_kbis(client, extract, registered)))
    if SIREN_KEY_INVALID in codes:
        findings.append(
            Finding(SIREN_KEY_INVALID, "kbis.pdf", f"SIREN {client.siren} : clé de Luhn invalide")
        )
    if missing != "rib":
        files.append(("rib.pdf", "rib", pdf_render.render_rib(client)))
    if IBAN_KEY_INVALID in codes:
        detail = f"IBAN {format_iban(client.iban)} : clé de contrôle invalide"
        findings.append(Finding(IBAN_KEY_INVALID, "rib.pdf", detail))
    birth = date(rng.randint(1955, 1995), rng.randint(1, 12), rng.randint(1, 28))
    expires = reference_day + timedelta(days=rng.randint(200, 3000))
    document_type = rng.choice(("Carte nationale d'identité", "Passeport"))
    id_number = (
        f"{rng.randint(10, 99)}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}"
    )
    id_number += f"{rng.randint(0, 99999):05d}"
    if missing != "identity":
        identity = pdf_render.render_identity(client, document_type, id_number, birth, expires)
        files.append(("piece-identite.pdf", "identity", identity))

    files.extend(invoice_files(rng, client, codes, reference_day, findings))
    if missing != "financial":
        name, data = _financial(rng, client, reference_day)
        files.append((name, "financial", data))

    if unreadable is not None:
        position = next(i for i, (_, kind, _) in enumerate(files) if kind == unreadable)
        name, kind, data = files[position]
        if scan_style == "scan":
            files[position] = (name, kind, pdf_render.render_noisy_scan(rng))
            findings.append(Finding(DOCUMENT_UNREADABLE, name, "numérisation illisible : image sans texte"))
        else:
            files[position] = (name, kind, pdf_render.truncate(data, rng))
            findings.append(Finding(DOCUMENT_UNREADABLE, name, "fichier PDF tronqué, impossible à ouvrir"))

    attachments = tuple(
        Attachment(name, kind, XLSX if name.endswith(".xlsx") else PDF, data, submitted)
        for name, kind, data in files
    )
    ordered = tuple(sorted(findings, key=lambda f: (f.code, f.document, f.detail)))
    return Dossier(dossier_id, client, submitted, attachments, ordered)
