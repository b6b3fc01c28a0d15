"""Amounts: read with stated or guessed separators, kept to the currency, written back French style."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from rpa.money import (
    AmountError,
    AmountPrecisionError,
    NotAnAmountError,
    format_amount,
    from_minor_units,
    minor_units,
    pad,
    parse_amount,
    parse_amount_guess,
    quantize,
    quantize_exact,
)


@pytest.mark.parametrize(
    ("currency", "places"),
    [("EUR", 2), ("usd", 2), ("GBP", 2), ("CHF", 2), ("JPY", 0), ("KRW", 0), ("BHD", 3), ("KWD", 3),
     ("TND", 3), ("XYZ", 2), (None, 2), ("", 2)],
)  # fmt: skip
def test_minor_units_follow_iso_4217(currency: str | None, places: int) -> None:
    assert minor_units(currency) == places


@pytest.mark.parametrize(
    ("text", "decimal", "thousands", "expected"),
    [
        ("1234.56", ".", "", "1234.56"),
        ("1 234,56", ",", " ", "1234.56"),
        ("1\u00a0234,56", ",", "", "1234.56"),  # no-break space, as French spreadsheets write it
        ("1\u202f234,56", ",", "", "1234.56"),  # narrow no-break space, as French typography writes it
        ("1.234,56", ",", ".", "1234.56"),  # German bank CSV
        ("1,234.56", ".", ",", "1234.56"),
        ("12,50-", ",", "", "-12.50"),  # sign last, as some exports write it
        ("-8.85", ".", "", "-8.85"),
        ("+3", ".", "", "3"),
        ("100,", ",", "", "100"),  # MT940 writes whole amounts with a bare decimal comma
        (".5", ".", "", "0.5"),
    ],
)
def test_parse_amount_with_the_separators_stated(
    text: str, decimal: str, thousands: str, expected: str
) -> None:
    value = parse_amount(text, decimal_separator=decimal, thousands_separator=thousands)
    assert value == Decimal(expected)
    assert isinstance(value, Decimal)


@pytest.mark.parametrize(
    ("text", "decimal"),
    [
        ("ten", "."),
        ("", "."),
        ("-", "."),
        ("1e3", "."),  # no exponents: a bank never writes one, a broken export might
        ("NaN", "."),
        ("Infinity", "."),
        ("1_000", "."),
        ("--12", "."),
        ("1.2.3", "."),
        ("1.234", ","),  # a point where a decimal comma is stated: would silently be a thousand times less
        ("1,234.56", "."),  # thousands separator not stated
    ],
)
def test_parse_amount_refuses_what_is_not_an_amount_in_that_notation(text: str, decimal: str) -> None:
    with pytest.raises(NotAnAmountError, match=re.escape(repr(text))) as info:
        parse_amount(text, decimal_separator=decimal)
    assert isinstance(info.value, ValueError) and info.value.value == text


def test_parse_amount_with_a_currency_keeps_every_digit_or_refuses() -> None:
    assert str(parse_amount("12.5", currency="EUR")) == "12.50"
    assert str(parse_amount("1500", currency="JPY")) == "1500"
    assert str(parse_amount("1,5", decimal_separator=",", currency="KWD")) == "1.500"
    with pytest.raises(AmountPrecisionError, match="more than 2 decimals for EUR"):
        parse_amount("12.345", currency="EUR")
    with pytest.raises(AmountPrecisionError, match="more than 0 decimals for JPY"):
        parse_amount("1500.5", currency="JPY")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1'234.56", "1234.56"),  # Swiss
        ("1\u2019234.56", "1234.56"),  # Swiss with a typographic apostrophe
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1200,00", "1200.00"),
        ("45.50", "45.50"),
        ("-19.99", "-19.99"),
        ("19,99-", "-19.99"),
        ("\u221219,99", "-19.99"),  # typographic minus sign
        ("(1 234,56)", "-1234.56"),  # accounting notation
        (" 80 ", "80"),
        (1200, "1200"),
        (1200.5, "1200.5"),
        (0.1 + 0.2, "0.3"),  # a spreadsheet holds 15 significant digits; the rest is float noise
        (Decimal("3.10"), "3.10"),
    ],
)
def test_parse_amount_guess_reads_spreadsheet_cells(cell: object, expected: str) -> None:
    value = parse_amount_guess(cell)
    assert value == Decimal(expected)
    assert str(value) == expected


@pytest.mark.parametrize(
    "cell", ["", "ten", "1.234.567", "1,2,3", "(-5)", "12 €", "--1", True, None, float("nan"), float("inf")]
)
def test_parse_amount_guess_refuses_cells_that_are_not_amounts(cell: object) -> None:
    with pytest.raises(NotAnAmountError):
        parse_amount_guess(cell)


def test_parse_amount_guess_with_a_currency() -> None:
    # A typed number is rounded half-up once: the cell 2.675 (a float just under 2.675) gives 2.68,
    # where Python's round(2.675, 2) would give 2.67.
    assert parse_amount_guess(2.675, currency="EUR") == Decimal("2.68")
    assert str(parse_amount_guess(1200, currency="EUR")) == "1200.00"
    assert str(parse_amount_guess("1 500", currency="JPY")) == "1500"
    # Text with too many decimals points at mixed-up separators: refused, not rounded.
    with pytest.raises(AmountPrecisionError):
        parse_amount_guess("1,234", currency="EUR")
    with pytest.raises(AmountPrecisionError):
        parse_amount_guess("2.675", currency="EUR")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.345", "EUR", "2.35"),  # half-up, not the banker's 2.34
        ("-2.345", "EUR", "-2.35"),  # half away from zero on the debit side too
        ("2.344", "EUR", "2.34"),
        ("1234.5", "JPY", "1235"),
        ("1.2345", "KWD", "1.235"),
        ("10", "EUR", "10.00"),
    ],
)
def test_quantize_rounds_half_up_to_the_currency(amount: str, currency: str, expected: str) -> None:
    assert str(quantize(Decimal(amount), currency)) == expected


def test_quantize_exact_pads_but_never_drops_a_digit() -> None:
    assert str(quantize_exact(Decimal("12.5"), "EUR")) == "12.50"
    assert str(quantize_exact(Decimal("12.340"), "EUR")) == "12.34"
    with pytest.raises(AmountPrecisionError, match=r"12\.345"):
        quantize_exact(Decimal("12.345"), "EUR")


def test_pad_keeps_what_a_bank_sent_beyond_the_currency() -> None:
    assert str(pad(Decimal("12.5"), "EUR")) == "12.50"
    assert str(pad(Decimal("12.345"), "EUR")) == "12.345"
    assert str(pad(Decimal("100"), "JPY")) == "100"


def test_absurdly_large_amounts_are_an_amount_error_not_a_crash() -> None:
    with pytest.raises(AmountError, match="too large"):
        quantize(Decimal("1E+40"), "EUR")


def test_from_minor_units() -> None:
    assert str(from_minor_units(12345, 2)) == "123.45"
    assert str(from_minor_units(-500, 0)) == "-500"
    assert str(from_minor_units(1234, 3)) == "1.234"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("1234567.8", "1 234 567,8"), ("-1234.56", "-1 234,56"), ("0.05", "0,05"), ("999", "999")],
)
def test_format_amount_french_style(amount: str, expected: str) -> None:
    assert format_amount(Decimal(amount)) == expected


def test_format_amount_options_and_round_trip() -> None:
    assert format_amount(Decimal("1234567.8"), currency="EUR") == "1 234 567,80"
    assert format_amount(Decimal("1234.5"), currency="JPY") == "1 235"
    assert format_amount(Decimal("1234.56"), ".", "'") == "1'234.56"
    assert format_amount(Decimal("1234.56"), ",", "\u202f") == "1\u202f234,56"
    for text in ("0.01", "-98765.43", "1000000.00"):
        assert parse_amount_guess(format_amount(Decimal(text))) == Decimal(text)


def test_amounts_of_the_real_mt940_corpus_read_with_the_decimal_comma(corpus: Path) -> None:
    """Every :61: amount of a real German SEPA MT940 file reads as a Decimal with the MT940 comma."""
    text = (corpus / "statements" / "mt940" / "betterplace_sepa_mt9401.sta").read_text(encoding="latin-1")
    amounts = re.findall(r"^:61:\d{6}(?:\d{4})?R?[CD][A-Z]?(\d+,\d*)", text, re.MULTILINE)
    assert amounts
    for written in amounts:
        value = parse_amount(written, decimal_separator=",", currency="EUR")
        assert value == Decimal(written.replace(",", ".")) and value.as_tuple().exponent == -2
