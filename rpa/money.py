"""Amounts as Decimal: read with stated (or, for spreadsheet cells, guessed) separators, kept to the
currency's ISO 4217 minor unit, written for French readers. Errors are AmountError (a ValueError)
quoting the input; callers add the place (file, line, column)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

DEFAULT_MINOR_UNITS = 2
# ISO 4217 currencies whose minor unit is not 2 digits; every other code has cents.
_MINOR_UNITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                     "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4,
}  # fmt: skip
_PLAIN = re.compile(r"[0-9]+\.?[0-9]*|\.[0-9]+")  # digits with at most one point, nothing else
# Spaces people and spreadsheets put between digit groups: space, no-break space, narrow no-break space.
_GROUP_SPACES = str.maketrans(dict.fromkeys(" \u00a0\u202f", None))
_MINUS_SIGNS = ("-", "\u2212")  # ASCII hyphen-minus and the typographic minus sign


class AmountError(ValueError):
    """The input is not an amount, or not one this currency can hold."""

    def __init__(self, message: str, value: object) -> None:
        super().__init__(message)
        self.value = value


class NotAnAmountError(AmountError):
    """The text is empty, has stray characters, or its separators do not fit."""


class AmountPrecisionError(AmountError):
    """The amount has more decimals than its currency: rounding it would change the money."""


def minor_units(currency: str | None) -> int:
    """Digits after the decimal point in ``currency`` (EUR 2, JPY 0, KWD 3); 2 when unknown or None."""
    return _MINOR_UNITS.get((currency or "").strip().upper(), DEFAULT_MINOR_UNITS)


def quantum(currency: str | None) -> Decimal:
    """The smallest amount of ``currency``: ``0.01`` for EUR, ``1`` for JPY, ``0.001`` for KWD."""
    return Decimal(1).scaleb(-minor_units(currency))


def quantize(amount: Decimal, currency: str | None) -> Decimal:
    """``amount`` rounded half-up to the currency's minor unit; round once, at the end of a computation."""
    return _quantize(amount, currency, rounding=ROUND_HALF_UP)


def quantize_exact(amount: Decimal, currency: str | None) -> Decimal:
    """``amount`` written to the currency's minor unit (``12.5`` → ``12.50``).

    Raises AmountPrecisionError when that would drop a non-zero digit (``12.345`` EUR).
    """
    result = _quantize(amount, currency, rounding=ROUND_HALF_UP)
    if result != amount:
        name = (currency or "").upper() or "the currency"
        raise AmountPrecisionError(
            f"{amount} has more than {minor_units(currency)} decimals for {name}", amount
        )
    return result


def pad(amount: Decimal, currency: str | None) -> Decimal:
    """``amount`` with at least the currency's decimals (``12.5`` → ``12.50``); extra digits are kept.

    For amounts as a bank sent them: a statement more precise than its currency is not ours to round.
    """
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > minor_units(currency):
        return amount
    return _quantize(amount, currency, rounding=ROUND_HALF_UP)


def from_minor_units(units: int, places: int) -> Decimal:
    """The amount of ``units`` minor units (cents when ``places`` is 2): ``12345, 2`` → ``123.45``."""
    return Decimal(units).scaleb(-places)


def parse_amount(
    text: str, *, decimal_separator: str = ".", thousands_separator: str = "", currency: str | None = None
) -> Decimal:
    """Read an amount written with the separators the caller states: ``1 234,56``, ``-12.5``, ``12,50-``.

    Spaces (also no-break ones) between digit groups are always ignored; a sign may lead or trail.
    With ``currency``, the result is written to its minor unit and may not lose a digit
    (AmountPrecisionError). Anything else raises NotAnAmountError.
    """
    cleaned = text.strip().translate(_GROUP_SPACES)
    if thousands_separator:
        cleaned = cleaned.replace(thousands_separator, "")
    negative, digits = _sign(cleaned)
    if decimal_separator != ".":
        if "." in digits:  # a point where a comma is expected: 1.234 would silently become 1,234
            raise NotAnAmountError(f"{text!r} is not an amount", text)
        digits = digits.replace(decimal_separator, ".")
    value = _decimal(digits, negative, text)
    return quantize_exact(value, currency) if currency else value


def parse_amount_guess(value: object, *, currency: str | None = None) -> Decimal:
    """Read a spreadsheet or user cell whose separators nobody stated.

    Numbers (int, float, Decimal) are taken as they are, floats to the 15 significant digits a
    spreadsheet holds. In text, the last of ``,`` and ``.`` is the decimal separator and the other one
    groups thousands (``1.234,56``, ``1,234.56``, ``1'234.56``, ``1 234,56``); a repeated decimal
    separator is refused (``1.234.567``). A sign may lead or trail, and ``(12,50)`` is negative.
    With ``currency``: numbers are rounded half-up to it, text may not lose a digit (AmountPrecisionError).
    """
    if isinstance(value, bool) or value is None:
        raise NotAnAmountError(f"{value!r} is not an amount", value)
    if isinstance(value, int | float | Decimal):
        number = Decimal(format(value, ".15g")) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise NotAnAmountError(f"{value!r} is not an amount", value)
        return quantize(number, currency) if currency else number
    text = str(value)
    cleaned = text.strip().translate(_GROUP_SPACES).replace("'", "").replace("\u2019", "")
    if cleaned.startswith("(") and cleaned.endswith(")"):  # accounting notation for a negative amount
        negative, digits = _sign(cleaned[1:-1])
        if negative:
            raise NotAnAmountError(f"{text!r} is not an amount", value)
        negative = True
    else:
        negative, digits = _sign(cleaned)
    decimal_mark = "," if digits.rfind(",") > digits.rfind(".") else "."
    grouping = "." if decimal_mark == "," else ","
    digits = digits.replace(grouping, "").replace(decimal_mark, ".")
    number = _decimal(digits, negative, text)
    return quantize_exact(number, currency) if currency else number


def format_amount(
    amount: Decimal,
    decimal_separator: str = ",",
    thousands_separator: str = " ",
    *,
    currency: str | None = None,
) -> str:
    """``amount`` for display, French style by default: ``-1 234,56``.

    With ``currency`` it is first rounded half-up to the currency's minor unit.
    """
    if currency:
        amount = quantize(amount, currency)
    grouped = f"{amount:,f}"  # 1,234.56 — then swap in the separators asked for
    return grouped.replace(",", "\0").replace(".", decimal_separator).replace("\0", thousands_separator)


def _sign(text: str) -> tuple[bool, str]:
    """(negative, text without its sign); the sign may come first or, as some exports write it, last."""
    if text.startswith(("+", *_MINUS_SIGNS)):
        return text[0] != "+", text[1:]
    if text.endswith(("+", *_MINUS_SIGNS)):
        return text[-1] != "+", text[:-1]
    return False, text


def _decimal(digits: str, negative: bool, original: object) -> Decimal:
    if not _PLAIN.fullmatch(digits):  # also refuses exponents, NaN, Infinity and a second sign
        raise NotAnAmountError(f"{original!r} is not an amount", original)
    number = Decimal(digits)
    return number.copy_negate() if negative else number  # copy_negate: no context rounding


def _quantize(amount: Decimal, currency: str | None, *, rounding: str) -> Decimal:
    try:
        return amount.quantize(quantum(currency), rounding=rounding)
    except InvalidOperation as exc:  # more digits than Decimal's context holds: no real amount is that big
        raise AmountError(f"{amount} is too large to be an amount", amount) from exc
