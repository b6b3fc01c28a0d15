"""The browser of one worker thread and its lanes (one BrowserContext each).

Playwright's sync API belongs to the thread that started it: a BrowserSession and every lane it hands out
must be used from that thread only, and both check it. Work in parallel by giving each worker thread its
own session. (Two Playwright connections sharing one Chromium over CDP each see the other's pages and
answer the other's dialogs, which could dismiss a confirm() meant to post a payment; so no sharing.)
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import weakref
from pathlib import Path
from types import TracebackType
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from rpa.audit.evidence import EvidenceStore
from rpa.browser.launch import launch_browser
from rpa.browser.tracing import TraceRecorder
from rpa.settings import BrowserSettings

# Which lane a page belongs to, so a failing step can find where to keep its evidence.
_LANES: weakref.WeakKeyDictionary[BrowserContext, Lane] = weakref.WeakKeyDictionary()


TEMP_DIR = "tmp"  # under the workdir; the runner sweeps the ones finished runs left (rpa.runner)
MAX_TEMP_PATH = 60  # Chromium's socket files go below it, within the 107 bytes a socket path may have


class BrowserThreadError(RuntimeError):
    """A browser object was used from a thread other than the one that created it."""


def _check_thread(owner: int, what: str) -> None:
    if threading.get_ident() != owner:
        raise BrowserThreadError(
            f"{what} was created in thread {owner} and used from thread {threading.get_ident()}; "
            "Playwright's sync API is bound to one thread: open one BrowserSession per worker thread"
        )


class Lane:
    """One worker lane: an isolated BrowserContext (own cookies, own login) with its page and trace."""

    def __init__(
        self,
        name: str,
        context: BrowserContext,
        settings: BrowserSettings,
        workdir: Path,
        evidence: EvidenceStore | None,
    ) -> None:
        self.name = name
        self.settings = settings
        self.workdir = workdir
        self.evidence = evidence
        self.sensitive: set[str] = set()
        self._owner = threading.get_ident()
        self._context = context
        self._page: Page | None = None
        self.trace = TraceRecorder(context, enabled=settings.trace_on_failure, title=f"lane {name}")
        _LANES[context] = self

    @property
    def context(self) -> BrowserContext:
        _check_thread(self._owner, f"lane {self.name!r}")
        return self._context

    @property
    def page(self) -> Page:
        """The lane's page, opened on first use (reopened if it was closed)."""
        _check_thread(self._owner, f"lane {self.name!r}")
        if self._page is None or self._page.is_closed():
            self._page = self._context.new_page()
        return self._page

    def declare_sensitive(self, *selectors: str) -> None:
        """Fields masked on every failure screenshot of this lane (TOTP code, IBAN, ...)."""
        self.sensitive.update(selectors)

    def close(self) -> None:
        _check_thread(self._owner, f"lane {self.name!r}")
        self.trace.close()
        self._context.close()


def lane_of(page: Page) -> Lane | None:
    """The lane a page belongs to, or None for a page opened outside a BrowserSession."""
    return _LANES.get(page.context)


class BrowserSession:
    """One Playwright driver and one Chromium, owned by the thread that enters it.

    ``with BrowserSession(settings.browser, workdir=run_dir, evidence=store) as session:``
    ``page = session.lane("main").page``
    """

    def __init__(
        self, settings: BrowserSettings, *, workdir: Path, evidence: EvidenceStore | None = None
    ) -> None:
        self.settings = settings
        self.workdir = workdir
        self.evidence = evidence
        self._owner: int | None = None
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._lanes: dict[str, Lane] = {}

    def __enter__(self) -> BrowserSession:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def start(self) -> None:
        self._owner = threading.get_ident()
        # The browser's profile and artifacts go under the run's workdir, not the machine's /tmp: a killed
        # run cannot remove them, and the next run sweeps the folders of finished runs. Chromium puts its
        # sockets there too, and a socket path is limited to 107 bytes: a deep workdir keeps the default.
        temp = (self.workdir / TEMP_DIR).resolve()
        previous = os.environ.get("TMPDIR")
        if len(str(temp)) <= MAX_TEMP_PATH:
            temp.mkdir(parents=True, exist_ok=True)
            os.environ["TMPDIR"] = str(temp)  # read by the Playwright driver when it starts, and by Chromium
        try:
            self._playwright = sync_playwright().start()
        finally:
            if previous is None:
                os.environ.pop("TMPDIR", None)
            else:
                os.environ["TMPDIR"] = previous
        try:
            self._browser = launch_browser(self._playwright, self.settings)
        except BaseException:
            self._playwright.stop()
            self._playwright = None
            raise

    @property
    def browser(self) -> Browser:
        if self._browser is None or self._owner is None:
            raise RuntimeError(
                "BrowserSession is not started: use it as `with BrowserSession(...) as session`"
            )
        _check_thread(self._owner, "this BrowserSession")
        return self._browser

    def lane(self, name: str) -> Lane:
        """The lane called ``name``, created on first request with the configured timeouts."""
        browser = self.browser
        if name in self._lanes:
            return self._lanes[name]
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
            raise ValueError(f"lane name {name!r}: use 1-64 letters, digits, '.', '_' or '-'")
        context = browser.new_context(accept_downloads=True)
        context.set_default_timeout(self.settings.timeout_ms)
        context.set_default_navigation_timeout(self.settings.navigation_timeout_ms)
        lane = Lane(name, context, self.settings, self.workdir / "browser" / name, self.evidence)
        self._lanes[name] = lane
        return lane

    def close_lane(self, name: str) -> None:
        lane = self._lanes.pop(name, None)
        if lane is not None:
            with contextlib.suppress(PlaywrightError):  # a crashed browser has nothing left to close
                lane.close()

    def close(self) -> None:
        if self._owner is not None:
            _check_thread(self._owner, "this BrowserSession")
        for name in list(self._lanes):
            self.close_lane(name)
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None


def run_browser_edges(settings: BrowserSettings) -> dict[str, Any]:
    """The ``RunEnvironment`` edges of a run that uses the browser: one session per worker thread,
    opened on first use with the run's workdir and evidence store, closed by that thread."""

    def open_session(workdir: Path, evidence: EvidenceStore) -> BrowserSession:
        session = BrowserSession(settings, workdir=workdir, evidence=evidence)
        session.start()
        return session

    return {"browser_factory": open_session, "browser_close": BrowserSession.close}
