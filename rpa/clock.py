"""The one place the wall clock is read; everything else is handed a clock (tests hand a fixed one)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current instant, aware UTC."""
    return datetime.now(UTC)
