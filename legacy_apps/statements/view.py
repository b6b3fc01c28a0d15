"""What every statement format says, computed once from the world for a date range."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from legacy_apps.world.model import Account, BankLine, World


@dataclass(frozen=True, slots=True)
class StatementView:
    statement_id: str
    sequence: int
    account: Account
    start: date
    end: date
    opening_balance: Decimal
    closing_balance: Decimal
    lines: tuple[BankLine, ...]
    created_at: datetime  # derived from the period, never from the clock, so files are reproducible


def statement_view(world: World, start: date | None = None, end: date | None = None) -> StatementView:
    """The statement of ``world``'s account from ``start`` to ``end`` (inclusive; default: all)."""
    start = start or world.period_start
    end = end or world.period_end
    if end < start:
        raise ValueError(f"statement period ends ({end}) before it starts ({start})")
    lines = world.lines_between(start, end)
    opening = world.balance_before(start)
    closing = opening + sum((line.amount for line in lines), start=Decimal("0.00"))
    return StatementView(
        statement_id=f"STMT{start:%Y%m%d}{end:%Y%m%d}",
        sequence=(end - date(end.year, 1, 1)).days + 1,
        account=world.account,
        start=start,
        end=end,
        opening_balance=opening,
        closing_balance=closing,
        lines=lines,
        created_at=datetime.combine(end + timedelta(days=1), time(5, 0), tzinfo=UTC),
    )


def ascii_text(text: str) -> str:
    """Accents dropped: older formats (MT940, OFX 1.x) only carry a restricted character set."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def french_amount(amount: Decimal) -> str:
    """1234.5 -> '1234,50' (decimal comma, no thousands separator)."""
    return f"{abs(amount):.2f}".replace(".", ",")
