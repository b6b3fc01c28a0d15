"""Checksummed identifiers of finance back offices: IBAN, BIC, French RIB key, ISO 11649 RF creditor
reference, SIREN/SIRET and the French intracommunity VAT number. Pure standard library.
"""

from __future__ import annotations

import re

# IBAN length per country (SWIFT IBAN registry): the SEPA countries, the French overseas territories
# and the other countries whose banks commonly pay into European accounts.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26,
    "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
    **dict.fromkeys(("BL", "GF", "GP", "MF", "MQ", "NC", "PF", "PM", "RE", "TF", "WF", "YT"), 27),
    "AE": 23, "AL": 28, "AZ": 28, "BA": 20, "BH": 22, "BR": 29, "BY": 28, "CR": 22, "DO": 28, "EG": 29,
    "FO": 18, "GE": 22, "GL": 18, "GT": 28, "IL": 23, "IQ": 23, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MU": 30, "PK": 24, "PS": 29, "QA": 29, "RS": 22,
    "SA": 24, "SC": 31, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}  # fmt: skip
_IBAN_MIN, _IBAN_MAX = 15, 34  # bounds for a country missing from the table
# The RIB key counts the letters of an account number as digits: A/J→1, B/K/S→2, … I/R/Z→9.
_RIB_LETTERS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")
_SEPARATORS = re.compile(r"[\s\-.]+")  # what people write inside identifiers: spaces, dashes, dots
_LA_POSTE_SIREN = "356000000"


class IdentifierError(ValueError):
    """An identifier that does not check; the message says which part is wrong."""


def compact(text: str) -> str:
    """``text`` upper case without spaces (any kind), dashes or dots: the form identifiers compare in."""
    if text.isalnum():  # the usual case, already compact: skip the regular expression
        return text.upper()
    return _SEPARATORS.sub("", text).upper()


def mod97(text: str) -> int:
    """ISO 7064 MOD 97-10 remainder of an alphanumeric string, letters counting A=10 … Z=35."""
    remainder = 0
    for ch in text:
        value = int(ch, 36)
        remainder = (remainder * (100 if value > 9 else 10) + value) % 97
    return remainder


def _alnum(text: str) -> bool:
    return text.isascii() and text.isalnum()


# --- IBAN -------------------------------------------------------------------------------------------


def normalize_iban(iban: str) -> str:
    """The IBAN as stored and compared: upper case, no spaces or dashes (``fr76 3000…`` → ``FR763000…``)."""
    return compact(iban)


def validate_iban(iban: str) -> str:
    """The normalised IBAN; IdentifierError naming the problem when it is not a valid one."""
    value = normalize_iban(iban)
    country = value[:2]
    if not (country.isascii() and country.isalpha() and value[2:4].isdigit()):
        raise IdentifierError(f"{iban!r} does not start with a country code and two check digits")
    if not _alnum(value):
        raise IdentifierError(f"{iban!r} has characters other than letters and digits")
    expected = IBAN_LENGTHS.get(country)
    if expected is not None and len(value) != expected:
        raise IdentifierError(f"{iban!r} has {len(value)} characters; {country} IBANs have {expected}")
    if expected is None and not _IBAN_MIN <= len(value) <= _IBAN_MAX:
        raise IdentifierError(f"{iban!r} has {len(value)} characters; an IBAN has {_IBAN_MIN} to {_IBAN_MAX}")
    if mod97(value[4:] + value[:4]) != 1:
        raise IdentifierError(f"{iban!r} has wrong check digits (mod 97): a typing error?")
    return value


def iban_is_valid(iban: str) -> bool:
    """True when ``iban`` (spaces allowed) has its country's length and right check digits."""
    try:
        validate_iban(iban)
    except IdentifierError:
        return False
    return True


def iban_from_bban(country: str, bban: str) -> str:
    """The IBAN of a national account number: check digits computed (``FR``, RIB → ``FR76…``)."""
    country, body = country.upper(), compact(bban)
    if not (len(country) == 2 and country.isascii() and country.isalpha() and _alnum(body)):
        raise IdentifierError(f"cannot build an IBAN from {country!r} and {bban!r}")
    return f"{country}{98 - mod97(body + country + '00'):02d}{body}"


