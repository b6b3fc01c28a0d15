"""Orchestration of invoice_matching: download statements and open items, decide, post, report.

``collect`` reads the bank portal and the ERP, runs the matching engine and makes one work item per
bank line (its bank reference is the item's unique key, so a statement imported twice adds nothing).
``process`` posts the automatic decisions through the effect ledger and sends the rest to the
exception queue with their suggestions. ``finalize`` writes the reconciliation report.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rpa.bot import Bot, RunContext, RunSummary, UiTarget
from rpa.documents.statements import parse_statement
from rpa.documents.statements.model import BankLine
from rpa.errors import BusinessRuleError
from rpa.findings import Severity
from rpa.items import Item, ItemState, NewItem
from rpa.open_items import OpenItemRow, write_open_items

from .config import InvoiceMatchingConfig
from .matching import match_lines
from .model import Decision, DecisionKind
from .offline import write_decisions_csv
from .open_items import read_open_items
from .pages import BankLogin, BankStatements, ErpInvoices, ErpLogin
from .report import SUMMARY_LABELS, totals, write_report

Ctx = RunContext[InvoiceMatchingConfig, Decision]
MANUAL_STATUS = "Settled manually"
WATERMARK = "bank_statement"  # the last day a downloaded statement covered


def collect(ctx: Ctx) -> list[NewItem[Decision]]:
    # Each lane thread has its own browser session (Playwright's sync API is thread-bound): ctx.page().
    cfg, page, today = ctx.config, ctx.page(), ctx.today()
    start = statement_start(ctx)
    bank = BankStatements(page, ctx.app("bank"))
    statement_file = bank.download(start, today, cfg.statement_format, ctx.workdir, ctx.evidence)
    ctx.record(
        "bank.statement.downloaded",
        "statement",
        statement_file.suggested_name,
        details={"from": start, "to": today, "format": cfg.statement_format, "bytes": statement_file.size},
        evidence=[statement_file.sha256],
    )
    lines: list[BankLine] = [ln for st in parse_statement(statement_file.path) for ln in st.lines]
    # Committed by the kit once the lines are stored as items: the next run starts from here.
    ctx.watermarks.advance(WATERMARK, today.isoformat())

    erp = ErpInvoices(page, ctx.app("erp"))
    export = erp.export_open_items(ctx.workdir, ctx.evidence)
    items, findings = read_open_items(export.path)
    rejected = [f for f in findings if f.severity == Severity.ERROR]
    ctx.record(
        "erp.open_items.exported",
        "export",
        export.suggested_name,
        details={"open_items": len(items), "unreadable_rows": len(rejected)},
        evidence=[export.sha256],
    )
    ctx.record_findings(rejected, action="erp.open_items.row_rejected", target_type="export")
    notes = [f for f in findings if f.severity != Severity.ERROR]  # e.g. the file was not UTF-8
    ctx.record_findings(notes, action="erp.open_items.noted", target_type="export")
    # What the console's invoice search offers a person: numbers, customer ids and amounts, no names.
    write_open_items(
        ctx.report_dir,
        (OpenItemRow(i.number, i.customer_id, i.open_amount, i.due_date, i.currency) for i in items),
    )

    result = match_lines(lines, items, today=today, config=cfg)
    ctx.record_findings(result.problems, action="matching.problem", target_type="invoice")
    # Auto decisions first: they touch the ERP, and a person reviews the rest later anyway.
    rank = {DecisionKind.AUTO: 2, DecisionKind.SUGGESTED: 1, DecisionKind.EXCEPTION: 0}
    return [NewItem(d.line_id, d, priority=rank[d.kind]) for d in result.decisions]


def statement_start(ctx: Ctx) -> date:
    """Where the statement download starts: the watermark (the last day a statement covered) less the
    overlap, or ``lookback_days`` on a first run; never before what the bank portal still offers —
    a gap older than that is an alert, not a silent loss."""
    cfg, today = ctx.config, ctx.today()
    mark = ctx.watermarks.get(WATERMARK)
    covered = date.fromisoformat(mark) if mark else None
    start = (
        covered - timedelta(days=cfg.overlap_days) if covered else today - timedelta(days=cfg.lookback_days)
    )
    earliest = today - timedelta(days=cfg.bank_history_days)
    if start >= earliest:
        return start
    if covered is None:  # a first run asking for more than the portal keeps: what it keeps
        return earliest
    ctx.alert(
        "STATEMENT_GAP",
        f"bank lines booked from {start} to {earliest - timedelta(days=1)} were never collected and the "
        f"bank portal no longer offers them (it offers {cfg.bank_history_days} days; the last statement "
        f"read covered up to {covered}): fetch that statement by hand and reconcile it "
        "(`rpa reconcile`), then resolve this alert",
        details={"from": start.isoformat(), "to": (earliest - timedelta(days=1)).isoformat()},
    )
    return earliest


def process(ctx: Ctx, item: Item[Decision]) -> dict[str, Any]:
    decision = item.payload
    ctx.record(
        "matching.decided",
        "bank_line",
        decision.line_id,
        outcome=decision.kind.value,
        details={
            "reason": decision.reason_code.value,
            "score": decision.score,
            "method": decision.method,
            "explanation": decision.explanation,
            "invoices": decision.invoices,
        },
    )
    if decision.kind != DecisionKind.AUTO:
        # Booked in the ERP already (by a person, or by a run whose database is gone): nothing is left
        # to decide, and nothing is posted.
        booked = ErpInvoices(ctx.page(), ctx.app("erp")).payments_with_reference(decision.line_id)
        if booked:
            payments = [{"invoice": inv, "amount": str(amount)} for inv, amount in booked]
            ctx.record(
                "erp.payment.already_booked", "bank_line", decision.line_id, details={"payments": payments}
            )
            return {"posted": [], "already_booked": payments}
        raise BusinessRuleError(
            decision.explanation, code=decision.reason_code.value, item_key=decision.line_id
        )
    ctx.session().lane("main").trace.restart()  # a failure's trace then shows this item's steps only
    erp = ErpInvoices(ctx.page(), ctx.app("erp"))
    line = decision.line
    posted = []
    planned = {(a.invoice, a.amount) for a in decision.allocations}
    for alloc in decision.allocations:
        key = f"erp:payment:{line.line_id}:{alloc.invoice}"

        def in_erp(invoice: str = alloc.invoice) -> dict[str, Any] | None:
            rows = erp.payments_with_reference(line.line_id)
            amounts = [str(amount) for inv, amount in rows if inv == invoice]
            return {"invoice": invoice, "amounts": amounts} if amounts else None

        def post(invoice: str = alloc.invoice, amount: Decimal = alloc.amount) -> dict[str, Any]:
            # Any payment already carrying this bank reference counts, whatever its invoice: the ERP is
            # the record, not this installation's database (which may be new, restored or another
            # host's). Only payments of today's own decision (an earlier allocation of this line) may
            # be there; anything else means the line was booked before, and a person compares.
            rows = erp.payments_with_reference(line.line_id)
            if (invoice, amount) in rows:
                return {"invoice": invoice, "amounts": [str(amount)], "already_in_erp": True}
            foreign = sorted({(inv, str(amt)) for inv, amt in rows if (inv, amt) not in planned})
            if foreign:
                booked = ", ".join(f"{inv} {amt}" for inv, amt in foreign)
                today = ", ".join(f"{a.invoice} {a.amount}" for a in decision.allocations)
                raise BusinessRuleError(
                    f"bank line {line.line_id} is already booked in the ERP ({booked}), not as today's "
                    f"decision ({today}); nothing more was posted: a person compares the two",
                    code="BANK_REFERENCE_ALREADY_POSTED",
                    item_key=line.line_id,
                )
            open_amount, status = erp.invoice_state(invoice)
            if status == MANUAL_STATUS or open_amount < amount:
                raise BusinessRuleError(
                    f"invoice {invoice} changed since the export (status {status!r}, open {open_amount}); "
                    f"{amount} from bank line {line.line_id} was not posted: a person settles it",
                    code="INVOICE_CHANGED_SINCE_EXPORT",
                    item_key=line.line_id,
                )
            erp.record_payment(invoice, amount, line.booking_date, line.line_id)
            return {"invoice": invoice, "amount": str(amount)}

        outcome = ctx.effects.once(key, post, check=in_erp, item_reference=line.line_id, action="erp.payment")
        if outcome.performed and not outcome.result.get("already_in_erp"):
            ctx.record(
                "erp.payment.posted",
                "invoice",
                alloc.invoice,
                details={"bank_line": line.line_id, "amount": alloc.amount, "date": line.booking_date},
            )
        posted.append(
            {
                "invoice": alloc.invoice,
                "amount": str(alloc.amount),
                "performed": outcome.performed,
                "dry_run": outcome.dry_run,
            }
        )
    return {"posted": posted}


def finalize(ctx: Ctx, summary: RunSummary) -> dict[str, Any]:
    rows = ctx.items.collected()
    decisions = [r.payload for r in rows]
    folder = ctx.report_dir
    folder.mkdir(parents=True, exist_ok=True)
    failed = [
        f"{r.reference}: {r.error_code}"
        for r in rows
        if r.state == ItemState.APPLICATION_EXCEPTION or r.error_code == "INVOICE_CHANGED_SINCE_EXPORT"
    ]
    write_report(folder / "report.xlsx", decisions, today=ctx.today(), problems=failed)
    write_decisions_csv(folder / "decisions.csv", decisions)
    ctx.record(
        "report.written",
        "report",
        str(folder / "report.xlsx"),
        evidence=[ctx.evidence.put_file(folder / "report.xlsx")],
    )
    t = totals(decisions)
    return {
        "report": str(folder / "report.xlsx"),
        "lines": t.lines,
        "auto": t.counts[DecisionKind.AUTO],
        "suggested": t.counts[DecisionKind.SUGGESTED],
        "exception": t.counts[DecisionKind.EXCEPTION],
        "match_rate": round(t.match_rate, 4),
    }


BOT: Bot[InvoiceMatchingConfig, Decision] = Bot(
    id="invoice_matching",
    title="Bank reconciliation",
    config_model=InvoiceMatchingConfig,
    collect=collect,
    process=process,
    finalize=finalize,
    payload_type=Decision,
    lanes=2,
    uses_browser=True,
    ui=(UiTarget("bank", (BankStatements,), BankLogin()), UiTarget("erp", (ErpInvoices,), ErpLogin)),
    description="Downloads statements, reads open items, matches, posts confident matches in the ERP.",
    summary_labels=SUMMARY_LABELS,
)
