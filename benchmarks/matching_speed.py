"""Speed of the invoice matching engine: N bank lines against N open items on one core.

Prints one JSON object: engine time and lines/second at the requested size, peak memory, and a naive
all-pairs matcher timed on a 2k x 2k sample in the same run (with the engine on the same sample).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bots.invoice_matching.matching import match_lines
from bots.invoice_matching.model import DecisionKind, OpenItem
from bots.invoice_matching.references import rf_from
from rpa.documents.statements.model import BankLine

WORDS = (
    "alpha", "beta", "gamma", "delta", "north", "south", "east", "west", "blue", "green",
    "red", "silver", "golden", "royal", "united", "global", "atlas", "orion", "nova", "terra",
    "vista", "prime", "metro", "urban", "rural", "alpine", "coastal", "river", "forest", "stone",
    "iron", "cedar", "maple", "oak", "pine", "lotus", "falcon", "eagle", "lion", "tiger",
    "wolf", "bear", "hawk", "fox", "swan", "crane", "heron",
)  # fmt: skip
FORMS = ("GmbH", "SARL", "SAS", "Ltd", "BV", "AG", "SA", "")
TODAY = date(2024, 6, 30)


def generate(size: int, seed: int = 7) -> tuple[list[BankLine], list[OpenItem]]:
    """``size`` open items and ``size`` bank lines in a realistic mix of evidence."""
    rng = random.Random(seed)
    customers = max(1, size // 4)
    names = [
        f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {c} {rng.choice(FORMS)}".strip()
        for c in range(customers)
    ]
    ibans = [f"FR76{c:020d}" for c in range(customers)]
    items: list[OpenItem] = []
    by_customer: dict[int, list[OpenItem]] = {}
    for n in range(size):
        c = rng.randrange(customers)
        issue = date(2024, 1, 1) + timedelta(days=rng.randrange(150))
        amount = Decimal(rng.randrange(1000, 500000)) / 100
        number = f"INV-2024-{n:07d}"
        item = OpenItem(
            number,
            f"C{c:06d}",
            names[c],
            ibans[c] if rng.random() < 0.9 else "",
            issue,
            issue + timedelta(days=30),
            amount,
            amount,
            "EUR",
            rf_from(f"{n:07d}"),
        )
        items.append(item)
        by_customer.setdefault(c, []).append(item)
    used: set[str] = set()
    lines: list[BankLine] = []
    order = list(range(size))
    rng.shuffle(order)
    for k, n in enumerate(order):
        if len(lines) >= size:
            break
        item = items[n]
        if item.number in used:
            continue
        used.add(item.number)
        c = int(item.customer_id[1:])
        booked = item.issue_date + timedelta(days=rng.randrange(40))
        line = BankLine(f"BNK{k:09d}", item.open_amount, "EUR", booked, counterparty_name=names[c])
        roll = rng.random()
        if roll < 0.20:  # our own payment id (direct debit) comes back
            line = replace(line, end_to_end_id=item.number)
        elif roll < 0.40:  # structured RF creditor reference
            line = replace(line, creditor_reference=item.reference)
        elif roll < 0.62:  # invoice number typed by the payer, sometimes with O for 0
            typed = item.number.replace("0", "O", 1) if rng.random() < 0.2 else item.number
            line = replace(line, remittance=f"Payment invoice {typed} thanks")
        elif roll < 0.77:  # nothing but the payer's IBAN
            line = replace(line, counterparty_iban=ibans[c], remittance="SEPA transfer")
        elif roll < 0.85:  # several invoices of the customer in one payment
            group = [i for i in by_customer[c] if i.number not in used][:2]
            used.update(i.number for i in group)
            total = item.open_amount + sum((i.open_amount for i in group), Decimal(0))
            line = replace(line, amount=total, counterparty_iban=ibans[c], remittance="grouped payment")
        elif roll < 0.92:  # only the payer's name, written differently
            line = replace(
                line, counterparty_name=names[c].upper().replace(" GMBH", ""), remittance="transfer"
            )
        elif roll < 0.97:  # someone we do not know
            amount = Decimal(rng.randrange(100, 99999)) / 100
            line = replace(line, amount=amount, counterparty_name="Someone Else", remittance="unknown payer")
        else:  # money going out
            line = replace(line, amount=-item.open_amount, remittance="card payment")
        lines.append(line)
    while len(lines) < size:  # grouped payments used up items: top up with lines nobody can place
        lines.append(
            BankLine(
                line_id=f"BNK{size + len(lines):09d}",
                amount=Decimal(rng.randrange(100, 99999)) / 100,
                currency="EUR",
                booking_date=TODAY - timedelta(days=rng.randrange(60)),
                counterparty_name="Unknown Payer",
                remittance="misc",
            )
        )
    return lines, items


def naive(lines: list[BankLine], items: list[OpenItem]) -> int:
    """All pairs: every line compared with every item (payment id, reference, number in text, IBAN and
    amount). It must look at every item, not stop at the first hit, to know no competitor exists."""
    matched = 0
    for line in lines:
        hits = [
            item
            for item in items
            if line.end_to_end_id == item.number
            or (line.creditor_reference and line.creditor_reference == item.reference)
            or item.number in line.remittance
            or (line.counterparty_iban == item.customer_iban and line.amount == item.open_amount)
        ]
        matched += len(hits) == 1
    return matched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="bank lines and open items (each)")
    parser.add_argument("--sample", type=int, default=2_000, help="size of the all-pairs baseline sample")
    args = parser.parse_args()

    started = time.perf_counter()
    lines, items = generate(args.size)
    generation_s = time.perf_counter() - started

    started, cpu_started = time.perf_counter(), time.process_time()
    result = match_lines(lines, items, today=TODAY)
    engine_s, engine_cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    kinds = {k.value: sum(1 for d in result.decisions if d.kind is k) for k in DecisionKind}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    sample_lines, sample_items = generate(args.sample, seed=11)
    started = time.perf_counter()
    naive(sample_lines, sample_items)
    naive_s = time.perf_counter() - started
    started = time.perf_counter()
    match_lines(sample_lines, sample_items, today=TODAY)
    engine_sample_s = time.perf_counter() - started

    print(
        json.dumps(
            {
                "benchmark": "matching_speed",
                "size": {"lines": len(lines), "open_items": len(items)},
                "engine_seconds": round(engine_s, 3),
                "engine_cpu_seconds": round(engine_cpu_s, 3),
                "load_average_1min": round(os.getloadavg()[0], 2),
                "lines_per_second": round(len(lines) / engine_s),
                "peak_rss_mb": round(peak_mb, 1),
                "decisions": kinds,
                "auto_rate": round(kinds["auto"] / len(lines), 4),
                "generation_seconds": round(generation_s, 3),
                "baseline": {
                    "name": "naive all-pairs",
                    "sample": {"lines": len(sample_lines), "open_items": len(sample_items)},
                    "baseline_seconds": round(naive_s, 4),
                    "engine_seconds_on_sample": round(engine_sample_s, 4),
                    "ratio_baseline_over_engine": round(naive_s / engine_sample_s, 1),
                    "baseline_extrapolated_seconds_at_size": round(
                        naive_s * (args.size / args.sample) ** 2, 1
                    ),
                    "ratio_extrapolated_over_engine_at_size": round(
                        naive_s * (args.size / args.sample) ** 2 / engine_s, 1
                    ),
                },
                "targets": {"100k_under_seconds": 5, "1M_under_seconds": 60, "1M_peak_rss_under_mb": 4096},
            }
        )
    )


if __name__ == "__main__":
    main()
