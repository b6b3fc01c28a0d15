"""Writing outside data into spreadsheets (xlsx, CSV) without letting it become a formula.

Text from bank statements, invoices or web pages may start with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return that some programs skip): a spreadsheet would run it as a formula. Such text
gets a leading apostrophe, the usual spreadsheet mark for "this is text"; numbers, dates and
Decimals pass through typed so that sums and filters keep working.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal

CellValue = str | int | float | Decimal | date | datetime | time | bool | None

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralize(text: str) -> str:
    """``text`` as harmless text: prefixed with an apostrophe when a spreadsheet would evaluate it."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def safe_cell(value: object) -> CellValue:
    """A value ready for a cell: typed values unchanged, text neutralised, anything else as neutral text."""
    if value is None or isinstance(value, bool | int | float | Decimal | date | datetime | time):
        return value
    return neutralize(value if isinstance(value, str) else str(value))


def safe_row(values: Iterable[object]) -> list[CellValue]:
    """Every value of a row through :func:`safe_cell`."""
    return [safe_cell(v) for v in values]
