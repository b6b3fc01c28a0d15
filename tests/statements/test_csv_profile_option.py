"""CSV profiles named by the analyst (`rpa reconcile --csv-profile`, or declared in configuration), and
`rpa reconcile` failing loudly when a file gives nothing: the real command in a subprocess."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from rpa.documents.statements import PROFILES, parse_statement
from tests.conftest import run_cli

OPEN_ITEMS = (
    "number,customer_id,customer_name,customer_iban,issue_date,due_date,amount,open_amount,currency,reference\n"
    "INV-118,C-7,Hartmann GmbH,,2024-03-20,2024-04-19,250.00,250.00,EUR,\n"
)
# A treasury export with its own layout: pipes, decimal comma, day-first dates, English headers.
DECLARED = """
[[csv_profiles]]
name = "nordbank_pipe"
description = "Nordbank treasury export"
delimiter = "|"
decimal_separator = ","
date_format = "%d/%m/%Y"
[csv_profiles.columns]
booking_date = "Posted"
amount = "Amount"
counterparty_name = "Payer"
remittance = ["Text"]
bank_reference = "Ref"
"""
PIPE_CSV = "Posted|Amount|Payer|Text|Ref\n15/04/2024|250,00|Hartmann GmbH|INV-118|NB-1\n"


def test_a_bank_writing_two_and_four_digit_years(tmp_path: Path) -> None:
    path = tmp_path / "umsaetze.csv"
    rows = [
        "Auftragskonto;Buchungstag;Valutadatum;Verwendungszweck;Beguenstigter/Zahlungspflichtiger;Betrag;Waehrung",
        "DE44500105175407324931;12.04.24;12.04.24;RE 118;Hartmann GmbH;250,00;EUR",
        "DE44500105175407324931;15.04.2024;15.04.2024;RE 119;Weber KG;-1.020,50;EUR",
    ]
    path.write_bytes("\n".join(rows).encode("cp1252"))
    [statement] = parse_statement(path, csv_profile="de_csv_camt")
    assert [(line.booking_date, line.amount) for line in statement.lines] == [
        (date(2024, 4, 12), Decimal("250.00")),
        (date(2024, 4, 15), Decimal("-1020.50")),
    ]
    assert PROFILES["de_csv_camt"].date_formats == ("%d.%m.%y", "%d.%m.%Y")


def test_four_digit_year_format_first_does_not_read_24_as_year_24(tmp_path: Path) -> None:
    profile = PROFILES["de_csv_camt"].model_copy(
        update={"name": "four_first", "date_format": "%d.%m.%Y", "other_date_formats": ("%d.%m.%y",)}
    )
    path = tmp_path / "umsaetze.csv"
    path.write_bytes(b"Buchungstag;Betrag\n12.04.24;250,00\n12.04.2024;1,00\n")
    [statement] = parse_statement(path, csv_profile=profile)
    assert [line.booking_date for line in statement.lines] == [date(2024, 4, 12)] * 2


@pytest.fixture
def workspace(rpa_home: Path, tmp_path: Path) -> Path:
    (tmp_path / "open_items.csv").write_text(OPEN_ITEMS, encoding="utf-8")
    (tmp_path / "nordbank.csv").write_text(PIPE_CSV, encoding="utf-8")
    return tmp_path


def reconcile(home: Path, folder: Path, *args: str) -> tuple[int, str]:
    done = run_cli(
        home, "reconcile", *args, "--open-items", str(folder / "open_items.csv"), "--out", str(folder / "out")
    )
    return done.returncode, done.stdout + done.stderr


def test_profile_declared_in_configuration_is_chosen_by_name(rpa_home: Path, workspace: Path) -> None:
    (rpa_home / "config" / "bots" / "invoice_matching.toml").write_text(DECLARED, encoding="utf-8")
    code, output = reconcile(
        rpa_home, workspace, "--csv-profile", "nordbank_pipe", str(workspace / "nordbank.csv")
    )
    assert code == 0, output
    decisions = (workspace / "out" / "decisions.csv").read_text(encoding="utf-8")
    assert "NB-1" in decisions and "INV-118" in decisions


def test_unknown_profile_lists_only_what_the_command_offers(rpa_home: Path, workspace: Path) -> None:
    (rpa_home / "config" / "bots" / "invoice_matching.toml").write_text(DECLARED, encoding="utf-8")
    code, output = reconcile(
        rpa_home, workspace, "--csv-profile", "nordbank", str(workspace / "nordbank.csv")
    )
    assert code == 2
    assert "--csv-profile 'nordbank' is not a CSV profile" in output
    assert "de_csv_camt, fr_banque, generic, nordbank_pipe" in output
    assert not (workspace / "out").exists()


def test_csv_that_does_not_fit_the_profile_names_the_option(rpa_home: Path, workspace: Path) -> None:
    # Without the declared profile, the pipe file is read as 'generic' and does not fit it.
    code, output = reconcile(rpa_home, workspace, str(workspace / "nordbank.csv"))
    assert code == 2  # the only statement could not be read: nothing reconciled
    assert "read as CSV profile 'generic'" in output
    assert "--csv-profile NAME (de_csv_camt, fr_banque, generic)" in output


def test_reconcile_exits_1_when_a_file_gives_nothing(rpa_home: Path, workspace: Path) -> None:
    (rpa_home / "config" / "bots" / "invoice_matching.toml").write_text(DECLARED, encoding="utf-8")
    empty = workspace / "empty.xml"
    empty.write_text(
        '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        "<BkToCstmrStmt><GrpHdr><MsgId>M</MsgId></GrpHdr></BkToCstmrStmt></Document>",
        encoding="utf-8",
    )
    no_lines = workspace / "quiet.sta"
    no_lines.write_text(":20:Q\n:25:NL91ABNA0417164300\n:60F:C240412EUR10,00\n:62F:C240412EUR10,00\n-\n")
    code, output = reconcile(
        rpa_home,
        workspace,
        "--csv-profile",
        "nordbank_pipe",
        str(empty),
        str(no_lines),
        str(workspace / "nordbank.csv"),
    )
    assert code == 1, output
    assert "no bank or card statement in this file" in output
    assert "quiet.sta: no bank line read — 1 statement without a booked line" in output
    assert "NB-1" in (workspace / "out" / "decisions.csv").read_text(
        encoding="utf-8"
    )  # the good file still counts


def test_unbalanced_statement_is_printed_as_a_problem(rpa_home: Path, workspace: Path) -> None:
    gap = workspace / "gap.sta"
    gap.write_text(
        ":20:G\n:25:NL91ABNA0417164300\n:60F:C240412EUR10,00\n:61:240415C250,00NTRFNONREF//NB-9\n"
        ":86:INV-118 Hartmann GmbH\n:62F:C240415EUR270,00\n-\n"
    )
    code, output = reconcile(rpa_home, workspace, str(gap))
    assert code == 0, output
    assert "does not balance" in output and "difference 10.00 EUR" in output
