"""Header-checked tables from CSV or XLSX files: rows keyed by column name, a finding per bad row (the
others are kept). A file unreadable as a whole (too large, unsafe, wrongly encoded, no usable header)
raises DocumentReadError naming the file and what to do."""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
import zipfile
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from rpa.errors import DocumentReadError
from rpa.findings import Finding, Severity

CellValue = str | int | float | Decimal | bool | datetime | date | time | timedelta | None

DEFAULT_MAX_BYTES = 50 * 1024 * 1024  # an export past this is a wrong file, not a table to work through
DEFAULT_MAX_UNPACKED_BYTES = 500 * 1024 * 1024  # what an xlsx may unpack to
MAX_COMPRESSION_RATIO = 100  # real workbooks compress 5-30:1; a bomb compresses thousands to one
_RATIO_FLOOR = 1024 * 1024  # small members may compress very well without harm
_MAX_MEMBERS = 10_000
_DELIMITERS = (";", ",", "\t", "|")
_MACRO_SUFFIXES = frozenset({".xlsm", ".xltm", ".xlam"})
_WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xltx"})
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old .xls, and any password-protected Office file
_TEXT_CONTROLS = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r\f") | {"\x7f"}
_MAX_CONTROL_SHARE = 0.01  # a text export has next to no control characters; binary data is full of them

TOO_LARGE = "TABLE_TOO_LARGE"
UNSAFE = "TABLE_UNSAFE"
ENCODING = "TABLE_ENCODING"
UNSUPPORTED = "TABLE_UNSUPPORTED"
UNREADABLE = "TABLE_UNREADABLE"
HEADER = "TABLE_HEADER"
NOT_UTF8 = "TABLE_NOT_UTF8"
ROW_INVALID = "TABLE_ROW_INVALID"


@dataclass(frozen=True, slots=True)
class Column:
    """A column the caller reads: its name in the rows, other headers meaning it, whether it must be there.

    A required column must be in the header and filled on every row; an optional one may be absent.
    """

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = True


class Row(dict[str, CellValue]):
    """One data row: column name → cell value as read (text from CSV, typed values from XLSX; None when
    an optional column is absent). ``number`` is its row in the file, as a spreadsheet shows it."""

    __slots__ = ("number",)

    def __init__(self, number: int, values: Mapping[str, CellValue]) -> None:
        super().__init__(values)
        self.number = number


