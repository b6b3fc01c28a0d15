"""The seeded world and its files: reproducible, valid identifiers, all kinds of noise, readable formats."""

from __future__ import annotations

import csv
import io
import json
import time
from decimal import Decimal
from pathlib import Path

import mt940
import pytest
from defusedxml import ElementTree as SafeET

from legacy_apps.statements import FORMATS, statement_view
from legacy_apps.truth import write_ground_truth
from legacy_apps.world import build_world
from legacy_apps.world.generate import KIND_WEIGHTS

CAMT = "{urn:iso:std:iso:20022:tech:xsd:camt.053.001.08}"
FILES = ("ground_truth.json", "camt053.xml", "mt940.sta", "statement.ofx", "statement.csv", "open_items.csv")


def mod97(text: str) -> int:
    return int("".join(str(int(c, 36)) for c in text)) % 97


def luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


@pytest.fixture(scope="module")
def truth_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    dirs = {name: tmp_path_factory.mktemp(name) for name in ("a", "b", "other")}
    write_ground_truth(42, dirs["a"])
    write_ground_truth(42, dirs["b"])
    write_ground_truth(43, dirs["other"])
    return dirs


def test_same_seed_gives_byte_identical_files_and_another_seed_differs(truth_dirs: dict[str, Path]) -> None:
    for name in FILES:
        assert (truth_dirs["a"] / name).read_bytes() == (truth_dirs["b"] / name).read_bytes(), name
        assert (truth_dirs["a"] / name).read_bytes() != (truth_dirs["other"] / name).read_bytes(), name


def test_truth_gives_a_decision_for_every_line_and_includes_the_document_portal(
    truth_dirs: dict[str, Path],
) -> None:
    truth = json.loads((truth_dirs["a"] / "ground_truth.json").read_text(encoding="utf-8"))
    assert len(truth["bank_lines"]) == 200
    decisions = {line["decision"] for line in truth["bank_lines"].values()}
    assert decisions == {"match", "no_auto_match"}
    invoices = {i["number"]: i for i in truth["invoices"]}
    for ref, line in truth["bank_lines"].items():
        if line["decision"] == "match":
            assert line["settles"], ref
            settled = sum(Decimal(s["amount"]) for s in line["settles"])
            assert settled == Decimal(line["amount"]), ref  # the whole credit goes to the invoices
            assert all(not invoices[s["invoice"]]["settled_manually"] for s in line["settles"])
        else:
            assert line["settles"] == [] and line["reason"], ref
    assert truth.get("docportal")
    header = (truth_dirs["a"] / "open_items.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == [
        "number", "customer_id", "customer_name", "customer_iban", "issue_date", "due_date", "amount",
        "open_amount", "currency", "reference",
    ]  # fmt: skip


def test_identifiers_carry_valid_check_digits() -> None:
    world = build_world(42)
    for customer in world.customers:
        assert len(customer.siren) == 9 and luhn(customer.siren)
        assert (
            customer.siret.startswith(customer.siren) and len(customer.siret) == 14 and luhn(customer.siret)
        )
        iban = customer.iban
        assert iban.startswith("FR") and len(iban) == 27 and mod97(iban[4:] + iban[:4]) == 1
    references = [i.reference for i in world.invoices if i.reference]
    assert references
    assert all(mod97(r[4:] + r[:4]) == 1 for r in references)


def test_a_large_world_has_every_kind_of_noise_and_is_quick_to_build() -> None:
    started = time.perf_counter()
    world = build_world(7, 600)
    view = statement_view(world)
    for writer, _name, _media in FORMATS.values():
        writer(view)
    assert time.perf_counter() - started < 5
    assert len(world.lines) == 600
    assert {kind for kind, _ in KIND_WEIGHTS} <= {line.kind for line in world.lines}
    assert any(line.reversal for line in world.lines)
    assert any(i.settled_manually for i in world.invoices)


def test_statement_files_parse_and_carry_every_bank_reference(truth_dirs: dict[str, Path]) -> None:
    folder = truth_dirs["a"]
    refs = set(json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))["bank_lines"])

    root = SafeET.fromstring((folder / "camt053.xml").read_bytes())
    entries = root.findall(f".//{CAMT}Ntry")
    assert {e.findtext(f"{CAMT}AcctSvcrRef") for e in entries} == refs
    assert any(e.findtext(f"{CAMT}RvslInd") == "true" for e in entries)
    assert root.findall(f".//{CAMT}CdtrRefInf/{CAMT}Ref")

    transactions = mt940.models.Transactions()
    transactions.parse((folder / "mt940.sta").read_text(encoding="ascii"))
    assert len(transactions) == len(refs)
    assert {t.data["bank_reference"] for t in transactions} == refs

    ofx = (folder / "statement.ofx").read_text(encoding="ascii")
    assert ofx.startswith("OFXHEADER:100")
    assert {line[len("<FITID>") :] for line in ofx.splitlines() if line.startswith("<FITID>")} == refs

    rows = list(
        csv.DictReader(io.StringIO((folder / "statement.csv").read_text(encoding="utf-8")), delimiter=";")
    )
    assert {r["Référence banque"] for r in rows} == refs
    credit = sum(Decimal(r["Crédit"].replace(",", ".")) for r in rows if r["Crédit"])
    debit = sum(Decimal(r["Débit"].replace(",", ".")) for r in rows if r["Débit"])
    opening = Decimal(root.findall(f".//{CAMT}Bal/{CAMT}Amt")[0].text or "0")
    closing = Decimal(root.findall(f".//{CAMT}Bal/{CAMT}Amt")[1].text or "0")
    assert opening + credit - debit == closing
