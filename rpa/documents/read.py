"""Reading any supporting document into an ExtractedDocument: the kind of file is told from its first
bytes (PDF, xlsx), never its name; files are read in worker processes capped in memory, a worker being
killed and replaced when a file passes its time limit, so a hostile or broken file becomes an
``UNREADABLE`` finding, never a hang."""

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

FILES_PER_WORKER = 200  # a worker is replaced after this many files: whatever a reader leaks stays small


def _serve(conn: Connection, max_bytes: int, max_memory: int) -> None:
    """A worker: read each path it is sent and send the result back, under its address-space cap; stop
    on ``None``, after a file that exhausted its memory (it is then replaced), or when the parent goes."""
    resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))
    while True:
        try:
            path = conn.recv()
        except (EOFError, OSError):
            return
        if path is None:
            return
        exhausted = False
        try:
            result = extract(path, max_bytes=max_bytes)
        except MemoryError:
            exhausted = True
            result = _result(
                path, "", OtherFields(), None, [unreadable(path, "needs more memory than allowed")]
            )
        except Exception as exc:  # a reader bug must still give the caller a finding for this file
            result = _result(
                path, "", OtherFields(), None, [unreadable(path, f"failed ({type(exc).__name__})")]
            )
        conn.send(result)
        if exhausted:
            return


class _Worker:
    """One long-lived reading process (forked: it starts with the parent's engines loaded) and the file
    it is reading, with its deadline."""

    def __init__(self, max_bytes: int, max_memory: int) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_serve, args=(child, max_bytes, max_memory), daemon=True)
        self.process.start()
        child.close()
        self.index: int | None = None
        self.path = Path()
        self.deadline = 0.0
        self.served = 0

    def give(self, index: int, path: Path, timeout_s: float) -> None:
        self.index, self.path, self.deadline = index, path, time.monotonic() + timeout_s
        self.served += 1
        self.conn.send(path)

    def stop(self, *, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                self.process.kill()
        self.process.join(2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(1)
        self.conn.close()


def read_documents(
    paths: Sequence[Path],
    *,
    workers: int = 2,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_memory: int = DEFAULT_MAX_MEMORY,
    on_done: Callable[[ExtractedDocument], None] | None = None,
) -> list[ExtractedDocument]:
    """Read ``paths`` with up to ``workers`` long-lived processes, each file bounded in time (its worker is
    killed and replaced past ``timeout_s``) and in memory (``max_memory`` of address space per worker);
    results in the order of ``paths``. ``on_done`` is called as each file finishes (a progress bar)."""
    if not paths:
        return []
    results: dict[int, ExtractedDocument] = {}
    pending = list(enumerate(Path(p) for p in paths))
    pending.reverse()  # popped from the end: first path first
    pool = [_Worker(max_bytes, max_memory) for _ in range(max(1, min(workers, len(pending))))]

    def done(index: int, result: ExtractedDocument) -> None:
        results[index] = result
        if on_done is not None:
            on_done(result)

    def failed(worker: _Worker, why: str) -> ExtractedDocument:
        return _result(worker.path, "", OtherFields(), None, [unreadable(worker.path, why)])

    try:
        while pending or any(w.index is not None for w in pool):
            for n in range(len(pool)):
                if pool[n].index is None and pending:
                    if pool[n].served >= FILES_PER_WORKER or not pool[n].process.is_alive():
                        pool[n].stop()
                        pool[n] = _Worker(max_bytes, max_memory)
                    pool[n].give(*pending.pop(), timeout_s)
            busy = [w for w in pool if w.index is not None]
            nearest = min(w.deadline for w in busy) - time.monotonic()
            # Sleep until a worker answers or dies, or until the nearest deadline: no polling interval.
            wait([c for w in busy for c in (w.conn, w.process.sentinel)], timeout=max(nearest, 0.0))
            for n, worker in enumerate(pool):
                if worker.index is None:
                    continue
                index = worker.index
                if worker.conn.poll():
                    try:
                        result: ExtractedDocument = worker.conn.recv()
                    except (EOFError, OSError):
                        result = failed(worker, "the reader process died (out of memory or crashed)")
                    worker.index = None
                    done(index, result)
                elif not worker.process.is_alive():
                    why = f"the reader process died (exit code {worker.process.exitcode})"
                    worker.stop(kill=True)
                    pool[n] = _Worker(max_bytes, max_memory)
                    done(index, failed(worker, why))
                elif time.monotonic() > worker.deadline:
                    worker.stop(kill=True)
                    pool[n] = _Worker(max_bytes, max_memory)
                    done(
                        index,
                        failed(
                            worker, f"took longer than {timeout_s:g} s to read; refused as possibly hostile"
                        ),
                    )
    finally:
        for worker in pool:
            worker.stop(kill=worker.index is not None)
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
