"""Finding a frame of an old frameset screen by its name or by part of its URL."""

from __future__ import annotations

import time

from playwright.sync_api import Frame, Page

from rpa.errors import LegacyUiError

# Frames attach while the frameset loads; checking every 50 ms finds them quickly without busy-waiting.
_POLL_MS = 50


def _matches(frame: Frame, name: str | None, url_contains: str | None) -> bool:
    return (name is None or frame.name == name) and (url_contains is None or url_contains in frame.url)


def find_frame(
    page: Page, *, name: str | None = None, url_contains: str | None = None, timeout_ms: float = 5_000
) -> Frame:
    """The first frame of ``page`` with that ``name`` and/or URL part, waiting up to ``timeout_ms``.

    Raises LegacyUiError listing the frames that are there when none matches.
    """
    if name is None and url_contains is None:
        raise ValueError("find_frame needs a name or a url_contains")
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        for frame in page.frames:
            if _matches(frame, name, url_contains):
                return frame
        if time.monotonic() >= deadline:
            break
        page.wait_for_timeout(_POLL_MS)
    present = ", ".join(f"{f.name or '(unnamed)'} <{f.url}>" for f in page.frames)
    wanted = " and ".join(
        p
        for p in (
            f"name {name!r}" if name else "",
            f"URL containing {url_contains!r}" if url_contains else "",
        )
        if p
    )
    raise LegacyUiError(
        f"no frame with {wanted} on {page.url} after {timeout_ms:.0f} ms; frames present: {present}",
        code="LEGACY_UI_FRAME_MISSING",
        details={"url": page.url, "frame": name or url_contains},
    )


def frame_path(page: Page, *names: str, timeout_ms: float = 5_000) -> Frame:
    """A nested frame reached through frame names, e.g. ``frame_path(page, "main", "content")``."""
    if not names:
        return page.main_frame
    frame = find_frame(page, name=names[0], timeout_ms=timeout_ms)
    for name in names[1:]:
        deadline = time.monotonic() + timeout_ms / 1000
        child = next((c for c in frame.child_frames if c.name == name), None)
        while child is None and time.monotonic() < deadline:
            page.wait_for_timeout(_POLL_MS)
            child = next((c for c in frame.child_frames if c.name == name), None)
        if child is None:
            raise LegacyUiError(
                f"no frame {name!r} inside frame {frame.name!r} on {page.url}",
                code="LEGACY_UI_FRAME_MISSING",
                details={"url": page.url, "frame": name},
            )
        frame = child
    return frame