def header_key(name: object) -> str:
    """How header names compare: case, accents, spaces and punctuation ignored ('Date opé.' == 'dateope')."""
    decomposed = unicodedata.normalize("NFKD", str(name).casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


CELL_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")  # ISO, and the French/European day first


def cell_date(value: CellValue) -> date | None:
    """A calendar date from a cell: a spreadsheet date (or date-time) as it is, text in ISO or DD/MM/YYYY;
    None when the cell holds something else (the caller says which row and column)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = "" if value is None else str(value).strip()
    for fmt in CELL_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # a calendar date, no instant
        except ValueError:
            continue
    return None


def row_finding(path: Path, row: int, column: str, problem: str, *, code: str = ROW_INVALID) -> Finding:
    """The finding for a row that was skipped, naming file, row and column."""
    return Finding(
        code,
        Severity.ERROR,
        f"{path.name} row {row}, column '{column}': {problem}; the row was skipped.",
        f"{path.name}, row {row}",
        column,
    )


def read_table(
    path: Path,
    columns: Sequence[Column],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
    sheet: str | None = None,
    row_code: str = ROW_INVALID,
) -> tuple[list[Row], list[Finding]]:
    """The rows of a ``.csv`` (any usual delimiter and encoding) or ``.xlsx`` file, and its findings.

    The first non-blank row is the header; blank rows are skipped; a row missing a required value is
    reported with ``row_code`` and left out. XLSX: the first sheet unless ``sheet`` names one.
    """
    findings: list[Finding] = []
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _file_error(
                path, TOO_LARGE, f"is {size:,} bytes, over the {max_bytes:,} limit; export fewer rows"
            )
        suffix = path.suffix.lower()
        if suffix in _MACRO_SUFFIXES:
            raise _file_error(path, UNSAFE, "is a macro-enabled workbook; save it as .xlsx (no macros)")
        with path.open("rb") as handle:
            head = handle.read(8)
        if head.startswith(_OLE_MAGIC):
            raise _file_error(
                path, UNSUPPORTED, "is an old .xls or a password-protected workbook; save it as .xlsx or CSV"
            )
        is_csv = not (head.startswith(_ZIP_MAGIC) or suffix in _WORKBOOK_SUFFIXES)
        if not is_csv:
            if not head.startswith(_ZIP_MAGIC):
                raise _file_error(
                    path, UNREADABLE, "is not an xlsx workbook (not a zip file); export it again"
                )
            check_archive(path, max_unpacked_bytes)
            raw: Iterator[tuple[int, Sequence[CellValue]]] = workbook_rows(path, sheet)
        else:
            text, encoding = _decode(path.read_bytes(), path)
            if encoding != "utf-8":
                findings.append(
                    Finding(
                        NOT_UTF8,
                        Severity.INFO,
                        f"{path.name} is not UTF-8: it was read as {encoding}; check that accented letters "
                        "look right, or export it as UTF-8.",
                        path.name,
                    )
                )
            raw = _csv_rows(text)
        guarded = _guarded(raw, path)
        try:
            rows = _read(guarded, path, columns, row_code, findings, check_width=is_csv)
        finally:
            guarded.close()  # closes the workbook too when a header error stops the reading early
    except OSError as exc:
        raise _file_error(path, UNREADABLE, f"cannot be read ({exc.strerror or exc})") from exc
    return rows, findings


def _read(
    raw: Iterable[tuple[int, Sequence[CellValue]]],
    path: Path,
    columns: Sequence[Column],
    row_code: str,
    findings: list[Finding],
    *,
    check_width: bool,
) -> list[Row]:
    records = (r for r in raw if not _blank(r[1]))
    first = next(records, None)
    if first is None:
        raise _file_error(path, HEADER, f"is empty; expected a header row naming {_names(columns)}")
    positions = _positions(first[1], columns, path)
    width = len(first[1])
    rows: list[Row] = []
    for number, cells in records:
        # In a CSV, cells past the header mean a delimiter inside a value (a decimal comma, an unquoted
        # name); in a sheet they are someone's notes beside the table.
        used = max(i for i, c in enumerate(cells) if not _blank_cell(c)) + 1  # the row is not blank
        if check_width and used > width:
            findings.append(
                Finding(
                    row_code,
                    Severity.ERROR,
                    f"{path.name} row {number}: {used} cells where the header has {width}; "
                    "check the delimiter and the quotes; the row was skipped.",
                    f"{path.name}, row {number}",
                )
            )
            continue
        values = {
            col.name: (cells[pos] if pos < len(cells) else None) if pos is not None else None
            for col, pos in positions.items()
        }
        empty = [c.name for c in columns if c.required and _blank_cell(values[c.name])]
        if empty:
            others = ", ".join(repr(name) for name in empty[1:])
            problem = f"is empty, as is {others}" if others else "is empty"
            findings.append(row_finding(path, number, empty[0], problem, code=row_code))
            continue
        rows.append(Row(number, values))
    return rows


def _positions(
    header: Sequence[CellValue], columns: Sequence[Column], path: Path
) -> dict[Column, int | None]:
    """Where each column is in the header; DocumentReadError when a required one is missing or doubled."""
    keys = [header_key(h) if h is not None else "" for h in header]
    positions: dict[Column, int | None] = {}
    for col in columns:
        wanted = {header_key(n) for n in (col.name, *col.aliases)}
        found = [i for i, key in enumerate(keys) if key and key in wanted]
        if len(found) > 1:
            names = " and ".join(repr(header[i]) for i in found)
            raise _file_error(path, HEADER, f"has columns {names} that both mean {col.name!r}; keep one")
        positions[col] = found[0] if found else None
    missing = [c.name for c in columns if c.required and positions[c] is None]
    if missing:
        raise _file_error(
            path,
            HEADER,
            f"has no column {', '.join(missing)}; the header must name {_names(columns)}",
        )
    return positions


def _names(columns: Sequence[Column]) -> str:
    required = ", ".join(c.name for c in columns if c.required)
    optional = ", ".join(c.name for c in columns if not c.required)
    return f"{required} (optional: {optional})" if optional else required


def _blank_cell(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _blank(cells: Sequence[CellValue]) -> bool:
    return all(_blank_cell(c) for c in cells)


def _guarded(
    rows: Iterator[tuple[int, Sequence[CellValue]]], path: Path
) -> Generator[tuple[int, Sequence[CellValue]], None, None]:
    """``rows``, with whatever a damaged file makes the CSV or XLSX reader raise turned into one error."""
    try:
        yield from rows
    except DocumentReadError:
        raise
    except Exception as exc:  # openpyxl and csv raise many types on damaged files; this is the boundary
        raise _file_error(
            path, UNREADABLE, f"cannot be read ({type(exc).__name__}: {exc}); export it again"
        ) from exc


# --- CSV --------------------------------------------------------------------------------------------


def _decode(data: bytes, path: Path) -> tuple[str, str]:
    """The text of a CSV and the encoding it was read with: UTF-8 (BOM or not), else cp1252, else latin-1."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _file_error(path, ENCODING, "is UTF-16/32 text; export it as CSV UTF-8 (or Windows-1252)")
    if b"\x00" in data[:65536]:
        raise _file_error(
            path,
            ENCODING,
            "holds NUL bytes: UTF-16 text without a mark, or not a CSV at all; export it as CSV UTF-8",
        )
    text, encoding = "", ""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            if encoding == "utf-8-sig" and data.startswith(codecs.BOM_UTF8):
                raise _file_error(
                    path, ENCODING, "starts with a UTF-8 mark but is not valid UTF-8; export it again"
                ) from None
    sample = text[:65536]
    if sample and sum(ch in _TEXT_CONTROLS for ch in sample) > _MAX_CONTROL_SHARE * len(sample):
        raise _file_error(path, ENCODING, "is not text (binary data); expected a CSV or an xlsx workbook")
    return text, "utf-8" if encoding == "utf-8-sig" else encoding


def _sniff_delimiter(text: str) -> str:
    """The delimiter of the header line (the first non-blank one), counted outside quotes; ',' if none."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    outside = "".join(part for i, part in enumerate(line.split('"')) if i % 2 == 0)
    counts = {d: outside.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])  # ties go to the earlier: ';' before ','
    return best if counts[best] else ","


def _csv_rows(text: str) -> Iterator[tuple[int, Sequence[CellValue]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    yield from enumerate(reader, 1)


# --- XLSX -------------------------------------------------------------------------------------------


def check_archive(path: Path, max_unpacked_bytes: int) -> None:
    """Refuse, before openpyxl unpacks anything, a workbook with macros or one that unpacks too far."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise _file_error(path, UNREADABLE, f"is a damaged xlsx workbook ({exc}); export it again") from exc
    if len(members) > _MAX_MEMBERS:
        raise _file_error(path, UNSAFE, f"holds {len(members):,} files; no workbook has that many")
    if any(m.filename.lower().rsplit("/", 1)[-1] == "vbaproject.bin" for m in members):
        raise _file_error(path, UNSAFE, "contains macros (vbaProject.bin); save it as .xlsx without macros")
    total = sum(m.file_size for m in members)
    if total > max_unpacked_bytes:
        raise _file_error(
            path,
            UNSAFE,
            f"unpacks to {total:,} bytes, over the {max_unpacked_bytes:,} limit; "
            "refused as a possible zip bomb",
        )
    for m in members:
        if m.file_size > _RATIO_FLOOR and m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1):
            ratio = m.file_size // max(m.compress_size, 1)
            raise _file_error(
                path,
                UNSAFE,
                f"has a part ({m.filename}) compressed {ratio:,} to 1; refused as a possible zip bomb",
            )


def workbook_rows(path: Path, sheet: str | None) -> Iterator[tuple[int, Sequence[CellValue]]]:
    """(row number, cells) of ``sheet`` (the first when None), read-only; call :func:`check_archive` first."""
    # Opened as a file object: openpyxl judges a path by its extension, the content decides here (a
    # workbook saved as ".pdf" or without extension is still a workbook).
    handle = path.open("rb")
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except BaseException:
        handle.close()
        raise
    try:
        if sheet is not None and sheet not in book.sheetnames:
            sheets = ", ".join(book.sheetnames)
            raise _file_error(path, HEADER, f"has no sheet {sheet!r}; its sheets are {sheets}")
        worksheet = book[sheet] if sheet is not None else book.worksheets[0]
        yield from enumerate(worksheet.iter_rows(values_only=True), 1)
    finally:
        book.close()
        handle.close()


def _file_error(path: Path, code: str, problem: str) -> DocumentReadError:
    details = {"file": str(path), "problem": problem}
    return DocumentReadError(f"{path.name}: {problem}.", code=code, details=details)
