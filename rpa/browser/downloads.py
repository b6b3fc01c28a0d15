"""Files a legacy screen hands out: saved into the run's workdir and hashed into the evidence store."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from rpa.audit.evidence import EvidenceStore
from rpa.browser.errors import SessionExpiredError
from rpa.errors import LegacyUiError, LegacyUiUnavailable


@dataclass(frozen=True)
class DownloadedFile:
    """A downloaded file: its place in the workdir, its sha256 (the evidence key), the server's name."""

    path: Path
    sha256: str
    suggested_name: str
    size: int


def safe_name(suggested: str, fallback: str = "download") -> str:
    """The server's file name without directories or odd characters (it comes from outside)."""
    name = re.sub(r"[^A-Za-z0-9._ -]+", "_", suggested.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return name[:120] or fallback


def _free_path(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    stem, suffix, n = target.stem, target.suffix, 1
    while target.exists():
        n += 1
        target = folder / f"{stem}-{n}{suffix}"
    return target


def _keep(path: Path, suggested: str, evidence: EvidenceStore) -> DownloadedFile:
    digest = evidence.put_file(path)
    if hashlib.sha256(path.read_bytes()).hexdigest() != digest:  # pragma: no cover - disk trouble only
        raise LegacyUiError(f"{path}: changed while being stored as evidence", code="DOWNLOAD_UNSTABLE")
    return DownloadedFile(path=path, sha256=digest, suggested_name=suggested, size=path.stat().st_size)


def download(
    page: Page,
    trigger: Callable[[], None],
    workdir: Path,
    evidence: EvidenceStore,
    *,
    timeout_ms: float | None = None,
) -> DownloadedFile:
    """Run ``trigger`` (e.g. click "Export"), wait for the download it starts, keep the file.

    Raises LegacyUiError when no download starts or it fails (step, page URL and cause in the message).
    """
    try:
        with page.expect_download(timeout=timeout_ms) as info:
            trigger()
        dl = info.value
        failure = dl.failure()
        if failure:
            raise LegacyUiError(
                f"download from {dl.url} failed: {failure}", code="DOWNLOAD_FAILED", details={"url": dl.url}
            )
        suggested = dl.suggested_filename
        target = _free_path(workdir / "downloads", safe_name(suggested))
        dl.save_as(target)
    except PlaywrightError as exc:
        raise LegacyUiError(
            f"no download arrived from {page.url}: {str(exc).splitlines()[0]}; check the export button "
            "in the page object",
            code="DOWNLOAD_FAILED",
            details={"url": page.url},
        ) from exc
    return _keep(target, suggested, evidence)


def fetch(
    page: Page,
    url: str,
    workdir: Path,
    evidence: EvidenceStore,
    *,
    name: str | None = None,
    timeout_ms: float | None = None,
    follow_redirects: bool = True,
) -> DownloadedFile:
    """GET ``url`` with the page's session cookies (no click needed) and keep the body as a file.

    Raises LegacyUiUnavailable on HTTP 5xx or an unreachable server, LegacyUiError on other refusals.
    With ``follow_redirects=False`` a redirect (the usual answer to a request whose session has expired)
    raises SessionExpiredError instead of saving the login page as the file.
    """
    try:
        response = page.context.request.get(
            url, timeout=timeout_ms, max_redirects=None if follow_redirects else 0
        )
    except PlaywrightError as exc:
        raise LegacyUiUnavailable(
            f"{url} cannot be reached: {str(exc).splitlines()[0]}",
            code="LEGACY_UI_UNREACHABLE",
            details={"url": url},
        ) from exc
    try:
        if response.status >= 500:
            raise LegacyUiUnavailable(
                f"{url} answered HTTP {response.status}; the run retries later",
                code="LEGACY_UI_HTTP_5XX",
                details={"url": url, "status": response.status},
            )
        if not follow_redirects and 300 <= response.status < 400:
            raise SessionExpiredError(
                f"{url} redirected to {response.headers.get('location', '?')} instead of sending the file: "
                "the session has expired",
                details={"url": url, "status": response.status},
            )
        if not response.ok:
            raise LegacyUiError(
                f"{url} answered HTTP {response.status}: is the session still valid and the URL right?",
                code="DOWNLOAD_FAILED",
                details={"url": url, "status": response.status},
            )
        body = response.body()
        suggested = name or _disposition_name(response.headers.get("content-disposition", "")) or url
    finally:
        response.dispose()
    target = _free_path(workdir / "downloads", safe_name(suggested.split("?", 1)[0]))
    target.write_bytes(body)
    return _keep(target, suggested, evidence)


def _disposition_name(header: str) -> str | None:
    match = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)\"?", header, re.IGNORECASE)
    return match.group(1) if match else None
