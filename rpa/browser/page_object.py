"""The base of a bot's page objects: a page, the screens it covers, the fields never to photograph.

A bot's ``pages.py`` subclasses :class:`PageObject`, lists its ``SCREENS`` (for preflight) and
``SENSITIVE`` selectors (masked on failure screenshots, wiped before tracing resumes), and wraps each
intention-revealing method in ``self.step(...)`` or ``@ui_step(...)`` so failures carry evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import ClassVar

from playwright.sync_api import Page

from rpa.browser.errors import step
from rpa.browser.preflight import Screen
from rpa.browser.session import lane_of


class PageObject:
    """One legacy screen (or a family of them) seen through a Playwright page."""

    SCREENS: ClassVar[Sequence[Screen]] = ()
    SENSITIVE: ClassVar[Sequence[str]] = ()

    def __init__(self, page: Page) -> None:
        self.page = page
        lane = lane_of(page)
        if lane is not None and self.SENSITIVE:
            lane.declare_sensitive(*self.SENSITIVE)

    def step(self, name: str, selector: str | None = None) -> AbstractContextManager[None]:
        """``with self.step("record payment", "#amount"):`` — see :func:`rpa.browser.errors.step`."""
        return step(self.page, name, selector)
