"""The reconciliation workbook: a summary, one sheet per decision type, and the input problems.

Every cell holding outside text goes through ``safe_cell`` so a hostile remittance cannot become a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from rpa.documents.excel import safe_row

from .explain import alternatives_text, differences_text
from .model import ZERO, Decision, DecisionKind

MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
SCORE_FORMAT = "0.00"
RATE_FORMAT = "0.0%"

# (header, width, number format) of the decision sheets, in order.
COLUMNS: tuple[tuple[str, int, str | None], ...] = (
    ("line_id", 22, None),
    ("booking_date", 12, DATE_FORMAT),
    ("amount", 14, MONEY_FORMAT),
    ("currency", 9, None),
    ("counterparty", 28, None),
    ("counterparty_iban", 24, None),
    ("remittance", 40, None),
    ("decision", 11, None),
    ("invoices", 26, None),
    ("allocated", 14, MONEY_FORMAT),
    ("allocations", 30, None),
    ("differences", 30, None),
    ("score", 8, SCORE_FORMAT),
    ("reason_code", 28, None),
    ("method", 22, None),
    ("explanation", 80, None),
    ("alternatives", 50, None),
    ("source", 30, None),
)
SHEETS = {
    DecisionKind.AUTO: "Auto",
    DecisionKind.SUGGESTED: "Suggested",
    DecisionKind.EXCEPTION: "Exceptions",
}

ALL_LINES, MATCH_RATE = "all lines", "match rate (auto / lines)"
# The run summary (``rpa run``, ``rpa runs show``) names the figures of ``finalize`` as this workbook does.
SUMMARY_LABELS = {
    "lines": ALL_LINES,
    **{kind.value: SHEETS[kind].lower() for kind in DecisionKind},
    "match_rate": MATCH_RATE,
    "report": "report",
}


@dataclass(frozen=True, slots=True)
class Totals:
    """How many lines, and how much money, each decision type holds."""

    lines: int
    amount: Decimal
    counts: dict[DecisionKind, int]
    amounts: dict[DecisionKind, Decimal]

    @property
    def match_rate(self) -> float:
        """Share of lines posted automatically."""
        return self.counts[DecisionKind.AUTO] / self.lines if self.lines else 0.0


def totals(decisions: Sequence[Decision]) -> Totals:
    counts = dict.fromkeys(DecisionKind, 0)
    amounts = dict.fromkeys(DecisionKind, ZERO)
    for d in decisions:
        counts[d.kind] += 1
        amounts[d.kind] += d.line.amount
    return Totals(len(decisions), sum(amounts.values(), ZERO), counts, amounts)


def decision_cells(d: Decision) -> list[object]:
    """One decision as the typed values of a row, in the order of ``COLUMNS``."""
    line = d.line
    return [
        line.line_id, line.booking_date, line.amount, line.currency, line.counterparty_name,
        line.counterparty_iban, line.remittance, d.kind.value, ";".join(d.invoices),
        d.allocated if d.allocations else None,
        "; ".join(f"{a.invoice} {a.amount:.2f}" for a in d.allocations),
        "; ".join(differences_text(d.differences)), d.score, d.reason_code.value, d.method, d.explanation,
        "; ".join(alternatives_text(d.alternatives)), line.source,
    ]  # fmt: skip


def write_report(
    path: Path, decisions: Sequence[Decision], *, today: date, problems: Sequence[str] = ()
) -> None:
    """Write the workbook to ``path`` (replaced if present)."""
    book = Workbook()
    summary = book.active
    assert summary is not None  # a new workbook always has its first sheet
    _summary(summary, totals(decisions), today, len(problems))
    for kind, title in SHEETS.items():
        _decisions(book.create_sheet(title), [d for d in decisions if d.kind is kind])
    sheet = book.create_sheet("Problems")
    _table(sheet, [("problem", 120, None)], [[p] for p in problems])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def _summary(sheet: Worksheet, t: Totals, today: date, problem_count: int) -> None:
    sheet.title = "Summary"
    header = [
        ("item", 28, None),
        ("lines", 10, None),
        ("amount", 18, MONEY_FORMAT),
        ("share", 10, RATE_FORMAT),
    ]
    rows: list[list[object]] = [[ALL_LINES, t.lines, t.amount, 1.0 if t.lines else 0.0]]
    for kind in DecisionKind:
        share = t.counts[kind] / t.lines if t.lines else 0.0
        rows.append([SHEETS[kind].lower(), t.counts[kind], t.amounts[kind], share])
    _table(sheet, header, rows)
    extra = [(MATCH_RATE, t.match_rate, RATE_FORMAT), ("report date", today, DATE_FORMAT),
             ("input problems", problem_count, None)]  # fmt: skip
    for offset, (label, value, fmt) in enumerate(extra):
        row = len(rows) + 3 + offset
        sheet.cell(row=row, column=1, value=label).font = Font(bold=True)
        cell = sheet.cell(row=row, column=2, value=value)
        if fmt:
            cell.number_format = fmt


def _decisions(sheet: Worksheet, decisions: Sequence[Decision]) -> None:
    _table(sheet, COLUMNS, [decision_cells(d) for d in decisions])


def _table(
    sheet: Worksheet, columns: Sequence[tuple[str, int, str | None]], rows: Sequence[Sequence[object]]
) -> None:
    sheet.append([name for name, _, _ in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(safe_row(values))
    for index, (_, width, fmt) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{max(1, len(rows) + 1)}"
