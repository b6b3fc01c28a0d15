"""Statement writers (CAMT.053, MT940, OFX, CSV): pure functions from a statement view to file bytes."""

from __future__ import annotations

from collections.abc import Callable

from legacy_apps.statements.camt053 import write_camt053
from legacy_apps.statements.french_csv import write_csv
from legacy_apps.statements.mt940 import write_mt940
from legacy_apps.statements.ofx import write_ofx
from legacy_apps.statements.view import StatementView, statement_view

# format name -> (writer, file name, media type)
FORMATS: dict[str, tuple[Callable[[StatementView], bytes], str, str]] = {
    "camt053": (write_camt053, "camt053.xml", "application/xml"),
    "mt940": (write_mt940, "mt940.sta", "text/plain; charset=us-ascii"),
    "ofx": (write_ofx, "statement.ofx", "application/x-ofx"),
    "csv": (write_csv, "statement.csv", "text/csv; charset=utf-8"),
}

__all__ = [
    "FORMATS",
    "StatementView",
    "statement_view",
    "write_camt053",
    "write_csv",
    "write_mt940",
    "write_ofx",
]
