"""Ground truth of a seed: the right decision for every bank line, plus the files a bot would be given.

``ground_truth.json`` is byte-identical for the same seed and size (sorted keys, no timestamps).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from legacy_apps.statements import FORMATS, statement_view
from legacy_apps.world import DEFAULT_LINES, DEFAULT_TODAY, World, build_world
from legacy_apps.world.model import MATCH

OPEN_ITEMS_HEADER = (
    "number", "customer_id", "customer_name", "customer_iban", "issue_date", "due_date", "amount",
    "open_amount", "currency", "reference",
)  # fmt: skip


def _json_default(value: object) -> str:
    if isinstance(value, Decimal | date):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} into ground truth")


def open_items(world: World) -> list[dict[str, str]]:
    """Invoices open in the ERP before any bank line is posted (closed-by-hand ones are not open)."""
    names = {c.customer_id: c for c in world.customers}
    return [
        {
            "number": inv.number,
            "customer_id": inv.customer_id,
            "customer_name": names[inv.customer_id].name,
            "customer_iban": names[inv.customer_id].iban,
            "issue_date": inv.issue_date.isoformat(),
            "due_date": inv.due_date.isoformat(),
            "amount": f"{inv.amount:.2f}",
            "open_amount": f"{inv.amount:.2f}",
            "currency": inv.currency,
            "reference": inv.reference,
        }
        for inv in world.invoices
        if not inv.settled_manually
    ]


def truth_document(world: World) -> dict[str, Any]:
    """Everything a score needs to know about the seed, as plain JSON values."""
    expected_open = {inv.number: inv.amount for inv in world.invoices if not inv.settled_manually}
    bank_lines: dict[str, Any] = {}
    for line in world.lines:
        for part in line.settles:
            expected_open[part.invoice] -= part.amount
        bank_lines[line.bank_ref] = {
            "amount": f"{line.amount:.2f}",
            "booking_date": line.booking_date.isoformat(),
            "decision": line.decision,
            "kind": line.kind,
            "reason": line.reason,
            "related": list(line.related),
            "settles": [{"invoice": s.invoice, "amount": f"{s.amount:.2f}"} for s in line.settles],
        }
    return {
        "seed": world.seed,
        "today": world.today.isoformat(),
        "period": {"start": world.period_start.isoformat(), "end": world.period_end.isoformat()},
        "account": {"iban": world.account.iban, "bic": world.account.bic, "holder": world.account.holder},
        "bank_lines": bank_lines,
        "summary": {
            "lines": len(world.lines),
            "by_decision": dict(Counter(line.decision for line in world.lines)),
            "by_kind": dict(Counter(line.kind for line in world.lines)),
            "to_match": sum(1 for line in world.lines if line.decision == MATCH),
        },
        "customers": [
            {
                "customer_id": c.customer_id,
                "name": c.name,
                "siren": c.siren,
                "siret": c.siret,
                "iban": c.iban,
                "city": c.city,
                "email": c.email,
            }
            for c in world.customers
        ],
        "invoices": [
            {
                "number": i.number,
                "customer_id": i.customer_id,
                "issue_date": i.issue_date.isoformat(),
                "due_date": i.due_date.isoformat(),
                "amount": f"{i.amount:.2f}",
                "reference": i.reference,
                "settled_manually": i.settled_manually,
            }
            for i in world.invoices
        ],
        "open_items": [row["number"] for row in open_items(world)],
        "expected_open_amounts": {number: f"{amount:.2f}" for number, amount in expected_open.items()},
    }


def docportal_truth(seed: int, reference_day: date = DEFAULT_TODAY) -> Any:
    """The document portal's own truth on ``reference_day``, when that application is installed alongside."""
    try:
        from legacy_apps import docportal
    except ImportError:
        return None
    provider = getattr(docportal, "ground_truth", None)
    return provider(seed, reference_day=reference_day) if callable(provider) else None


def write_open_items(world: World, path: Path) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=OPEN_ITEMS_HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(open_items(world))
    path.write_text(out.getvalue(), encoding="utf-8")


def write_ground_truth(
    seed: int,
    out: Path,
    *,
    lines: int = DEFAULT_LINES,
    today: date = DEFAULT_TODAY,
    include_docportal: bool = True,
    reminders_as_of: date | None = None,
) -> Path:
    """Write ground_truth.json, the seed's statements (camt053.xml, mt940.sta, statement.ofx, statement.csv),
    open_items.csv and reminders.json (the reminders due on ``reminders_as_of``, default the world's today)
    into ``out``; return the path of ground_truth.json."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(seed, lines, today)
    document = truth_document(world)
    if include_docportal:
        docs = docportal_truth(seed, today)
        if docs is not None:
            document["docportal"] = docs
    view = statement_view(world)
    for writer, file_name, _media in FORMATS.values():
        (out / file_name).write_bytes(writer(view))
    write_open_items(world, out / "open_items.csv")
    write_reminders_truth(seed, out / "reminders.json", lines=lines, today=today, as_of=reminders_as_of)
    target = out / "ground_truth.json"
    text = json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False, default=_json_default)
    target.write_text(text + "\n", encoding="utf-8")
    return target


def write_reminders_truth(
    seed: int,
    path: Path,
    *,
    lines: int = DEFAULT_LINES,
    today: date = DEFAULT_TODAY,
    as_of: date | None = None,
) -> Path:
    """reminders.json: per invoice of the seeded ERP, the reminder due on ``as_of`` or why none may go."""
    from legacy_apps.erp.reminder_truth import reminders_truth

    document = reminders_truth(seed, as_of, lines=lines, today=today)
    text = json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False, default=_json_default)
    path.write_text(text + "\n", encoding="utf-8")
    return path
