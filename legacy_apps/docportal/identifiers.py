"""French company and bank identifiers: SIREN/SIRET (Luhn), intra-EU VAT number, RIB key, IBAN (mod 97), BIC.

Each ``make_*`` function takes a ``random.Random`` so a seed always yields the same identifiers. The
``*_typo``/``break_*`` functions return a deliberately wrong variant of a good identifier (the defects
bots must find), with the reason a careful reader would give.
"""

from __future__ import annotations

import random

from legacy_apps.world.identifiers import format_iban, iban_check_digits, luhn_complete, rib_key
from legacy_apps.world.identifiers import iban_valid as iban_ok
from legacy_apps.world.identifiers import luhn_valid as luhn_ok

__all__ = [
    "break_bic",
    "break_iban_check",
    "break_rib_key",
    "format_iban",
    "iban_ok",
    "luhn_break",
    "luhn_complete",
    "luhn_ok",
    "make_iban",
    "make_siren",
    "make_siret",
    "rib_key",
    "spaced_siren",
    "vat_key",
    "vat_number",
    "wrong_vat_number",
]

# Two-letter codes that are no ISO 3166 country: a BIC carrying one cannot be routed.
UNKNOWN_COUNTRIES = ("XQ", "ZQ", "OO", "JJ")


def spaced_siren(siren: str) -> str:
    return f"{siren[:3]} {siren[3:6]} {siren[6:]}"


def luhn_break(number: str) -> str:
    """Change the last digit so the number fails Luhn (a typo in the key). The last digit is never
    doubled by Luhn, so any change of it breaks the check."""
    last = int(number[-1])
    return number[:-1] + str((last + 3) % 10)


def make_siren(rng: random.Random) -> str:
    """A 9-digit Luhn-valid SIREN."""
    prefix = str(rng.randint(3, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
    return luhn_complete(prefix)


def make_siret(rng: random.Random, siren: str) -> str:
    """SIRET = SIREN + 5-digit NIC, the NIC's last digit making the 14 digits pass Luhn."""
    nic_prefix = f"{rng.randint(1, 99):04d}"
    return luhn_complete(siren + nic_prefix)


def vat_key(siren: str) -> str:
    """The 2-digit key of a French VAT number: (12 + 3 × (SIREN mod 97)) mod 97."""
    return f"{(12 + 3 * (int(siren) % 97)) % 97:02d}"


def vat_number(siren: str) -> str:
    """French intra-EU VAT number: FR + 2-digit key computed from the SIREN + SIREN."""
    return f"FR{vat_key(siren)}{siren}"


def wrong_vat_number(rng: random.Random, siren: str) -> str:
    """A VAT number whose key does not match its SIREN."""
    key = (int(vat_key(siren)) + rng.randint(1, 96)) % 97
    return f"FR{key:02d}{siren}"


def make_iban(rng: random.Random, bank: str) -> str:
    """A valid French IBAN (compact) at the 5-digit ``bank`` code, with its RIB key."""
    branch = f"{rng.randint(0, 99999):05d}"
    account = f"{rng.randint(0, 10**11 - 1):011d}"
    bban = bank + branch + account + rib_key(bank, branch, account)
    return f"FR{iban_check_digits('FR', bban)}{bban}"


def break_iban_check(rng: random.Random, iban: str) -> str:
    """The IBAN with wrong check digits, as when someone retypes an IBAN by hand: mod 97 fails."""
    check = f"{(int(iban[2:4]) + rng.randint(1, 9)) % 97:02d}"
    return iban[:2] + check + iban[4:]


def break_rib_key(rng: random.Random, iban: str) -> str:
    """The IBAN with a wrong RIB key but check digits recomputed over it: mod 97 passes, the French
    RIB key (the last two digits of the BBAN) does not."""
    bban = iban[4:]
    key = f"{(int(bban[-2:]) + rng.randint(1, 96)) % 97:02d}"
    bban = bban[:-2] + key
    return f"FR{iban_check_digits('FR', bban)}{bban}"


def break_bic(rng: random.Random, bic: str) -> tuple[str, str]:
    """A BIC of the wrong shape or with an unknown country code, and why it is wrong."""
    variant = rng.choice(("short", "long", "country"))
    if variant == "short":
        wrong = bic[:10]
        return wrong, f"{len(wrong)} caractères, 8 ou 11 attendus"
    if variant == "long":
        wrong = bic + rng.choice("0123456789")
        return wrong, f"{len(wrong)} caractères, 8 ou 11 attendus"
    country = rng.choice(UNKNOWN_COUNTRIES)
    return bic[:4] + country + bic[6:], f"code pays « {country} » inconnu"