def format_iban(iban: str) -> str:
    """The IBAN in groups of four for print: ``FR76 3000 6000 0112 3456 7890 189``."""
    value = normalize_iban(iban)
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def mask_iban(iban: str) -> str:
    """The IBAN for screens and mails: country, check digits and last four only (``FR76 **** **** 0189``)."""
    value = normalize_iban(iban)
    if len(value) < 8:
        return "****"
    return f"{value[:4]} **** **** {value[-4:]}"


# --- French RIB ------------------------------------------------------------------------------------


def rib_key(bank: str, branch: str, account: str) -> str:
    """The two-digit RIB key of a French account: 97 - (89 bank + 15 branch + 3 account) mod 97."""
    parts = [compact(p).translate(_RIB_LETTERS) for p in (bank, branch, account)]
    if not all(p.isascii() and p.isdigit() for p in parts):
        raise IdentifierError(f"{bank} {branch} {account} is not a French bank, branch and account number")
    number_bank, number_branch, number_account = (int(p) for p in parts)
    return f"{97 - (89 * number_bank + 15 * number_branch + 3 * number_account) % 97:02d}"


def rib_is_valid(bank: str, branch: str, account: str, key: str) -> bool:
    """True when ``key`` is the RIB key of bank (5 digits), branch (5) and account (11 characters)."""
    if (len(bank), len(branch), len(compact(account))) != (5, 5, 11):
        return False
    try:
        return rib_key(bank, branch, account) == key.strip()
    except IdentifierError:
        return False


def iban_from_rib(bank: str, branch: str, account: str) -> str:
    """The French IBAN of a RIB, its key and check digits computed."""
    number = compact(account)
    return iban_from_bban("FR", f"{bank}{branch}{number}{rib_key(bank, branch, number)}")


# --- ISO 11649 creditor reference -------------------------------------------------------------------


def validate_rf(reference: str) -> str:
    """The compact RF reference (``RF18539007547034``); IdentifierError naming the problem if invalid."""
    value = reference.upper().replace(" ", "")
    if not (value.startswith("RF") and value[2:4].isdigit()):
        raise IdentifierError(f"{reference!r} does not start with RF and two check digits")
    body = value[4:]
    if not 1 <= len(body) <= 21 or not _alnum(body):
        raise IdentifierError(f"{reference!r} must have 1 to 21 letters or digits after the check digits")
    if mod97(body + value[:4]) != 1:
        raise IdentifierError(f"{reference!r} has wrong check digits (mod 97): a typing error?")
    return value


def rf_is_valid(reference: str) -> bool:
    """True when ``reference`` is an ISO 11649 creditor reference whose check digits are right."""
    try:
        validate_rf(reference)
    except IdentifierError:
        return False
    return True


def rf_from(body: str) -> str:
    """The creditor reference of ``body`` (1 to 21 letters or digits), check digits computed."""
    value = body.upper().replace(" ", "")
    if not 1 <= len(value) <= 21 or not _alnum(value):
        raise IdentifierError(f"{body!r} cannot be an RF reference: 1 to 21 letters or digits")
    return f"RF{98 - mod97(value + 'RF00'):02d}{value}"


# --- SIREN, SIRET, French VAT -----------------------------------------------------------------------


def luhn_is_valid(digits: str) -> bool:
    """True when the Luhn sum of ``digits`` (every second digit from the right doubled) ends in 0."""
    total = 0
    for position, ch in enumerate(reversed(digits)):
        value = int(ch) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def validate_siren(siren: str) -> str:
    """The 9-digit SIREN; IdentifierError when it has another shape or fails the Luhn check."""
    value = compact(siren)
    if len(value) != 9 or not (value.isascii() and value.isdigit()):
        raise IdentifierError(f"{siren!r} is not 9 digits, so not a SIREN")
    if not luhn_is_valid(value):
        raise IdentifierError(f"{siren!r} fails the SIREN check (Luhn): a typing error?")
    return value


