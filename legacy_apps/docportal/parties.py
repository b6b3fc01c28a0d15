"""The client as one document prints it: the true party, or a variant carrying a planted defect.

Each function returns the printed ``Client`` and the finding a careful reader notes on that document
(what was read, what was expected). The dossier's ``Client`` itself always stays the true party.
"""

from __future__ import annotations

import random
from dataclasses import replace

from . import identifiers, vocabulary
from .identifiers import format_iban, spaced_siren
from .model import (
    BIC_INVALID,
    IBAN_INVALID,
    IDENTIFIER_MISMATCH,
    NAME_MISMATCH,
    SIREN_INVALID,
    SIRET_INVALID,
    VAT_NUMBER_INVALID,
    WARNING,
    Client,
    Finding,
)

# Which printed name field a name defect touches, per document kind.
NAME_FIELDS = {"rib": ("holder", "titulaire du compte"), "invoice": ("seller_name", "vendeur")}


def kbis_name(client: Client) -> str:
    """The "dénomination" the Kbis prints: the name without its legal form."""
    return client.name.removesuffix(" " + client.legal_form)


def siren_typo(client: Client, document: str) -> tuple[Client, Finding]:
    """A SIREN failing Luhn; the SIRET printed beside it carries the same typo and a matching key."""
    siren = identifiers.luhn_break(client.siren)
    siret = identifiers.luhn_complete(siren + client.siret[9:13])
    detail = f"SIREN {spaced_siren(siren)} : clé de Luhn invalide"
    return replace(client, siren=siren, siret=siret), Finding(SIREN_INVALID, document, detail, "siren")


def siret_typo(client: Client, document: str) -> tuple[Client, Finding]:
    """A SIRET failing Luhn while its SIREN is valid."""
    siret = identifiers.luhn_break(client.siret)
    detail = f"SIRET {siret} : clé de Luhn invalide (SIREN {spaced_siren(client.siren)} valide)"
    return replace(client, siret=siret), Finding(SIRET_INVALID, document, detail, "siret")


def vat_typo(rng: random.Random, client: Client, document: str) -> tuple[Client, Finding]:
    """A VAT number whose key does not match the SIREN it contains."""
    wrong = identifiers.wrong_vat_number(rng, client.siren)
    expected = identifiers.vat_key(client.siren)
    detail = (
        f"N° TVA {wrong} : clé {wrong[2:4]}, attendue {expected} pour le SIREN {spaced_siren(client.siren)}"
    )
    return replace(client, vat_number=wrong), Finding(VAT_NUMBER_INVALID, document, detail, "vat_number")


def other_siren(rng: random.Random, client: Client, document: str) -> tuple[Client, Finding]:
    """Another company's valid SIREN (with its SIRET and VAT number) under the client's name."""
    siren = identifiers.make_siren(rng)
    while siren == client.siren:
        siren = identifiers.make_siren(rng)
    printed = replace(
        client,
        siren=siren,
        siret=identifiers.make_siret(rng, siren),
        vat_number=identifiers.vat_number(siren),
    )
    detail = f"SIREN du vendeur {spaced_siren(siren)} ≠ SIREN du Kbis {spaced_siren(client.siren)}"
    return printed, Finding(IDENTIFIER_MISMATCH, document, detail, "siren")


def iban_typo(rng: random.Random, client: Client, document: str) -> tuple[Client, Finding]:
    """Wrong IBAN check digits (mod 97 fails), or a wrong RIB key under right-looking check digits."""
    if rng.random() < 0.5:
        iban = identifiers.break_iban_check(rng, client.iban)
        detail = f"IBAN {format_iban(iban)} : clé de contrôle invalide (modulo 97)"
    else:
        iban = identifiers.break_rib_key(rng, client.iban)
        bban = iban[4:]
        expected = identifiers.rib_key(bban[:5], bban[5:10], bban[10:21])
        detail = f"IBAN {format_iban(iban)} : clé RIB {bban[21:]} invalide, {expected} attendue"
    return replace(client, iban=iban), Finding(IBAN_INVALID, document, detail, "iban")


def bic_typo(rng: random.Random, client: Client, document: str) -> tuple[Client, Finding]:
    bic, why = identifiers.break_bic(rng, client.bic)
    return replace(client, bic=bic), Finding(BIC_INVALID, document, f"BIC {bic} : {why}", "bic")


def renamed(
    rng: random.Random, kind: str, client: Client, document: str, doc_kind: str
) -> tuple[Client, Finding]:
    """The client under another name on the RIB (holder) or an invoice (seller), by defect ``kind``:

    - ``name_mismatch``: another company's name: an error;
    - ``legal_form_differs``: the Kbis name with another legal form: a warning, a person decides (a
      company that changed its form and not its bank details, or another company of the same name);
    - ``legal_form_omitted``: the Kbis name without legal form (as banks print holders): the same
      party, nothing to report; the finding returned is what a check must *not* report.
    """
    field, role = NAME_FIELDS[doc_kind]
    name, form = kbis_name(client), client.legal_form
    if kind == "name_mismatch":
        stem = rng.choice([s for s in vocabulary.COMPANY_STEMS if not name.startswith(s)])
        other = f"{stem} {rng.choice(vocabulary.LEGAL_FORMS)}"
        detail = f"{role} « {other} » ≠ société du Kbis « {name} » ({form})"
        return replace(client, name=other), Finding(NAME_MISMATCH, document, detail, field)
    if kind == "legal_form_differs":
        other_form = rng.choice([f for f in vocabulary.LEGAL_FORMS if f != form])
        printed = f"{name} {other_form}"
        detail = (
            f"{role} « {printed} » : même dénomination que le Kbis, forme juridique {other_form} ≠ {form}"
        )
        finding = Finding(NAME_MISMATCH, document, detail, field, WARNING)
        return replace(client, name=printed, legal_form=other_form), finding
    printed = name.upper() if doc_kind == "rib" else name
    detail = f"{role} « {printed} » : dénomination du Kbis sans forme juridique, même société"
    return replace(client, name=printed), Finding(NAME_MISMATCH, document, detail, field)
