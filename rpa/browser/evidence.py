"""Evidence of a failed step: a screenshot (sensitive fields masked) and the lane's trace, stored by hash."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from rpa.audit.evidence import EvidenceStore
from rpa.browser.tracing import TraceRecorder

# Always hidden, whatever the page object declares.
ALWAYS_MASKED = ("input[type=password]",)
# A failing page may be half-dead: the screenshot gets a short budget of its own, not the step's timeout.
_SCREENSHOT_TIMEOUT_MS = 5_000


@dataclass(frozen=True)
class EvidenceRef:
    """One stored evidence file, as recorded in an audit event."""

    kind: Literal["screenshot", "trace"]
    sha256: str
    path: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "sha256": self.sha256, "path": self.path}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:60] or "step"


def mask_locators(page: Page, sensitive: Iterable[str]) -> list[Locator]:
    """Locators of every password field and declared sensitive field, in every frame of the page."""
    selectors = [*ALWAYS_MASKED, *sorted(set(sensitive))]
    return [frame.locator(selector) for frame in page.frames for selector in selectors]


def capture_failure(
    page: Page,
    step: str,
    *,
    workdir: Path,
    store: EvidenceStore,
    sensitive: Iterable[str] = (),
    trace: TraceRecorder | None = None,
    screenshot: bool = True,
) -> list[EvidenceRef]:
    """Save a masked screenshot and the trace into ``workdir``, store both, return their references.

    Best effort: a page that cannot be photographed any more yields fewer references, never a new error
    that would hide the one being reported.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    base = workdir / "evidence" / f"{stamp}-{_slug(step)}"
    refs: list[EvidenceRef] = []
    if screenshot and not page.is_closed():
        shot = base.with_suffix(".png")
        shot.parent.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(
                path=shot,
                full_page=True,
                mask=mask_locators(page, sensitive),
                mask_color="#000000",
                timeout=_SCREENSHOT_TIMEOUT_MS,
            )
        except PlaywrightError:
            pass
        else:
            digest = store.put_file(shot)
            refs.append(EvidenceRef("screenshot", digest, str(store.path_for(digest, ".png"))))
    if trace is not None and trace.recording:
        try:
            saved = trace.save(base.with_suffix(".trace.zip"))
        except PlaywrightError:
            saved = None
        if saved is not None:
            digest = store.put_file(saved)
            refs.append(EvidenceRef("trace", digest, str(store.path_for(digest, saved.suffix))))
    return refs
