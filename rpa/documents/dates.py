"""Dates as documents write them: ``dd/mm/yyyy`` (also ``.``/``-``, two-digit years), ISO ``yyyy-mm-dd``,
``d month yyyy`` with French, English or German month names; US ``mm/dd/yyyy`` only when the day
cannot be a month. Pure functions over text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import date

_MONTHS = {
    **dict.fromkeys(("janvier", "january", "jan", "januar", "janv"), 1),
    **dict.fromkeys(("fevrier", "february", "feb", "fev", "fevr", "februar"), 2),
    **dict.fromkeys(("mars", "march", "mar", "marz"), 3),
    **dict.fromkeys(("avril", "april", "apr", "avr"), 4),
    **dict.fromkeys(("mai", "may"), 5),
    **dict.fromkeys(("juin", "june", "jun", "juni"), 6),
    **dict.fromkeys(("juillet", "july", "jul", "juil", "juli"), 7),
    **dict.fromkeys(("aout", "august", "aug"), 8),
    **dict.fromkeys(("septembre", "september", "sep", "sept"), 9),
    **dict.fromkeys(("octobre", "october", "oct", "oktober"), 10),
    **dict.fromkeys(("novembre", "november", "nov"), 11),
    **dict.fromkeys(("decembre", "december", "dec", "dezember"), 12),
}  # fmt: skip
_ISO = r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
_NUMERIC = r"(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
_WORDED = r"(?P<wd>\d{1,2})(?:er|st|nd|rd|th)?\.?\s+(?P<wm>[^\W\d_]{3,10})\.?,?\s+(?P<wy>\d{4})"
_WORDED_US = r"(?P<um>[^\W\d_]{3,10})\.?\s+(?P<ud>\d{1,2})(?:st|nd|rd|th)?,\s*(?P<uy>\d{4})"
DATE = re.compile(rf"(?<![\d/.\-])(?:{_ISO}|{_NUMERIC}|{_WORDED}|{_WORDED_US})(?![\d/\-]|\.\d)")


def _month(name: str) -> int | None:
    plain = unicodedata.normalize("NFKD", name.casefold())
    return _MONTHS.get("".join(c for c in plain if c.isalpha()))


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _from_match(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    if groups["iy"]:
        return _make(int(groups["iy"]), int(groups["im"]), int(groups["id"]))
    if groups["a"]:
        year = int(groups["y"])
        year += 2000 if year < 100 else 0  # two-digit years on invoices are this century
        first, second = int(groups["a"]), int(groups["b"])
        # Day first (European); month first only when the first number cannot be a month (US layouts).
        return _make(year, second, first) or _make(year, first, second)
    if groups["wd"]:
        month = _month(groups["wm"])
        return _make(int(groups["wy"]), month, int(groups["wd"])) if month else None
    month = _month(groups["um"])
    return _make(int(groups["uy"]), month, int(groups["ud"])) if month else None


def iter_dates(text: str) -> Iterator[tuple[int, date]]:
    """(position, date) of every date written in ``text``, in order."""
    for match in DATE.finditer(text):
        found = _from_match(match)
        if found is not None:
            yield match.start(), found


def parse_date(text: str) -> date | None:
    """The first date in ``text``; None when there is none."""
    return next((found for _, found in iter_dates(text)), None)
