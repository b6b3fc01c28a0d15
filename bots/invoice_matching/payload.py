"""Decisions to and from the JSON payload of a work item (Decimals and dates as text, nothing lost)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from rpa.documents.statements.model import BankLine

from .model import Allocation, Alternative, Decision, DecisionKind, Difference, DifferenceKind, Reason

_LINE_TEXT = (
    "line_id",
    "currency",
    "counterparty_name",
    "counterparty_iban",
    "remittance",
    "creditor_reference",
    "end_to_end_id",
    "bank_reference",
    "account_iban",
    "statement_id",
    "source",
)


def to_payload(d: Decision) -> dict[str, Any]:
    line = d.line
    return {
        "kind": d.kind.value,
        "reason_code": d.reason_code.value,
        "score": round(d.score, 4),
        "explanation": d.explanation,
        "method": d.method,
        "allocations": [{"invoice": a.invoice, "amount": str(a.amount)} for a in d.allocations],
        "differences": [
            {"kind": x.kind.value, "invoice": x.invoice, "amount": str(x.amount)} for x in d.differences
        ],
        "alternatives": [
            {
                "invoices": list(a.invoices),
                "amount": str(a.amount),
                "score": round(a.score, 4),
                "note": a.note,
            }
            for a in d.alternatives
        ],
        "line": {
            **{k: getattr(line, k) for k in _LINE_TEXT},
            "amount": str(line.amount),
            "booking_date": line.booking_date.isoformat(),
            "value_date": line.value_date.isoformat() if line.value_date else None,
            "reversal": line.reversal,
        },
    }


def from_payload(p: dict[str, Any]) -> Decision:
    raw = p["line"]
    line = BankLine(
        **{k: raw[k] for k in _LINE_TEXT},
        amount=Decimal(raw["amount"]),
        booking_date=date.fromisoformat(raw["booking_date"]),
        value_date=date.fromisoformat(raw["value_date"]) if raw.get("value_date") else None,
        reversal=bool(raw["reversal"]),
    )
    return Decision(
        line=line,
        kind=DecisionKind(p["kind"]),
        reason_code=Reason(p["reason_code"]),
        score=float(p["score"]),
        explanation=p["explanation"],
        method=p["method"],
        allocations=tuple(Allocation(a["invoice"], Decimal(a["amount"])) for a in p["allocations"]),
        differences=tuple(
            Difference(DifferenceKind(x["kind"]), x["invoice"], Decimal(x["amount"]))
            for x in p["differences"]
        ),
        alternatives=tuple(
            Alternative(tuple(a["invoices"]), Decimal(a["amount"]), float(a["score"]), a["note"])
            for a in p["alternatives"]
        ),
    )
