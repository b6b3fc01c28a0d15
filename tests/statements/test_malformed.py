"""Bad files: each one is refused with DocumentReadError naming the file, the place and the problem."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from rpa.documents.statements import parse_many, parse_statement
from rpa.errors import DocumentReadError

GOLDEN = Path(__file__).resolve().parent / "golden"

CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M</MsgId></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>NL26VAYB8060476890</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">8.85</Amt><CdtDbtInd>{indicator}</CdtDbtInd><BookgDt><Dt>2014-12-31</Dt></BookgDt></Ntry>
</Stmt></BkToCstmrStmt></Document>"""


def refused(path: Path, **kwargs: object) -> DocumentReadError:
    with pytest.raises(DocumentReadError) as info:
        parse_statement(path, **kwargs)  # type: ignore[arg-type]
    error = info.value
    assert path.name in error.message  # every message names the file
    return error


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_truncated_camt_names_line_and_column(tmp_path: Path) -> None:
    whole = CAMT.format(indicator="CRDT").encode()
    error = refused(write(tmp_path, "cut.xml", whole[: len(whole) // 2]))
    assert error.code == "STATEMENT_MALFORMED"
    assert "line 4 column" in error.message and "not well-formed" in error.message


def test_billion_laughs_is_refused_fast(tmp_path: Path) -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    doctype = f'<!DOCTYPE Document [<!ENTITY l0 "lol">{entities}]>'
    bomb = f'<?xml version="1.0"?>\n{doctype}\n<Document>&l9;</Document>'
    started = time.perf_counter()
    error = refused(write(tmp_path, "bomb.xml", bomb))
    assert time.perf_counter() - started < 1.0
    assert "DOCTYPE" in error.message and "line 2" in error.message


@pytest.mark.timeout(20)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe to prove nothing is opened")
def test_external_entity_is_refused_without_reading_the_file(tmp_path: Path) -> None:
    # A named pipe blocks whoever opens it for reading: if the parser tried to resolve the entity,
    # this test would hang until the timeout instead of getting the error at once.
    pipe = tmp_path / "secret"
    os.mkfifo(pipe)
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x SYSTEM "file://{pipe}">]>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&x;</Id>'
        "</Stmt></BkToCstmrStmt></Document>"
    )
    error = refused(write(tmp_path, "xxe.xml", xxe))
    assert error.code == "STATEMENT_MALFORMED" and "refused for safety" in error.message
    ofx = write(
        tmp_path,
        "xxe.ofx",
        f'<?xml version="1.0"?><!DOCTYPE OFX [<!ENTITY x SYSTEM "file://{pipe}">]><OFX>&x;</OFX>',
    )
    assert "DOCTYPE" in refused(ofx).message


def test_camt_without_credit_debit_indicator_names_the_element(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "noind.xml", CAMT.format(indicator="")))
    assert "/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/CdtDbtInd" in error.message


def test_csv_in_the_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    content = "date,amount,description\n2024-03-04,10.00,ok\n2024-03-05,-4.50,CAFÉ\n".encode("latin-1")
    error = refused(write(tmp_path, "latin1.csv", content), csv_profile="generic")
    assert error.code == "STATEMENT_ENCODING"
    assert "line 3" in error.message and "utf-8" in error.message


def test_csv_bad_cells_name_line_and_column(tmp_path: Path) -> None:
    bad_date = "date,amount\n2024-03-04,10.00\n04/03/2024,1.00\n"
    assert (
        "line 3, column 'date'" in refused(write(tmp_path, "d.csv", bad_date), csv_profile="generic").message
    )
    bad_amount = "date,amount\n2024-03-04,ten\n"
    assert (
        "line 2, column 'amount'"
        in refused(write(tmp_path, "a.csv", bad_amount), csv_profile="generic").message
    )
    no_header = "when,how much\n2024-03-04,1\n"
    assert "no header" in refused(write(tmp_path, "h.csv", no_header), csv_profile="generic").message


def test_garbage_mt940_lines(tmp_path: Path) -> None:
    good = (
        ":20:REF\n:25:NL71RABO0123456789\n:28C:1\n:60F:C240301EUR100,00\n{line61}\n"
        ":86:/REMI/test\n:62F:C240301EUR90,00\n-\n"
    )
    error = refused(write(tmp_path, "bad61.sta", good.format(line61=":61:24030X#garbage here")))
    assert "line 5 (:61:)" in error.message and "garbage" in error.message
    stray = good.format(line61=":61:240301D10,00NTRFNONREF").replace(
        ":28C:1\n", ":28C:1\n%%% not a field %%%\n"
    )
    assert "line 4" in refused(write(tmp_path, "stray.sta", stray)).message
    unknown = good.format(line61=":61:240301D10,00NTRFNONREF").replace(":28C:1", ":99Z:1")
    assert "unknown MT940 field :99Z:" in refused(write(tmp_path, "tag.sta", unknown)).message


def test_cfonb_record_of_wrong_length_names_the_line(tmp_path: Path) -> None:
    records = (GOLDEN / "releve_cfonb120.txt").read_bytes().decode("latin-1").split("\r\n")
    records[3] = records[3][:-1]
    error = refused(write(tmp_path, "short.txt", "\r\n".join(records).encode("latin-1")))
    assert "line 4" in error.message and "119 characters" in error.message


def test_cfonb_bad_sign_character_and_missing_closing(tmp_path: Path) -> None:
    records = (GOLDEN / "releve_cfonb120.txt").read_bytes().decode("latin-1").split("\r\n")
    sign_broken = [*records]
    sign_broken[1] = sign_broken[1][:103] + "Z" + sign_broken[1][104:]
    assert (
        "line 2" in refused(write(tmp_path, "sign.txt", "\r\n".join(sign_broken).encode("latin-1"))).message
    )
    unclosed = "\r\n".join(r for r in records if not r.startswith("07"))
    assert "no closing balance" in refused(write(tmp_path, "open.txt", unclosed.encode("latin-1"))).message


def test_truncated_ofx(tmp_path: Path, statements_corpus: Path) -> None:
    whole = (statements_corpus / "ofx" / "checking.ofx").read_bytes()
    error = refused(write(tmp_path, "cut.ofx", whole[: len(whole) * 2 // 3]))
    assert "never closed" in error.message and "line" in error.message


def test_oversized_and_unsupported_files(tmp_path: Path) -> None:
    big = write(tmp_path, "big.csv", "date,amount\n" + "2024-03-04,1.00\n" * 50)
    assert refused(big, max_bytes=100).code == "STATEMENT_TOO_LARGE"
    assert refused(write(tmp_path, "photo.png", b"\x89PNG\r\n\x1a\n\x00\x00")).code == "STATEMENT_UNSUPPORTED"
    pain = (
        '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
        "<CstmrCdtTrfInitn/></Document>"
    )
    assert refused(write(tmp_path, "pain.xml", pain)).code == "STATEMENT_UNSUPPORTED"


def test_parse_many_keeps_going_past_bad_files(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.sta", ":20:X\n:60F:C240301EUR1,00\n:61:nonsense\n")
    missing = tmp_path / "gone.xml"
    statements, errors = parse_many(
        [GOLDEN / "releve_cfonb120.txt", bad, missing, GOLDEN / "export_generic.csv"]
    )
    assert len(statements) == 2
    assert [e.details["file"] for e in errors] == ["bad.sta", "gone.xml"]
    assert errors[1].code == "STATEMENT_UNREADABLE"