def siren_is_valid(siren: str) -> bool:
    """True when ``siren`` (spaces allowed) is 9 digits passing the Luhn check."""
    try:
        validate_siren(siren)
    except IdentifierError:
        return False
    return True


def validate_siret(siret: str) -> str:
    """The 14-digit SIRET; IdentifierError when it does not check.

    Luhn over the 14 digits, except La Poste (SIREN 356000000), whose establishments are numbered so
    that the sum of the digits is a multiple of 5.
    """
    value = compact(siret)
    if len(value) != 14 or not (value.isascii() and value.isdigit()):
        raise IdentifierError(f"{siret!r} is not 14 digits, so not a SIRET")
    validate_siren(value[:9])
    la_poste = value[:9] == _LA_POSTE_SIREN and sum(int(ch) for ch in value) % 5 == 0
    if not (luhn_is_valid(value) or la_poste):
        raise IdentifierError(f"{siret!r} fails the SIRET check (Luhn): a typing error?")
    return value


def siret_is_valid(siret: str) -> bool:
    """True when ``siret`` is 14 digits that check (the La Poste exception included)."""
    try:
        validate_siret(siret)
    except IdentifierError:
        return False
    return True


def fr_vat_key(siren: str) -> str:
    """The two-digit key of the French VAT number of a SIREN: (12 + 3 × (SIREN mod 97)) mod 97."""
    value = validate_siren(siren)
    return f"{(12 + 3 * (int(value) % 97)) % 97:02d}"


def fr_vat_from_siren(siren: str) -> str:
    """The French intracommunity VAT number of a SIREN: ``FR`` + key + SIREN (``FR60421938861``)."""
    value = validate_siren(siren)
    return f"FR{fr_vat_key(value)}{value}"


def validate_fr_vat(vat: str) -> str:
    """The compact French VAT number; IdentifierError when the SIREN or the key does not check.

    Only numeric keys are checked: the letter keys given to companies without a SIREN are refused.
    """
    value = compact(vat)
    if len(value) != 13 or not value.startswith("FR"):
        raise IdentifierError(f"{vat!r} is not FR + a 2-character key + a 9-digit SIREN")
    key, siren = value[2:4], value[4:]
    if not key.isdigit():
        raise IdentifierError(f"{vat!r} has a letter key, which cannot be checked here")
    validate_siren(siren)
    if key != fr_vat_key(siren):
        raise IdentifierError(f"{vat!r} has the key {key}; SIREN {siren} gives {fr_vat_key(siren)}")
    return value


def fr_vat_is_valid(vat: str) -> bool:
    """True when ``vat`` is a French VAT number whose SIREN and key check."""
    try:
        validate_fr_vat(vat)
    except IdentifierError:
        return False
    return True


# ISO 3166-1 alpha-2 country codes (and XK, used by banks for Kosovo): the 5th-6th letters of a BIC.
COUNTRY_CODES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH
    ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU
    LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP
    NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK
    SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA
    VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW""".split()  # noqa: SIM905 - a table reads better as text
)
_BIC_SHAPE = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")


def validate_bic(bic: str) -> str:
    """The compact BIC (ISO 9362: 4 letters of the bank, 2 of the country, 2 of the place, optionally 3 of
    the branch); IdentifierError when the shape or the country is wrong. Whether the bank exists is
    not known here."""
    value = compact(bic).upper()
    if not _BIC_SHAPE.fullmatch(value):
        raise IdentifierError(
            f"{bic!r} is not a BIC: 8 or 11 characters, 4 letters (bank), 2 letters (country), "
            "2 letters or digits (place), optionally 3 (branch)"
        )
    if value[4:6] not in COUNTRY_CODES:
        raise IdentifierError(
            f"{bic!r} names the country {value[4:6]!r}, which is not an ISO 3166 country code"
        )
    return value


def bic_is_valid(bic: str) -> bool:
    """True when ``bic`` has the ISO 9362 shape and a known country code."""
    try:
        validate_bic(bic)
    except IdentifierError:
        return False
    return True
