"""The seeded data every simulated application serves, and the truth about it."""

from legacy_apps.world.generate import DEFAULT_LINES, DEFAULT_TODAY, build_world
from legacy_apps.world.model import (
    MATCH,
    NO_AUTO_MATCH,
    Account,
    BankLine,
    Customer,
    Invoice,
    Settlement,
    World,
)

__all__ = [
    "DEFAULT_LINES", "DEFAULT_TODAY", "MATCH", "NO_AUTO_MATCH", "Account", "BankLine", "Customer", "Invoice",
    "Settlement", "World", "build_world",
]  # fmt: skip
