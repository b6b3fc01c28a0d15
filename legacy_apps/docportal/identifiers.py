"""French company and bank identifiers: SIREN/SIRET (Luhn), intra-EU VAT number, RIB key and IBAN (mod 97).

Each ``make_*`` function takes a ``random.Random`` so a seed always yields the same identifiers, and
``valid=False`` yields one whose check key is deliberately wrong (the defects bots must find).
"""

from __future__ import annotations

import random

from legacy_apps.world.identifiers import format_iban, iban_check_digits, luhn_complete, rib_key
from legacy_apps.world.identifiers import iban_valid as iban_ok
from legacy_apps.world.identifiers import luhn_valid as luhn_ok

__all__ = [
    "format_iban",
    "iban_ok",
    "luhn_ok",
    "make_iban",
    "make_siren",
    "make_siret",
    "rib_key",
    "vat_number",
]


def _luhn_break(number: str) -> str:
    """Change the last digit so the number fails Luhn (a typo in the key)."""
    last = int(number[-1])
    return number[:-1] + str((last + 3) % 10)


def make_siren(rng: random.Random, *, valid: bool = True) -> str:
    """A 9-digit SIREN whose last digit is (or, with valid=False, is not) the Luhn key."""
    prefix = str(rng.randint(3, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
    siren = luhn_complete(prefix)
    return siren if valid else _luhn_break(siren)


def make_siret(rng: random.Random, siren: str) -> str:
    """SIRET = SIREN + 5-digit NIC, the NIC's last digit making the 14 digits pass Luhn."""
    nic_prefix = f"{rng.randint(1, 99):04d}"
    return luhn_complete(siren + nic_prefix)


def vat_number(siren: str) -> str:
    """French intra-EU VAT number: FR + 2-digit key computed from the SIREN + SIREN."""
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


def make_iban(rng: random.Random, bank: str, *, valid: bool = True) -> str:
    """A French IBAN (compact) at the 5-digit ``bank`` code. The RIB key is always right; with
    valid=False the IBAN check digits are wrong, as when someone retypes an IBAN by hand."""
    branch = f"{rng.randint(0, 99999):05d}"
    account = f"{rng.randint(0, 10**11 - 1):011d}"
    bban = bank + branch + account + rib_key(bank, branch, account)
    check = iban_check_digits("FR", bban)
    if not valid:
        check = f"{(int(check) + rng.randint(1, 9)) % 97:02d}"
    return f"FR{check}{bban}"
