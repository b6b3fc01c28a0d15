"""Accuracy of the matching engine on the legacy applications' ground truth, over several seeds.

    python benchmarks/matching_accuracy.py [--seeds 5] [--lines 500]

Prints one JSON object: wrong automatic matches (target <= 0.1 % of automatic decisions), share of the
matchable lines matched automatically (target >= 90 %), precision and recall per pass, per scenario of
the generator (lines, auto / suggested / exception, wrong auto, for the engine and the baseline), and as
a baseline a naive "amount equals open amount" matcher scored on the same data in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bots.invoice_matching.matching import match_lines
from bots.invoice_matching.model import DecisionKind, OpenItem
from bots.invoice_matching.open_items import read_open_items
from legacy_apps.truth import write_ground_truth
from rpa.documents.statements import parse_statement
from rpa.documents.statements.model import BankLine

Pairs = frozenset[tuple[str, Decimal]]


def expected(truth: dict[str, Any]) -> dict[str, Pairs]:
    """Bank reference -> the (invoice, amount) pairs it must settle; empty: must not be auto-matched."""
    out: dict[str, Pairs] = {}
    for ref, line in truth["bank_lines"].items():
        settles = line["settles"] if line["decision"] == "match" else []
        out[ref] = frozenset((s["invoice"], Decimal(s["amount"])) for s in settles)
    return out


def naive(lines: list[BankLine], items: list[OpenItem]) -> dict[str, Pairs]:
    """The obvious script: a credit equal to exactly one open amount is that invoice."""
    by_amount: dict[Decimal, list[OpenItem]] = defaultdict(list)
    for it in items:
        by_amount[it.open_amount].append(it)
    used: set[str] = set()
    out: dict[str, Pairs] = {}
    for line in lines:
        candidates = [it for it in by_amount.get(line.amount, []) if it.number not in used]
        if line.amount > 0 and candidates:
            used.add(candidates[0].number)
            out[line.line_id] = frozenset({(candidates[0].number, line.amount)})
    return out


def score(auto: dict[str, Pairs], truth: dict[str, Pairs]) -> dict[str, Any]:
    matchable = sum(1 for pairs in truth.values() if pairs)
    correct = sum(1 for ref, pairs in auto.items() if truth.get(ref) and truth[ref] == pairs)
    wrong = len(auto) - correct
    return {
        "auto": len(auto),
        "correct": correct,
        "wrong": wrong,
        "matchable": matchable,
        "wrong_rate": wrong / len(auto) if auto else 0.0,
        "auto_recall": correct / matchable if matchable else 0.0,
    }


def per_scenario(
    kinds: dict[str, str],
    decided: dict[str, str],
    engine_auto: dict[str, Pairs],
    naive_auto: dict[str, Pairs],
    truth: dict[str, Pairs],
) -> dict[str, dict[str, int]]:
    """Per generator scenario (the truth's ``kind``): lines, the engine's decisions, its wrong automatic
    matches, and the baseline's."""
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for key, kind in kinds.items():
        row = table[kind]
        row["lines"] += 1
        row["matchable"] += 1 if truth.get(key) else 0
        row[decided.get(key, "missing")] += 1
        if key in engine_auto and engine_auto[key] != truth.get(key):
            row["wrong_auto"] += 1
        if key in naive_auto and naive_auto[key] != truth.get(key):
            row["baseline_wrong_auto"] += 1
    columns = ("lines", "matchable", "auto", "suggested", "exception", "wrong_auto", "baseline_wrong_auto")
    return {kind: {c: table[kind][c] for c in columns} for kind in sorted(table)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--lines", type=int, default=500)
    args = parser.parse_args()
    per_pass: dict[str, Counter[str]] = defaultdict(Counter)
    engine_auto: dict[str, Pairs] = {}
    naive_auto: dict[str, Pairs] = {}
    truth_all: dict[str, Pairs] = {}
    kinds: dict[str, str] = {}
    decided: dict[str, str] = {}
    per_seed = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(1, args.seeds + 1):
            folder = Path(tmp) / str(seed)
            truth_doc = json.loads(write_ground_truth(seed, folder, lines=args.lines).read_text())
            truth = {f"{seed}:{k}": v for k, v in expected(truth_doc).items()}
            kinds.update({f"{seed}:{k}": v["kind"] for k, v in truth_doc["bank_lines"].items()})
            lines = [ln for st in parse_statement(folder / "camt053.xml") for ln in st.lines]
            items, errors = read_open_items(folder / "open_items.csv")
            assert not errors, errors
            result = match_lines(lines, items, today=date.fromisoformat(truth_doc["today"]))
            auto = {}
            for d in result.decisions:
                key = f"{seed}:{d.line_id}"
                decided[key] = d.kind.value
                if d.kind == DecisionKind.AUTO:
                    pairs = frozenset((a.invoice, a.amount) for a in d.allocations)
                    auto[key] = pairs
                    per_pass[d.method]["auto"] += 1
                    per_pass[d.method]["correct" if truth.get(key) == pairs and pairs else "wrong"] += 1
            for ref, pairs in naive(lines, items).items():
                naive_auto[f"{seed}:{ref}"] = pairs
            per_seed.append({"seed": seed, **score(auto, truth)})
            engine_auto.update(auto)
            truth_all.update(truth)
    matchable = sum(1 for p in truth_all.values() if p)
    passes = {
        name: {
            "auto": c["auto"],
            "wrong": c["wrong"],
            "precision": round(c["correct"] / c["auto"], 5),
            "recall_share": round(c["correct"] / matchable, 5),
        }
        for name, c in sorted(per_pass.items())
    }
    engine = score(engine_auto, truth_all)
    baseline = score(naive_auto, truth_all)
    print(
        json.dumps(
            {
                "benchmark": "matching_accuracy",
                "seeds": args.seeds,
                "lines_per_seed": args.lines,
                "engine": engine,
                "per_pass": passes,
                "per_scenario": per_scenario(kinds, decided, engine_auto, naive_auto, truth_all),
                "per_seed": per_seed,
                "baseline_naive_amount_match": baseline,
                "targets": {"wrong_rate_max": 0.001, "auto_recall_min": 0.90},
                "targets_met": engine["wrong_rate"] <= 0.001 and engine["auto_recall"] >= 0.90,
                "seconds": round(time.perf_counter() - started, 2),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
