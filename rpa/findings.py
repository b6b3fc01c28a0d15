"""Findings: what a check or a reader found wrong (or worth saying) about its input, as data.

Listed all at once rather than raised one at a time, each naming what it is about and where.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from rpa.errors import RpaError


class Severity(StrEnum):
    """How much a finding matters: ``error`` means the thing it is about was not used."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing found about one ``source`` (a file, a document, an item, a line), at ``field`` if given.

    ``code`` is stable (SCREAMING_SNAKE) for filtering and counting; ``message`` is for people and
    says what to do.
    """

    code: str
    severity: Severity
    message: str
    source: str
    field: str = ""

    @property
    def where(self) -> str:
        """``source, field`` (or just ``source``), to put in front of a message."""
        return f"{self.source}, {self.field}" if self.field else self.source

    def as_dict(self) -> dict[str, str]:
        """Plain strings for audit details, reports and JSON."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "source": self.source,
            "field": self.field,
        }

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"

    @classmethod
    def from_error(cls, error: RpaError, *, severity: Severity = Severity.ERROR) -> Finding:
        """The finding an error stands for: its code and message; ``file``/``row`` of its details as the
        source (the item key when there is no file), ``column`` (or ``where``) as the field."""
        details = error.details
        source = str(details.get("file") or error.item_key or "")
        if details.get("row") is not None:
            source = f"{source}, row {details['row']}" if source else f"row {details['row']}"
        field = str(details.get("column") or details.get("where") or "")
        return cls(error.code, severity, error.message, source, field)
