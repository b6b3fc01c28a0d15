"""Reading any supporting document into an ExtractedDocument: the kind of file is told from its first
bytes (PDF, xlsx), never its name; each file is read in a worker process killed past its time limit
and capped in memory, so a hostile or broken file becomes an ``UNREADABLE`` finding, never a hang."""

from __future__ import annotations

import hashlib
import multiprocessing
import resource
import time
from collections.abc import Callable, Iterable, Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path

from rpa.documents import fields
from rpa.documents.classify import classify
from rpa.documents.facturx import FACTURX_SCHEMA, embedded_xml, read_facturx, schema_problem
from rpa.documents.model import (
    DocumentFields,
    DocumentType,
    ExtractedDocument,
    InvoiceFields,
    OtherFields,
    Source,
)
from rpa.documents.pdf import is_pdf, pdf_layout_text, pdf_text, unreadable
from rpa.documents.tables import check_archive, workbook_rows
from rpa.errors import DocumentReadError
from rpa.findings import Finding, Severity

DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # supporting documents are kilobytes to a few MB; past this, refused
DEFAULT_TIMEOUT_S = 30.0  # a few pages read in well under a second; a file still running at 30 s is hostile
DEFAULT_MAX_MEMORY = 1536 * 1024 * 1024  # address space of a worker: the PDF engines need a few hundred MB
MAX_UNPACKED_XLSX = 100 * 1024 * 1024
MAX_XLSX_ROWS = 2_000  # enough cells to tell the type and read labelled fields
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_HEAD = 1024


