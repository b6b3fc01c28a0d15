"""Opening a PDF safely and getting its text: pypdfium2 for plain text (fast), pdfplumber where the
reading order of positioned words matters. A PDF that cannot be opened or has no usable text yields
an ``UNREADABLE`` finding saying why, never an exception from the PDF engines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium

from rpa.documents.model import TEXT_LAYER, UNREADABLE
from rpa.findings import Finding, Severity

PDF_MAGIC = b"%PDF-"
_MAGIC_WINDOW = 1024  # the header may follow some junk bytes; readers accept it within the first 1 KiB
MAX_PAGES = 50  # supporting documents are a few pages; past this we read the first ones only
_CID = re.compile(r"\(cid:\d+\)")
_WORD = re.compile(r"[^\W\d_]{3,}")  # three letters or more, in any alphabet
MIN_WORDS = 8  # fewer real words than this on a whole document is a scan or an image, not text
MAX_CID_SHARE = 0.05  # a few unmapped glyphs happen; past this share the text is garbage


@dataclass(frozen=True, slots=True)
class PdfText:
    """The text of each page (``pages``) and the findings met while reading it."""

    pages: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    @property
    def usable(self) -> bool:
        return not any(f.code == UNREADABLE for f in self.findings)


def is_pdf(head: bytes) -> bool:
    """True when ``head`` (the first bytes of a file) carries a PDF header."""
    return PDF_MAGIC in head[:_MAGIC_WINDOW]


def unreadable(path: Path, why: str, *, field: str = "") -> Finding:
    """The ``UNREADABLE`` finding for ``path``: what went wrong and what to do."""
    return Finding(UNREADABLE, Severity.ERROR, f"{path.name}: {why}.", path.name, field)


def pdf_text(path: Path, *, max_pages: int = MAX_PAGES) -> PdfText:
    """The plain text of each page with pypdfium2, then a check that it is usable text."""
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        return PdfText((), (unreadable(path, _why_not_open(path, exc)),))
    try:
        pages: list[str] = []
        for index in range(min(len(document), max_pages)):
            page = document[index]
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range().replace("\r\n", "\n"))
            textpage.close()
            page.close()
    except pdfium.PdfiumError as exc:
        return PdfText((), (unreadable(path, f"a page cannot be read ({exc}); ask for the file again"),))
    finally:
        document.close()
    return PdfText(tuple(pages), tuple(text_problems(path, "\n".join(pages))))


def pdf_layout_text(path: Path, *, max_pages: int = MAX_PAGES) -> PdfText:
    """The text of each page with pdfplumber, words in reading order (labels beside their values)."""
    try:
        with pdfplumber.open(path) as document:
            pages = tuple((page.extract_text() or "") for page in document.pages[:max_pages])
    except Exception as exc:  # pdfminer raises many types on damaged files; this is the boundary
        return PdfText((), (unreadable(path, f"cannot be laid out ({type(exc).__name__}: {exc})"),))
    return PdfText(pages, tuple(text_problems(path, "\n".join(pages))))


def pdf_tables(path: Path, *, max_pages: int = MAX_PAGES) -> list[list[list[str | None]]]:
    """The tables pdfplumber finds, page after page (rows of cells); [] when there are none."""
    try:
        with pdfplumber.open(path) as document:
            return [t for page in document.pages[:max_pages] for t in page.extract_tables()]
    except Exception:  # a table is a bonus; the text path has already said whether the file reads
        return []


def text_problems(path: Path, text: str) -> list[Finding]:
    """Why ``text`` is not usable: none at all (a scan), unmapped glyphs ``(cid:NN)``, too few words."""
    stripped = text.strip()
    if not stripped:
        why = "has no text layer (a scan or an image); ask for a text PDF, or enable OCR"
        return [unreadable(path, why, field=TEXT_LAYER)]
    cids = len(_CID.findall(stripped))
    if cids and cids * 8 > MAX_CID_SHARE * len(stripped):  # '(cid:NN)' is about 8 characters
        return [
            unreadable(
                path,
                f"has {cids} glyphs without a character mapping ((cid:NN)): its text would be garbage; "
                "ask for a PDF with embedded fonts, or enable OCR",
                field=TEXT_LAYER,
            )
        ]
    words = len(_WORD.findall(_CID.sub(" ", stripped)))
    if words < MIN_WORDS:
        return [
            unreadable(
                path,
                f"has only {words} words of text (at least {MIN_WORDS} expected); it may be a scan",
                field=TEXT_LAYER,
            )
        ]
    return []


def _why_not_open(path: Path, exc: Exception) -> str:
    message = str(exc).lower()
    if "password" in message:
        return "is encrypted (password-protected); ask for an unprotected copy"
    try:
        with path.open("rb") as handle:
            head = handle.read(_MAGIC_WINDOW)
    except OSError as err:
        return f"cannot be read ({err.strerror or err})"
    if not is_pdf(head):
        return "is not a PDF (no %PDF header); check the file type"
    return f"is damaged or truncated ({exc}); download it again"
