"""Opening balance + lines = closing balance, checked on every statement; a gap is a finding with its size."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from rpa.documents.statements import detect_format, parse_statement
from rpa.documents.statements.balances import balance_difference
from rpa.errors import DocumentReadError
from rpa.findings import Severity

MT940 = ":20:BAL-1\n:25:NL91ABNA0417164300\n:60F:C240412EUR500,00\n{lines}:62F:C240412EUR{closing}\n-\n"


def unbalanced(statement: object) -> list[str]:
    return [f.message for f in getattr(statement, "findings", ()) if f.code == "STATEMENT_UNBALANCED"]


def test_a_statement_that_balances_has_no_finding(tmp_path: Path) -> None:
    path = tmp_path / "ok.sta"
    path.write_text(MT940.format(lines=":61:240412D120,25NTRFNONREF\n", closing="379,75"))
    [statement] = parse_statement(path)
    assert balance_difference(statement) == 0 and unbalanced(statement) == []


def test_a_statement_that_does_not_balance_is_reported_with_the_difference(tmp_path: Path) -> None:
    path = tmp_path / "gap.sta"
    path.write_text(MT940.format(lines=":61:240412D120,25NTRFNONREF\n", closing="389,75"))
    [statement] = parse_statement(path)  # read, not refused: the line is still there to reconcile
    assert len(statement.lines) == 1
    [finding] = [f for f in statement.findings if f.code == "STATEMENT_UNBALANCED"]
    assert finding.severity is Severity.WARNING
    assert "difference 10.00 EUR" in finding.message and "closing balance is 389.75 EUR" in finding.message
    assert finding.source == "gap.sta, line 1"


def test_camt_balances_in_two_currencies_are_said_not_compared(tmp_path: Path) -> None:
    def bal(code: str, ccy: str, amount: str) -> str:
        return (
            f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy='{ccy}'>{amount}</Amt>"
            "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-04-12</Dt></Dt></Bal>"
        )

    camt = (
        "<?xml version='1.0'?><Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'>"
        "<BkToCstmrStmt>"
        "<GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt><Id>S</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>"
        f"{bal('OPBD', 'EUR', '10.00')}{bal('CLBD', 'SEK', '99.00')}</Stmt></BkToCstmrStmt></Document>"
    )
    path = tmp_path / "two.xml"
    path.write_text(camt)
    [statement] = parse_statement(path)
    assert [f.code for f in statement.findings] == ["STATEMENT_BALANCE_CURRENCY"]


def test_every_corpus_statement_is_read_and_its_balances_checked(statements_corpus: Path) -> None:
    """The whole reader over every statement file of the corpus; the balance gaps found are listed."""
    files = sorted(p for p in statements_corpus.rglob("*") if p.is_file() and not p.name.endswith(".json"))
    assert len(files) >= 20
    checked, gaps, refused = 0, {}, {}
    for path in files:
        assert detect_format(path.read_bytes()) != "unknown", path.name
        try:
            statements = parse_statement(path)
        except DocumentReadError as exc:
            refused[path.name] = exc.code
            continue
        for statement in statements:
            difference = balance_difference(statement)
            if difference is None:
                assert unbalanced(statement) == []
                continue
            checked += 1
            messages = unbalanced(statement)
            if difference == 0:
                assert messages == [], (path.name, statement.statement_id)
            else:
                assert len(messages) == 1 and f"difference {difference}" in messages[0]
                gaps[(path.name, statement.statement_id)] = difference
    # The one file with nothing in it says so; every other file is read.
    assert refused == {"bank_small.ofx": "STATEMENT_EMPTY"}
    assert checked >= 40
    # Statements whose figures do not add up (several are parser test fixtures with invented balances):
    # each is read and reported with its difference, never refused.
    assert gaps == {
        ("jejik_abnamro.sta", "ABN AMRO BANK NV/19321/1"): Decimal("-2038.00"),
        ("jejik_abnamro.sta", "ABN AMRO BANK NV/19322/1"): Decimal("-1002.60"),
        ("jejik_ing.sta", "MPBZ/000"): Decimal("49.06"),
        ("jejik_triodos.sta", "1308728725026/1/1"): Decimal("111.40"),
        ("self-provided_details_60-63.sta", "STARTUMS/0"): Decimal("234.01"),
    }
