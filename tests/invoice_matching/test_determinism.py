"""Same lines and items in any order: the same decisions, in the same order."""

from __future__ import annotations

import random
from datetime import date, timedelta

from bots.invoice_matching.model import OpenItem
from bots.invoice_matching.references import rf_from
from rpa.documents.statements.model import BankLine

from .builders import item, line, run


def _case() -> tuple[list[BankLine], list[OpenItem]]:
    items: list[OpenItem] = []
    lines: list[BankLine] = []
    for i in range(60):
        customer = f"C{i % 7}"
        items.append(
            item(
                f"INV-{i:04d}",
                f"{50 + i % 9}.00",
                customer=customer,
                name=f"Customer {customer}",
                iban=f"FR76{i % 7:020d}",
                reference=rf_from(f"{i:04d}"),
            )
        )
    for i in range(60):
        kind = i % 4
        fields = (
            {"end_to_end_id": f"INV-{i:04d}"},
            {"creditor_reference": rf_from(f"{i:04d}")},
            {"remittance": f"inv {i:04d}"},
            {"counterparty_iban": f"FR76{i % 7:020d}"},
        )[kind]
        lines.append(
            line(f"L{i:03d}", f"{50 + i % 9}.00", booked=date(2024, 4, 1) + timedelta(days=i % 5), **fields)
        )
    lines.append(line("L999", "12.34", counterparty_name="Stranger"))
    return lines, items


def test_shuffled_input_gives_identical_decisions() -> None:
    lines, items = _case()
    first = run(lines, items).decisions
    rng = random.Random(3)
    for _ in range(3):
        rng.shuffle(lines)
        rng.shuffle(items)
        again = run(lines, items).decisions
        assert [(d.line_id, d.kind, d.reason_code, d.invoices, d.explanation) for d in again] == [
            (d.line_id, d.kind, d.reason_code, d.invoices, d.explanation) for d in first
        ]
    assert any(d.kind.value == "auto" for d in first) and any(d.kind.value != "auto" for d in first)
