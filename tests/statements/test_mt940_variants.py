"""MT940 as banks really write it: each variant a careful accountant accepts is read, and said to be one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from rpa.documents.statements import Statement, parse_statement
from rpa.errors import DocumentReadError

HEAD = ":20:STMT-0412\n:25:DE44500105175407324931\n:28C:7/1\n:60F:C240412EUR1000,00\n"
LINE = ":61:2404120412C250,00NTRFNONREF//BK-7781\n:86:/REMI/Invoice 2024-118/NAME/Hartmann GmbH/\n"
TAIL = ":62F:C240412EUR1250,00\n-\n"


def read(tmp_path: Path, text: str, name: str = "bank.sta") -> Statement:
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1"))
    [statement] = parse_statement(path)
    return statement


def variants(statement: Statement) -> str:
    return " | ".join(f.message for f in statement.findings if f.code == "STATEMENT_VARIANT")


def test_the_tidy_statement_has_no_variant_and_balances(tmp_path: Path) -> None:
    statement = read(tmp_path, HEAD + LINE + TAIL)
    [line] = statement.lines
    assert (line.amount, line.line_id, line.counterparty_name) == (
        Decimal("250.00"),
        "BK-7781",
        "Hartmann GmbH",
    )
    assert statement.findings == ()


def test_envelope_trailer_on_the_block_end_line(tmp_path: Path) -> None:
    text = "{1:F01DEUTDEFFAXXX0000000000}{2:O9401200240412DEUTDEFFAXXX}{4:\n" + HEAD + LINE
    text += ":62F:C240412EUR1250,00\n-}{5:{CHK:3916EF336FF7}}\n"
    statement = read(tmp_path, text)
    assert len(statement.lines) == 1 and statement.closing_balance == Decimal("1250.00")
    assert statement.findings == ()  # the envelope is SWIFT's own, not a variant


def test_two_messages_with_trailers_and_soh_etx_framing(tmp_path: Path) -> None:
    message = "\x01{1:F01DEUTDEFFAXXX0000000000}{4:\n" + HEAD + LINE + ":62F:C240412EUR1250,00\n-}{5:}\x03\n"
    path = tmp_path / "framed.sta"
    path.write_bytes((message + message.replace("STMT-0412", "STMT-0413")).encode("latin-1"))
    first, second = parse_statement(path)
    assert (first.statement_id, second.statement_id) == ("STMT-0412/7/1", "STMT-0413/7/1")
    assert "\x03" not in first.lines[0].remittance
    assert "SOH/ETX framing characters ignored" in variants(first)


def test_amount_without_decimal_comma(tmp_path: Path) -> None:
    statement = read(tmp_path, HEAD + ":61:2404120412C250NTRFNONREF//BK-7781\n" + TAIL)
    assert statement.lines[0].amount == Decimal("250.00")
    assert "C250NTRF" in statement.lines[0].raw  # what was written is kept
    assert "without a decimal comma" in variants(statement)
    assert [f.field for f in statement.findings if f.code == "STATEMENT_VARIANT"] == ["line 5"]


def test_spaces_where_the_optional_entry_date_goes(tmp_path: Path) -> None:
    statement = read(tmp_path, HEAD + ":61:240412    C250,00NTRFNONREF//BK-7781\n" + TAIL)
    [line] = statement.lines
    assert (line.booking_date, line.amount, line.bank_reference) == (
        date(2024, 4, 12),
        Decimal("250.00"),
        "BK-7781",
    )
    assert "spaces in place of the optional entry date" in variants(statement)


def test_type_code_with_spaces(tmp_path: Path) -> None:
    statement = read(tmp_path, HEAD + ":61:2404120412C250,00N   NONREF//BK-7781\n" + TAIL)
    assert (statement.lines[0].amount, statement.lines[0].line_id) == (Decimal("250.00"), "BK-7781")
    assert "type code with spaces" in variants(statement)


def test_closing_balance_without_a_currency(tmp_path: Path) -> None:
    statement = read(tmp_path, HEAD + LINE + ":62F:C2404121250,00\n-\n")
    assert (statement.closing_balance, statement.currency) == (Decimal("1250.00"), "EUR")
    assert ":62F: balance without a currency" in variants(statement)
    assert not [f for f in statement.findings if f.code == "STATEMENT_UNBALANCED"]


def test_bank_specific_lettered_field_is_kept_in_raw(tmp_path: Path) -> None:
    text = HEAD + LINE + ":NS:22Hartmann Filiale Nord\n23Kassenzeichen 55\n" + TAIL
    statement = read(tmp_path, text)
    [line] = statement.lines
    assert line.remittance == "Invoice 2024-118"  # :NS: is not mixed into the payment text
    assert ":NS:22Hartmann Filiale Nord" in line.raw and "23Kassenzeichen 55" in line.raw
    assert "bank-specific field :NS:" in variants(statement)


def test_tag_like_continuation_lines_of_86_stay_in_the_text(tmp_path: Path) -> None:
    info = ":86:Payment order 4471 from Hartmann\n:ORDER:4471 part 2\n:61:no date here, just text\n"
    statement = read(tmp_path, HEAD + ":61:2404120412C250,00NTRFNONREF//BK-7781\n" + info + TAIL)
    [line] = statement.lines
    assert (
        line.remittance == "Payment order 4471 from Hartmann :ORDER:4471 part 2 :61:no date here, just text"
    )
    assert "read as text of :86:" in variants(statement)


def test_several_lines_of_supplementary_details(tmp_path: Path) -> None:
    text = HEAD + ":61:2404120412C250,00NTRFNONREF//BK-7781\nFIRST PART OF\nTHE DETAILS\n" + TAIL
    statement = read(tmp_path, text)
    assert statement.lines[0].remittance == "FIRST PART OF THE DETAILS"


def test_amount_with_a_decimal_point(tmp_path: Path) -> None:
    statement = read(tmp_path, HEAD + ":61:2404120412C250.00NTRFNONREF//BK-7781\n" + TAIL)
    assert statement.lines[0].amount == Decimal("250.00")
    assert "decimal point" in variants(statement)


def test_german_purpose_subfields_are_separate_phrases(tmp_path: Path) -> None:
    info = ":86:166?00GUTSCHRIFT?20RECHNUNG 20120188?21STEFAN SCHMIDT?32HARTMANN GMBH\n"
    statement = read(tmp_path, HEAD + ":61:2404120412C250,00NTRFNONREF\n" + info + TAIL)
    assert statement.lines[0].remittance == "RECHNUNG 20120188 STEFAN SCHMIDT"


def test_full_width_subfield_cut_mid_word_is_joined_without_space(tmp_path: Path) -> None:
    full = "SVWZ+Rechnung 2024-118 Hart"  # 27 characters: the bank cut the word
    assert len(full) == 27
    info = f":86:166?00GUTSCHRIFT?20{full}?21mann GmbH?22Kundennr 77\n"
    statement = read(tmp_path, HEAD + ":61:2404120412C250,00NTRFNONREF\n" + info + TAIL)
    assert statement.lines[0].remittance == "Rechnung 2024-118 Hartmann GmbH Kundennr 77"


def test_what_cannot_be_read_unambiguously_is_still_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentReadError) as unknown:
        read(tmp_path, HEAD + ":99:1\n" + LINE + TAIL)  # inside :86: it would be text
    assert "unknown MT940 field :99:" in unknown.value.message and "damaged" not in unknown.value.message
    with pytest.raises(DocumentReadError) as garbled:
        read(tmp_path, HEAD + ":61:24041X0412C250,00NTRF\n" + TAIL)
    assert "line 5 (:61:)" in garbled.value.message
    with pytest.raises(DocumentReadError) as no_currency:
        read(tmp_path, ":20:X\n:60F:C2404121000,00\n:61:240412C1,00NTRF\n:62F:C2404121001,00\n-\n")
    assert "currency" in no_currency.value.message
