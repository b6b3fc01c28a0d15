"""Reconciling statement files against an open-items file, without the ERP: ``rpa reconcile``.

Writes ``decisions.csv`` (one row per bank line) and ``report.xlsx`` into the output folder. A file
that cannot be read, or gives no bank line, is listed in the summary with the reason; the other files
are reconciled as usual. A statement whose balances do not add up is listed as a problem.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from rpa.documents.excel import neutralize
from rpa.documents.statements import parse_statement, profile_catalogue, resolve_profile
from rpa.documents.statements.model import BankLine, Statement
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
    statement_problems: tuple[str, ...] = ()  # read, but wrong on its face: balances that do not add up
    csv_profile_failed: bool = False  # a CSV file did not fit the profile it was read with
    open_items: int = 0  # open items read
    rows_rejected: int = 0  # open-items rows that could not be used

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
    csv_profile: str | None = None,
) -> ReconcileSummary:
    """Match every line of ``statements`` against ``open_items``; write the decisions into ``out``.

    ``csv_profile`` names the profile CSV statements are read with (built-in or declared in the bot's
    ``csv_profiles``); when None, each file's header picks it. Raises ConfigError for an unknown profile
    and DocumentReadError when the open-items file as a whole is unreadable (nothing to match against);
    unreadable or empty statement files and bad open-item rows are listed in the summary.
    """
    today = today or date.today()  # the edge: the one place the clock is read, when no date is given
    profiles = profile_catalogue(config.csv_profiles if config else ())
    if csv_profile is not None:
        resolve_profile(csv_profile, b"", profiles)  # refuses an unknown name before any work is done
    items, item_findings = read_open_items(open_items)
    lines: list[BankLine] = []
    file_errors: list[str] = []
    statement_problems: list[str] = []
    statement_notes: list[str] = []
    csv_profile_failed = False
    statement_count = 0
    for path in statements:
        try:
            parsed = parse_statement(path, csv_profile=csv_profile, csv_profiles=profiles)
        except (RpaError, OSError) as exc:
            used = exc.details.get("csv_profile") if isinstance(exc, RpaError) else None
            csv_profile_failed = csv_profile_failed or used is not None
            suffix = (
                f" (read as CSV profile '{used}'; profiles: {', '.join(sorted(profiles))})" if used else ""
            )
            file_errors.append(f"{path}: {exc}{suffix}")
            continue
        statement_count += len(parsed)
        found = [f for statement in parsed for f in statement.findings]
        statement_problems += [f"{path}: {f}" for f in found if f.severity is not Severity.INFO]
        statement_notes += [f"{path}: {f}" for f in found if f.severity is Severity.INFO]
        if not any(statement.lines for statement in parsed):
            file_errors.append(f"{path}: no bank line read — {_why_empty(parsed)}")
        for statement in parsed:
            lines.extend(statement.lines)
    result = match_lines(lines, items, today=today, config=config)
    item_errors = [str(f) for f in item_findings if f.severity is Severity.ERROR]
    notes = [str(f) for f in item_findings if f.severity is not Severity.ERROR] + statement_notes
    problems = item_errors + [p.message for p in result.problems]
    out.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = out / "decisions.csv", out / "report.xlsx"
    write_decisions_csv(csv_path, result.decisions)
    write_report(
        xlsx_path,
        result.decisions,
        today=today,
        problems=[*file_errors, *statement_problems, *problems, *notes],
    )
    t = totals(result.decisions)
    return ReconcileSummary(
        statements=statement_count, lines=t.lines, auto=t.counts[DecisionKind.AUTO],
        suggested=t.counts[DecisionKind.SUGGESTED], exceptions=t.counts[DecisionKind.EXCEPTION],
        auto_amount=t.amounts[DecisionKind.AUTO], suggested_amount=t.amounts[DecisionKind.SUGGESTED],
        exception_amount=t.amounts[DecisionKind.EXCEPTION], match_rate=t.match_rate,
        file_errors=tuple(file_errors), item_errors=tuple(problems),
        decisions_csv=csv_path, report_xlsx=xlsx_path, notes=tuple(notes),
        statement_problems=tuple(statement_problems), csv_profile_failed=csv_profile_failed,
        open_items=len(items), rows_rejected=len(item_errors),
    )  # fmt: skip


def _why_empty(statements: list[Statement]) -> str:
    """Why a file that was read gave no line, in the words of its statements' findings if they have any."""
    if not statements:
        return "the file holds no statement line"
    said = [f.message for s in statements for f in s.findings if f.code != "STATEMENT_VARIANT"]
    count = f"{len(statements)} statement{'s' if len(statements) != 1 else ''} without a booked line"
    return "; ".join([count, *said])


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
