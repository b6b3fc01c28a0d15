"""Duplicate detection: importing the same statement or the same line twice never yields a second line."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from rpa.documents.statements import Fingerprints, parse_statement, split_duplicates
from rpa.documents.statements.duplicates import find_duplicates

GOLDEN = Path(__file__).resolve().parent / "golden"

HEADER = "date,amount,counterparty,description,reference,account\n"
ACCOUNT = "FR7630006000011234567890189"


def csv_file(tmp_path: Path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{row},{ACCOUNT}\n" for row in rows), encoding="utf-8")
    return path


def test_same_statement_imported_twice_gives_nothing_new(statements_corpus: Path) -> None:
    path = statements_corpus / "mt940" / "betterplace_sepa_mt9401.sta"
    first_import = parse_statement(path)
    fresh, duplicates = split_duplicates(Fingerprints(), first_import)
    assert len(fresh) == sum(len(s.lines) for s in first_import) and duplicates == []
    known = Fingerprints().with_statements(first_import)
    fresh, duplicates = split_duplicates(known, parse_statement(path))
    assert fresh == []
    assert len(duplicates) == sum(len(s.lines) for s in first_import)
    assert "already imported" in duplicates[0].reason and "statement" in duplicates[0].reason


def test_same_file_twice_in_one_batch_counts_once() -> None:
    statements = parse_statement(GOLDEN / "releve_cfonb120.txt") * 2
    fresh, duplicates = split_duplicates(Fingerprints(), statements)
    assert len(fresh) == 3 and len(duplicates) == 3


def test_overlapping_exports_only_bring_the_new_lines(tmp_path: Path) -> None:
    monday = csv_file(
        tmp_path,
        "mon.csv",
        [
            "2024-03-04,100.00,ACME,INV-1,BNK-1",
            "2024-03-04,-4.50,Cafe,coffee,",
        ],
    )
    week = csv_file(
        tmp_path,
        "week.csv",
        [
            "2024-03-04,100.00,ACME,INV-1,BNK-1",  # same bank reference: already there
            "2024-03-04,-4.50,Cafe,coffee,",  # no reference, same fingerprint: already there
            "2024-03-04,-4.50,Cafe,coffee,",  # a second identical coffee that day is a new line
            "2024-03-05,250.00,Beta,INV-2,BNK-2",
        ],
    )
    known = Fingerprints().with_statements(parse_statement(monday))
    fresh, duplicates = split_duplicates(known, parse_statement(week))
    assert [(line.amount, line.remittance) for line in fresh] == [
        (Decimal("-4.50"), "coffee"),
        (Decimal("250.00"), "INV-2"),
    ]
    assert len(duplicates) == 2 and all("already imported" in d.reason for d in duplicates)


def test_a_reused_reference_with_another_amount_is_not_a_duplicate(tmp_path: Path) -> None:
    day1 = csv_file(tmp_path, "d1.csv", ["2024-03-04,100.00,ACME,INV-1,BNK-1"])
    day2 = csv_file(tmp_path, "d2.csv", ["2024-03-05,75.00,Beta,INV-9,BNK-1"])
    fresh, duplicates = split_duplicates(
        Fingerprints().with_statements(parse_statement(day1)), parse_statement(day2)
    )
    assert len(fresh) == 1 and duplicates == []


def test_corrected_reissue_of_a_statement_brings_only_the_changed_line() -> None:
    [original] = parse_statement(GOLDEN / "releve_cfonb120.txt")
    known = Fingerprints().with_statements([original])
    changed = replace(original.lines[2], amount=Decimal("-54.67"))
    reissue = replace(original, lines=(*original.lines[:2], changed))
    fresh, duplicates = split_duplicates(known, [reissue])
    assert fresh == [changed]
    assert len(duplicates) == 2


def test_fingerprints_keep_no_names_or_remittance() -> None:
    known = Fingerprints().with_statements(parse_statement(GOLDEN / "releve_fr_banque.csv"))
    stored = " ".join(known.statements | known.lines)
    assert "CAFÉ" not in stored and "EDF" not in stored and "ACME" not in stored


MULTI_HEADER = "date,amount,counterparty,description,reference,account\n"
OTHER_ACCOUNT = "DE89370400440532013000"


def multi_account_file(tmp_path: Path, name: str) -> Path:
    """One export of two of our accounts: a transfer between them (one bank reference, both sides) and
    two identical tickets bought the same day."""
    path = tmp_path / name
    path.write_text(
        MULTI_HEADER
        + f"2024-03-04,-500.00,Own account,transfer,BNK-7,{ACCOUNT}\n"
        + f"2024-03-04,500.00,Own account,transfer,BNK-7,{OTHER_ACCOUNT}\n"
        + f"2024-03-04,12.00,Jane Doe,ticket,,{ACCOUNT}\n"
        + f"2024-03-04,12.00,Jane Doe,ticket,,{ACCOUNT}\n",
        encoding="utf-8",
    )
    return path


def test_lines_of_one_statement_are_never_duplicates_of_each_other(tmp_path: Path) -> None:
    statements = parse_statement(multi_account_file(tmp_path, "export.csv"))
    lines = [line for s in statements for line in s.lines]
    fresh, duplicates = split_duplicates(Fingerprints(), statements)
    assert len(fresh) == 4 and duplicates == []
    assert find_duplicates(lines) == {}


def test_both_sides_of_a_transfer_between_our_accounts_are_kept(tmp_path: Path) -> None:
    statements = parse_statement(multi_account_file(tmp_path, "export.csv"))
    transfer = [line for s in statements for line in s.lines if line.bank_reference == "BNK-7"]
    assert sorted(line.amount for line in transfer) == [Decimal("-500.00"), Decimal("500.00")]
    assert find_duplicates(transfer) == {}


def test_the_same_export_in_another_file_repeats_every_line(tmp_path: Path) -> None:
    first = parse_statement(multi_account_file(tmp_path, "monday.csv"))
    again = parse_statement(multi_account_file(tmp_path, "monday-copy.csv"))
    lines = [line for s in (*first, *again) for line in s.lines]
    found = find_duplicates(lines)
    assert sorted(found) == [4, 5, 6, 7]
    assert all(first_pos < 4 for first_pos, _ in found.values())
    fresh, duplicates = split_duplicates(Fingerprints().with_statements(first), again)
    assert fresh == [] and len(duplicates) == 4


def test_one_file_given_twice_counts_once(tmp_path: Path) -> None:
    path = multi_account_file(tmp_path, "export.csv")
    lines = [line for s in parse_statement(path) * 2 for line in s.lines]
    found = find_duplicates(lines)
    assert sorted(found) == [4, 5, 6, 7]
    assert all("read twice" in why for _, why in found.values())
