"""French company and bank identifiers with valid check digits.

SIREN/SIRET (Luhn), IBAN (RIB key + ISO 7064 mod 97), ISO 11649 RF creditor references.
"""

from __future__ import annotations

import random
import string


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn check (SIREN, SIRET)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_complete(prefix: str) -> str:
    """The prefix followed by the one digit that makes it Luhn-valid."""
    for check in string.digits:
        if luhn_valid(prefix + check):
            return prefix + check
    raise AssertionError("unreachable: one of ten digits always completes a Luhn number")


def make_siren(rng: random.Random) -> str:
    return luhn_complete(str(rng.randint(1, 9)) + "".join(rng.choice(string.digits) for _ in range(7)))


def make_siret(siren: str, rng: random.Random) -> str:
    """SIREN + establishment number (NIC, 4 digits + Luhn digit over the whole 14 digits)."""
    return luhn_complete(siren + f"{rng.randint(1, 99):04d}")


def _to_digits(text: str) -> str:
    """Letters as ISO 7064 numbers (A=10 … Z=35), digits unchanged."""
    return "".join(str(int(char, 36)) for char in text.upper())


def iban_check_digits(country: str, bban: str) -> str:
    return f"{98 - int(_to_digits(bban + country + '00')) % 97:02d}"


def iban_valid(iban: str) -> bool:
    compact = iban.replace(" ", "").upper()
    return len(compact) > 4 and int(_to_digits(compact[4:] + compact[:4])) % 97 == 1


def rib_key(bank: str, branch: str, account: str) -> str:
    """The French RIB key of a bank code (5), branch code (5) and all-digit account number (11)."""
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"


FRENCH_BANK_CODES = ("30004", "30003", "30002", "10107", "10278", "11306", "14505", "20041", "18206", "30066")


def make_french_iban(rng: random.Random, bank: str | None = None) -> str:
    bank = bank or rng.choice(FRENCH_BANK_CODES)
    branch = f"{rng.randint(1, 99999):05d}"
    account = "".join(rng.choice(string.digits) for _ in range(11))
    bban = bank + branch + account + rib_key(bank, branch, account)
    return "FR" + iban_check_digits("FR", bban) + bban


def format_iban(iban: str) -> str:
    """Groups of four, as printed on statements and screens."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def make_rf_reference(body: str) -> str:
    """ISO 11649 creditor reference: RF + two check digits + the alphanumeric body (max 21)."""
    if not body.isalnum() or len(body) > 21:
        raise ValueError(f"RF reference body must be 1-21 letters/digits, got {body!r}")
    return "RF" + f"{98 - int(_to_digits(body + 'RF00')) % 97:02d}" + body.upper()


def rf_valid(reference: str) -> bool:
    compact = reference.replace(" ", "").upper()
    return compact.startswith("RF") and int(_to_digits(compact[4:] + compact[:4])) % 97 == 1
