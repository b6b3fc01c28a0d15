"""Reconciling statement files against an open-items file, without the ERP: ``rpa reconcile``.

Writes ``decisions.csv`` (one row per bank line) and ``report.xlsx`` into the output folder. A file
that cannot be read is listed in the summary; the other files are reconciled as usual.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from rpa.documents.excel import neutralize
from rpa.documents.statements import parse_statement
from rpa.documents.statements.model import BankLine
from rpa.errors import RpaError
from rpa.findings import Severity

from .config import InvoiceMatchingConfig
from .explain import alternatives_text, differences_text
from .matching import match_lines
from .model import Decision, DecisionKind
from .open_items import read_open_items
from .report import totals, write_report

DECISIONS_HEADER = ("line_id", "decision", "invoices", "allocated", "score", "reason_code", "explanation",
                    "booking_date", "amount", "currency", "counterparty", "remittance", "differences",
                    "alternatives",
                    "source")  # fmt: skip
_FORMATTED = frozenset({3, 4, 7, 8})  # positions of allocated, score, booking_date, amount


@dataclass(frozen=True, slots=True)
class ReconcileSummary:
    """What one offline reconciliation read, decided and wrote."""

    statements: int
    lines: int
    auto: int
    suggested: int
    exceptions: int
    auto_amount: Decimal
    suggested_amount: Decimal
    exception_amount: Decimal
    match_rate: float
    file_errors: tuple[str, ...]
    item_errors: tuple[str, ...]
    decisions_csv: Path
    report_xlsx: Path
    notes: tuple[str, ...] = ()  # what was read with a caveat (an encoding guessed), not an error

    @property
    def ok(self) -> bool:
        """True when every file and every open-item row could be read."""
        return not self.file_errors and not self.item_errors


def reconcile_files(
    statements: list[Path],
    open_items: Path,
    out: Path,
    *,
    config: InvoiceMatchingConfig | None = None,
    today: date | None = None,
) -> ReconcileSummary:
    """Match every line of ``statements`` against ``open_items``; write the decisions into ``out``.

    Raises DocumentReadError only when the open-items file as a whole is unreadable (nothing to match
    against); unreadable statement files and bad open-item rows are listed in the summary.
    """
    today = today or date.today()  # the edge: the one place the clock is read, when no date is given
    items, item_findings = read_open_items(open_items)
    lines: list[BankLine] = []
    file_errors: list[str] = []
    statement_count = 0
    for path in statements:
        try:
            parsed = parse_statement(path)
        except (RpaError, OSError) as exc:
            file_errors.append(f"{path}: {exc}")
            continue
        statement_count += len(parsed)
        for statement in parsed:
            lines.extend(statement.lines)
    result = match_lines(lines, items, today=today, config=config)
    item_errors = [str(f) for f in item_findings if f.severity is Severity.ERROR]
    notes = [str(f) for f in item_findings if f.severity is not Severity.ERROR]
    problems = item_errors + [p.message for p in result.problems]
    out.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = out / "decisions.csv", out / "report.xlsx"
    write_decisions_csv(csv_path, result.decisions)
    write_report(xlsx_path, result.decisions, today=today, problems=[*file_errors, *problems, *notes])
    t = totals(result.decisions)
    return ReconcileSummary(
        statements=statement_count, lines=t.lines, auto=t.counts[DecisionKind.AUTO],
        suggested=t.counts[DecisionKind.SUGGESTED], exceptions=t.counts[DecisionKind.EXCEPTION],
        auto_amount=t.amounts[DecisionKind.AUTO], suggested_amount=t.amounts[DecisionKind.SUGGESTED],
        exception_amount=t.amounts[DecisionKind.EXCEPTION], match_rate=t.match_rate,
        file_errors=tuple(file_errors), item_errors=tuple(problems),
        decisions_csv=csv_path, report_xlsx=xlsx_path, notes=tuple(notes),
    )  # fmt: skip


def write_decisions_csv(path: Path, decisions: Sequence[Decision]) -> None:
    """One row per line; list fields are ``;``-separated and every text is formula-neutralised."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(DECISIONS_HEADER)
        for d in decisions:
            line = d.line
            row = [
                line.line_id, d.kind.value, ";".join(d.invoices),
                ";".join(f"{a.amount:.2f}" for a in d.allocations), f"{d.score:.3f}", d.reason_code.value,
                d.explanation, line.booking_date.isoformat(), f"{line.amount:.2f}", line.currency,
                line.counterparty_name, line.remittance, "; ".join(differences_text(d.differences)),
                "; ".join(alternatives_text(d.alternatives)), line.source,
            ]  # fmt: skip
            # Amounts, score and date are formatted by us; every other field may carry outside text.
            writer.writerow([v if pos in _FORMATTED else neutralize(v) for pos, v in enumerate(row)])
