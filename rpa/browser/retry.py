"""Bounded retries with exponential backoff when a legacy application is briefly unavailable."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from playwright.sync_api import Page, Response

from rpa.browser.errors import check_response, says_maintenance, step
from rpa.errors import LegacyUiUnavailable

T = TypeVar("T")

# Why these numbers: a legacy app server answering 500/503 is most often restarting a worker or shedding
# load for a second or two. 0.5 s doubled three times (0.5 + 1 + 2 = 3.5 s of waiting) rides that out
# while staying far below an item's budget; anything longer is an outage, and the run loop's own retries
# (minutes apart, see RunSettings) take over with evidence of each failure.
DEFAULT_ATTEMPTS = 4
DEFAULT_INITIAL_S = 0.5
DEFAULT_MAX_S = 4.0


def retry_unavailable(
    action: Callable[[], T],
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    initial_s: float = DEFAULT_INITIAL_S,
    max_s: float = DEFAULT_MAX_S,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``action``; on LegacyUiUnavailable wait and run it again, ``attempts`` times in all.

    The last failure is raised with ``details["attempts"]`` set. Other errors are not retried here.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    delay = initial_s
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except LegacyUiUnavailable as exc:
            if attempt == attempts:
                exc.details["attempts"] = attempts
                raise
        sleep(min(delay, max_s))
        delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def goto(
    page: Page,
    url: str,
    *,
    step_name: str | None = None,
    attempts: int = DEFAULT_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> Response | None:
    """Navigate to ``url``, retrying 5xx answers, maintenance pages and unreachable servers with backoff."""
    name = step_name or f"open {url}"

    def once() -> Response | None:
        with step(page, name):
            response = check_response(page.goto(url), name)
            if says_maintenance(page):  # some apps announce maintenance with a 200 page
                raise LegacyUiUnavailable(
                    f"step {name!r}: {page.url} shows a maintenance page; the run retries later",
                    code="LEGACY_UI_MAINTENANCE",
                    details={"url": page.url},
                )
            return response

    return retry_unavailable(once, attempts=attempts, sleep=sleep)
