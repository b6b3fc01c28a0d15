"""camt batch bookings, reversals and pending entries, on a hand-written camt.053.001.08 statement."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from rpa.documents.statements import parse_statement

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def tx(ref: str, amount: str, name: str, iban: str, e2e: str, text: str) -> str:
    return f"""
      <TxDtls>
        <Refs><AcctSvcrRef>{ref}</AcctSvcrRef><EndToEndId>{e2e}</EndToEndId></Refs>
        <Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <RltdPties><Dbtr><Pty><Nm>{name}</Nm></Pty></Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct></RltdPties>
        <RmtInf><Ustrd>{text}</Ustrd></RmtInf>
      </TxDtls>"""


def statement(entries: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}"><BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr>
<Stmt><Id>S-2024-03-04</Id><CreDtTm>2024-03-04T18:00:00+01:00</CreDtTm>
<Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id><Ccy>EUR</Ccy></Acct>
{entries}
</Stmt></BkToCstmrStmt></Document>"""


def entry(
    amount: str, indicator: str, details: str, *, ref: str = "", status: str = "BOOK", rvsl: str = ""
) -> str:
    return f"""<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>{rvsl}
      <Sts><Cd>{status}</Cd></Sts><BookgDt><Dt>2024-03-04</Dt></BookgDt><ValDt><Dt>2024-03-05</Dt></ValDt>
      <AcctSvcrRef>{ref}</AcctSvcrRef><NtryDtls>{details}</NtryDtls></Ntry>"""


def test_batch_with_amounts_becomes_one_line_per_transaction(tmp_path: Path) -> None:
    batch = entry(
        "300.00",
        "CRDT",
        tx("TX-1", "100.00", "Alpha SA", "DE89370400440532013000", "E2E-A", "INV-1")
        + tx("TX-2", "200.00", "Beta SARL", "FR1420041010050500013M02606", "E2E-B", "INV-2"),
        ref="BATCH-9",
    )
    path = tmp_path / "batch.xml"
    path.write_text(statement(batch), encoding="utf-8")
    [stmt] = parse_statement(path)
    assert [
        (line.line_id, line.amount, line.counterparty_name, line.end_to_end_id, line.remittance)
        for line in stmt.lines
    ] == [
        ("TX-1", Decimal("100.00"), "Alpha SA", "E2E-A", "INV-1"),
        ("TX-2", Decimal("200.00"), "Beta SARL", "E2E-B", "INV-2"),
    ]
    assert stmt.lines[1].counterparty_iban == "FR1420041010050500013M02606"
    assert stmt.lines[1].source.endswith("Ntry[1]/NtryDtls[1]/TxDtls[2]")


def test_batch_whose_details_do_not_add_up_stays_one_line(tmp_path: Path) -> None:
    batch = entry(
        "299.50",  # charges taken from the batch: the details no longer add up to the booking
        "CRDT",
        tx("TX-1", "100.00", "Alpha SA", "DE89370400440532013000", "E2E-A", "INV-1")
        + tx("TX-2", "200.00", "Beta SARL", "FR1420041010050500013M02606", "E2E-B", "INV-2"),
        ref="BATCH-9",
    )
    path = tmp_path / "batch.xml"
    path.write_text(statement(batch), encoding="utf-8")
    [stmt] = parse_statement(path)
    [line] = stmt.lines
    assert (line.line_id, line.amount) == ("BATCH-9", Decimal("299.50"))
    assert line.remittance == "INV-1 | INV-2"  # nothing is lost for the person who matches it


def test_reversal_and_pending_entries(tmp_path: Path) -> None:
    detail = tx("", "50.00", "Alpha SA", "DE89370400440532013000", "NOTPROVIDED", "refund")
    entries = entry("50.00", "DBIT", detail, ref="R-1", rvsl="<RvslInd>true</RvslInd>") + entry(
        "70.00", "CRDT", detail, ref="P-1", status="PDNG"
    )
    path = tmp_path / "rev.xml"
    path.write_text(statement(entries), encoding="utf-8")
    [stmt] = parse_statement(path)
    [line] = stmt.lines  # the pending entry is not booked money and is left out
    assert (line.line_id, line.amount, line.reversal, line.end_to_end_id) == (
        "R-1",
        Decimal("-50.00"),
        True,
        "",
    )
