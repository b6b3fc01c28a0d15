"""French company and bank identifiers: SIREN/SIRET (Luhn), intra-EU VAT number, RIB key and IBAN (mod 97).

Each ``make_*`` function takes a ``random.Random`` so a seed always yields the same identifiers, and
``valid=False`` yields one whose check key is deliberately wrong (the defects bots must find).
"""

from __future__ import annotations

import random


def luhn_ok(digits: str) -> bool:
    """The Luhn check used by SIREN (9 digits) and SIRET (14 digits)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _luhn_complete(prefix: str) -> str:
    """Append the one check digit that makes ``prefix + digit`` pass Luhn."""
    for digit in "0123456789":
        if luhn_ok(prefix + digit):
            return prefix + digit
    raise AssertionError("unreachable: one of ten digits always completes a Luhn number")


def _luhn_break(number: str) -> str:
    """Change the last digit so the number fails Luhn (a typo in the key)."""
    last = int(number[-1])
    return number[:-1] + str((last + 3) % 10)


def make_siren(rng: random.Random, *, valid: bool = True) -> str:
    """A 9-digit SIREN whose last digit is (or, with valid=False, is not) the Luhn key."""
    prefix = str(rng.randint(3, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
    siren = _luhn_complete(prefix)
    return siren if valid else _luhn_break(siren)


def make_siret(rng: random.Random, siren: str) -> str:
    """SIRET = SIREN + 5-digit NIC, the NIC's last digit making the 14 digits pass Luhn."""
    nic_prefix = f"{rng.randint(1, 99):04d}"
    return _luhn_complete(siren + nic_prefix)


def vat_number(siren: str) -> str:
    """French intra-EU VAT number: FR + 2-digit key computed from the SIREN + SIREN."""
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


def rib_key(bank: str, branch: str, account: str) -> str:
    """The 2-digit French RIB key over a numeric bank code, branch code and account number."""
    return f"{97 - ((89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97):02d}"


def iban_ok(iban: str) -> bool:
    """ISO 13616 mod-97 check: move the first four characters to the end, letters to numbers."""
    compact = iban.replace(" ", "").upper()
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(char, 36)) for char in rearranged)
    return int(numeric) % 97 == 1


def _iban_check_digits(country: str, bban: str) -> str:
    numeric = "".join(str(int(char, 36)) for char in bban + country + "00")
    return f"{98 - int(numeric) % 97:02d}"


def make_iban(rng: random.Random, bank: str, *, valid: bool = True) -> str:
    """A French IBAN (compact) at the 5-digit ``bank`` code. The RIB key is always right; with
    valid=False the IBAN check digits are wrong, as when someone retypes an IBAN by hand."""
    branch = f"{rng.randint(0, 99999):05d}"
    account = f"{rng.randint(0, 10**11 - 1):011d}"
    bban = bank + branch + account + rib_key(bank, branch, account)
    check = _iban_check_digits("FR", bban)
    if not valid:
        check = f"{(int(check) + rng.randint(1, 9)) % 97:02d}"
    return f"FR{check}{bban}"


def format_iban(iban: str) -> str:
    """Groups of four, as printed on a RIB."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