def extract(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ExtractedDocument:
    """Read ``path`` in this process (no time limit): prefer :func:`read_document` for outside files."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            why = f"is {size:,} bytes, over the {max_bytes:,} limit for a supporting document; refused"
            return _result(path, "", OtherFields(), None, [unreadable(path, why)])
        digest = _sha256(path)
        with path.open("rb") as handle:
            head = handle.read(_HEAD)
    except OSError as exc:
        return _result(path, "", OtherFields(), None, [unreadable(path, f"cannot be read ({exc.strerror})")])
    if is_pdf(head):
        return _read_pdf(path, digest)
    if head.startswith(_ZIP_MAGIC):
        return _read_xlsx(path, digest)
    if head.startswith(_OLE_MAGIC):
        why = "is an old Office file or a password-protected one; ask for a PDF or an unprotected .xlsx"
        return _result(path, digest, OtherFields(), None, [unreadable(path, why)])
    why = "is neither a PDF nor an xlsx workbook (whatever its name says); ask for one of those"
    return _result(path, digest, OtherFields(), None, [unreadable(path, why)])


def _read_pdf(path: Path, digest: str) -> ExtractedDocument:
    findings: list[Finding] = []
    attached = embedded_xml(path)
    if attached is not None:
        name, data = attached
        invoice, xml_findings = read_facturx(data, f"{path.name} ({name})")
        findings.extend(xml_findings)
        if invoice is not None:
            problem = schema_problem(data)
            if problem:
                why = f"{path.name} ({name}): the embedded XML does not follow its Factur-X schema: {problem}"
                findings.append(Finding(FACTURX_SCHEMA, Severity.WARNING, why, path.name, "factur-x"))
            # The XML first; what it lacks (the legal mentions, a SIRET only printed) comes from the text.
            printed = pdf_text(path)
            if printed.usable:
                from_text = fields.invoice_fields(printed.text)
                invoice = _fill(invoice, from_text).model_copy(
                    update={"mentions": tuple(sorted({*invoice.mentions, *from_text.mentions}))}
                )
            return _result(path, digest, invoice, Source.FACTURX, findings, DocumentType.INVOICE)
    text = pdf_text(path)
    findings.extend(text.findings)
    if not text.usable:
        return _result(path, digest, OtherFields(), None, findings)
    kind = classify(text.text)
    found = _fields(kind, text.text)
    if isinstance(found, InvoiceFields) and any(fields.missing(found)):
        # The fast text follows the PDF's drawing order; the laid-out text puts labels beside values.
        laid_out = pdf_layout_text(path)
        if laid_out.usable:
            found = _fill(found, fields.invoice_fields(laid_out.text))
    return _result(path, digest, found, Source.TEXT, findings, kind)


def _read_xlsx(path: Path, digest: str) -> ExtractedDocument:
    try:
        check_archive(path, MAX_UNPACKED_XLSX)
        lines = []
        for number, cells in workbook_rows(path, None):
            if number > MAX_XLSX_ROWS:
                break
            lines.append(" ".join(str(c) for c in cells if c is not None))
    except DocumentReadError as exc:
        return _result(
            path,
            digest,
            OtherFields(),
            None,
            [unreadable(path, exc.message.removeprefix(f"{path.name}: ").rstrip("."))],
        )
    except Exception as exc:  # openpyxl raises many types on damaged workbooks; this is the boundary
        why = f"is a damaged workbook ({type(exc).__name__}); export it again"
        return _result(path, digest, OtherFields(), None, [unreadable(path, why)])
    text = "\n".join(lines)
    kind = classify(text)
    return _result(path, digest, _fields(kind, text), Source.TABLE, [], kind)


def _fields(kind: DocumentType, text: str) -> DocumentFields:
    if kind is DocumentType.INVOICE:
        return fields.invoice_fields(text)
    if kind is DocumentType.RIB:
        return fields.rib_fields(text)
    if kind is DocumentType.KBIS:
        return fields.kbis_fields(text)
    if kind is DocumentType.IDENTITY:
        return fields.identity_fields(text)
    return fields.other_fields(text)


def _fill(first: InvoiceFields, second: InvoiceFields) -> InvoiceFields:
    """``first`` with its missing fields taken from ``second``."""
    extra = {
        k: v for k, v in second.model_dump().items() if v not in (None, ()) and getattr(first, k) is None
    }
    return first.model_copy(update=extra)


def _result(
    path: Path,
    digest: str,
    found: DocumentFields,
    source: Source | None,
    findings: Iterable[Finding],
    kind: DocumentType = DocumentType.OTHER,
) -> ExtractedDocument:
    return ExtractedDocument(
        path=str(path),
        sha256=digest,
        document_type=kind,
        fields=found,
        source=source,
        findings=tuple(findings),
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


# --- bounded reading in worker processes ------------------------------------------------------------


def _worker(path: Path, max_bytes: int, max_memory: int, conn: Connection) -> None:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))
        result = extract(path, max_bytes=max_bytes)
    except MemoryError:
        result = _result(path, "", OtherFields(), None, [unreadable(path, "needs more memory than allowed")])
    except Exception as exc:  # a reader bug must still give the caller a finding for this file
        result = _result(path, "", OtherFields(), None, [unreadable(path, f"failed ({type(exc).__name__})")])
    conn.send(result)
    conn.close()


class _Job:
    """One file being read by one worker process, with its deadline."""

    def __init__(self, path: Path, max_bytes: int, timeout_s: float, max_memory: int) -> None:
        # fork: the worker starts with the parent's engines loaded, no re-import per file.
        context = multiprocessing.get_context("fork")
        self.path, self.timeout_s = path, timeout_s
        self.receive, send = context.Pipe(duplex=False)
        self.process = context.Process(target=_worker, args=(path, max_bytes, max_memory, send), daemon=True)
        self.process.start()
        send.close()
        self.deadline = time.monotonic() + timeout_s

    def poll(self) -> ExtractedDocument | None:
        """The result when the worker is done (or killed past its deadline); None while it runs."""
        if self.receive.poll():
            try:
                result: ExtractedDocument = self.receive.recv()
            except EOFError:
                result = self._failed("the reader process died (out of memory or crashed)")
            self._close()
            return result
        if not self.process.is_alive():
            self._close()
            return self._failed(f"the reader process died (exit code {self.process.exitcode})")
        if time.monotonic() > self.deadline:
            self.process.kill()
            self._close()
            return self._failed(f"took longer than {self.timeout_s:g} s to read; refused as possibly hostile")
        return None

    def _failed(self, why: str) -> ExtractedDocument:
        return _result(self.path, "", OtherFields(), None, [unreadable(self.path, why)])

    def _close(self) -> None:
        self.process.join(1)
        self.receive.close()


def read_documents(
    paths: Sequence[Path],
    *,
    workers: int = 2,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_memory: int = DEFAULT_MAX_MEMORY,
    on_done: Callable[[ExtractedDocument], None] | None = None,
) -> list[ExtractedDocument]:
    """Read ``paths`` with up to ``workers`` processes, each file bounded in time and memory; results in
    the order of ``paths``. ``on_done`` is called as each file finishes (a progress bar)."""
    results: dict[int, ExtractedDocument] = {}
    pending = list(enumerate(paths))
    running: dict[int, _Job] = {}
    while pending or running:
        while pending and len(running) < max(workers, 1):
            index, path = pending.pop(0)
            running[index] = _Job(Path(path), max_bytes, timeout_s, max_memory)
        for index, job in list(running.items()):
            result = job.poll()
            if result is not None:
                results[index] = result
                del running[index]
                if on_done is not None:
                    on_done(result)
        if running:
            # Sleep until a worker answers or dies, or until the nearest deadline: no polling interval.
            nearest = min(job.deadline for job in running.values()) - time.monotonic()
            ready = [w for job in running.values() for w in (job.receive, job.process.sentinel)]
            wait(ready, timeout=max(nearest, 0.0))
    return [results[i] for i in range(len(paths))]


def read_document(
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_memory: int = DEFAULT_MAX_MEMORY,
) -> ExtractedDocument:
    """Read one file in a worker process, killed past ``timeout_s`` and capped at ``max_memory`` bytes."""
    return read_documents([path], workers=1, max_bytes=max_bytes, timeout_s=timeout_s, max_memory=max_memory)[
        0
    ]
