"""A file that gives no statement is refused with the reason: the bank's own status, or that there is none."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from rpa.documents.statements import parse_statement
from rpa.errors import DocumentReadError

OFX_HEAD = "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nENCODING:USASCII\nCHARSET:1252\n\n"
SIGNON_OK = (
    "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> DocumentReadError:
    with pytest.raises(DocumentReadError) as info:
        parse_statement(path)
    assert path.name in info.value.message
    return info.value


def test_camt_message_without_a_statement(tmp_path: Path) -> None:
    camt = (
        '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
        "<BkToCstmrStmt><GrpHdr><MsgId>EMPTY-0412</MsgId><CreDtTm>2024-04-12T06:00:00</CreDtTm></GrpHdr>"
        "</BkToCstmrStmt></Document>"
    )
    error = refused(write(tmp_path, "empty.xml", camt))
    assert error.code == "STATEMENT_EMPTY"
    assert "no bank or card statement in this file" in error.message and "<Stmt>" in error.message


def test_ofx_signon_failure_gives_the_banks_status(tmp_path: Path) -> None:
    signon = (
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>15500<SEVERITY>ERROR"
        "<MESSAGE>Invalid user ID or password</STATUS><LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1></OFX>"
    )
    error = refused(write(tmp_path, "signon.ofx", OFX_HEAD + signon))
    assert error.code == "STATEMENT_BANK_ERROR"
    assert "sign-on refused, status 15500 (ERROR): Invalid user ID or password" in error.message


def test_ofx_server_error_on_the_statement_request(tmp_path: Path) -> None:
    failed = (
        f"<OFX>{SIGNON_OK}<BANKMSGSRSV1><STMTTRNRS><TRNUID>1001<STATUS><CODE>2000<SEVERITY>ERROR"
        "<MESSAGE>General error, try later</STATUS></STMTTRNRS></BANKMSGSRSV1></OFX>"
    )
    error = refused(write(tmp_path, "server.ofx", OFX_HEAD + failed))
    assert error.code == "STATEMENT_BANK_ERROR"
    assert "statement request refused, status 2000 (ERROR): General error, try later" in error.message


def test_ofx_with_no_statement_and_no_status(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "nothing.ofx", OFX_HEAD + f"<OFX>{SIGNON_OK}</OFX>"))
    assert (error.code, "no bank or card statement in this file" in error.message) == (
        "STATEMENT_EMPTY",
        True,
    )


INVESTMENT = (
    f"<OFX>{SIGNON_OK}<INVSTMTMSGSRSV1><INVSTMTTRNRS><TRNUID>7<STATUS><CODE>0<SEVERITY>INFO</STATUS>"
    "<INVSTMTRS><DTASOF>20240412<CURDEF>USD<INVACCTFROM><BROKERID>broker.example<ACCTID>INV-5521</INVACCTFROM>"
    "<INVTRANLIST><DTSTART>20240401<DTEND>20240412"
    "<BUYSTOCK><INVBUY><INVTRAN><FITID>T-1<DTTRADE>20240403</INVTRAN><SECID><UNIQUEID>123456789"
    "<UNIQUEIDTYPE>CUSIP</SECID><UNITS>10<UNITPRICE>50<TOTAL>-500<SUBACCTSEC>CASH<SUBACCTFUND>CASH</INVBUY>"
    "<BUYTYPE>BUY</BUYSTOCK>"
    "<INVBANKTRAN><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240405<TRNAMT>1200.00<FITID>C-1<NAME>Client deposit"
    "<MEMO>Invoice 118</STMTTRN><SUBACCTFUND>CASH</INVBANKTRAN>"
    "<INVBANKTRAN><STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240410<TRNAMT>-35.50<FITID>C-2<NAME>Custody fee"
    "</STMTTRN><SUBACCTFUND>CASH</INVBANKTRAN>"
    "</INVTRANLIST></INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1></OFX>"
)


def test_ofx_investment_statement_cash_lines_are_read(tmp_path: Path) -> None:
    [statement] = parse_statement(write(tmp_path, "broker.ofx", OFX_HEAD + INVESTMENT))
    assert (statement.account_iban, statement.currency) == ("INV-5521", "USD")
    assert [(line.line_id, line.amount) for line in statement.lines] == [
        ("C-1", Decimal("1200.00")),
        ("C-2", Decimal("-35.50")),
    ]
    assert statement.lines[0].counterparty_name == "Client deposit"
    [note] = statement.findings
    assert note.code == "STATEMENT_NOT_CASH" and "1 securities transactions (BUYSTOCK)" in note.message


def test_ofx_account_that_failed_beside_one_that_was_sent(tmp_path: Path) -> None:
    good = (
        "<STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>EUR"
        "<BANKACCTFROM><BANKID>1<ACCTID>FR761111<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>"
        "<DTSTART>20240401<DTEND>20240412<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240402<TRNAMT>10.00<FITID>A1"
        "</STMTTRN></BANKTRANLIST><LEDGERBAL><BALAMT>10.00<DTASOF>20240412</LEDGERBAL></STMTRS></STMTTRNRS>"
    )
    bad = (
        "<STMTTRNRS><TRNUID>2<STATUS><CODE>2003<SEVERITY>ERROR<MESSAGE>Account not found</STATUS></STMTTRNRS>"
    )
    text = OFX_HEAD + f"<OFX>{SIGNON_OK}<BANKMSGSRSV1>{good}{bad}</BANKMSGSRSV1></OFX>"
    [statement] = parse_statement(write(tmp_path, "two.ofx", text))
    assert len(statement.lines) == 1
    assert any("status 2003 (ERROR): Account not found" in f.message for f in statement.findings)
