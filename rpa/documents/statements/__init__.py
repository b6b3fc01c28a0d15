"""Bank statements (camt.052/053/054, MT940, OFX, CSV, CFONB 120) read into one model: BankLine, Statement."""

from rpa.documents.statements.csv_profiles import PROFILES, CsvColumns, CsvProfile
from rpa.documents.statements.duplicates import Duplicate, Fingerprints, split_duplicates
from rpa.documents.statements.model import BankLine, Statement
from rpa.documents.statements.reader import (
    detect_format,
    parse_many,
    parse_statement,
    profile_catalogue,
    resolve_profile,
)

__all__ = [
    "PROFILES",
    "BankLine",
    "CsvColumns",
    "CsvProfile",
    "Duplicate",
    "Fingerprints",
    "Statement",
    "detect_format",
    "parse_many",
    "parse_statement",
    "profile_catalogue",
    "resolve_profile",
    "split_duplicates",
]
