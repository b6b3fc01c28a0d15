"""A lane's Playwright trace: restarted per item, suspended while secrets are typed, saved on failure.

Playwright records every action's arguments, the DOM (input values included) and the network log (request
bodies included) for as long as tracing runs; chunks share that network log. The only way to keep a
password or a one-time code out of the file is to stop tracing while it is on the page and start a new
trace after: :meth:`TraceRecorder.paused` does that.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import BrowserContext


class TraceRecorder:
    """Tracing of one browser context; every method is a no-op when tracing is off."""

    def __init__(self, context: BrowserContext, enabled: bool, title: str) -> None:
        self._context = context
        self.enabled = enabled
        self._title = title
        self._recording = False
        if enabled:
            self._start()

    @property
    def recording(self) -> bool:
        return self._recording

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Record nothing inside the block (secret entry). What was recorded before it is discarded."""
        was_recording = self._recording
        if was_recording:
            self._stop(None)
        try:
            yield
        finally:
            if was_recording:
                self._start()

    def restart(self) -> None:
        """Drop what was recorded so far and start afresh (at the start of a work item)."""
        if self._recording:
            self._stop(None)
            self._start()

    def save(self, path: Path) -> Path | None:
        """Write what was recorded since the last restart/pause to ``path`` and start afresh."""
        if not self._recording:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        self._stop(path)
        self._start()
        return path if path.exists() else None

    def close(self) -> None:
        if self._recording:
            self._stop(None)

    def _stop(self, path: Path | None) -> None:
        self._recording = False
        self._context.tracing.stop(path=path)

    def _start(self) -> None:
        # Screenshots and DOM snapshots make a failing step replayable in `playwright show-trace`.
        self._context.tracing.start(title=self._title, screenshots=True, snapshots=True, sources=False)
        self._recording = True
