"""Translation of browser failures into the product's errors, with evidence attached.

Playwright timeouts and errors become ``LegacyUiError`` (page URL, step, selector in the message);
HTTP 5xx, maintenance pages and refused connections become ``LegacyUiUnavailable``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from rpa.browser.evidence import capture_failure
from rpa.browser.session import lane_of
from rpa.errors import ApplicationError, LegacyUiError, LegacyUiUnavailable, RpaError

P = ParamSpec("P")
R = TypeVar("R")

# Network failures that mean "the application is not there", as opposed to "the screen is not as expected".
_UNREACHABLE = re.compile(
    r"ERR_CONNECTION_(REFUSED|RESET|CLOSED|TIMED_OUT)|ERR_EMPTY_RESPONSE|ERR_ADDRESS_UNREACHABLE|"
    r"ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|ECONNREFUSED|ECONNRESET|socket hang up"
)
# Only the title and top headings are read (a table cell saying "maintenance" is data, not a notice),
# and only phrasings of a notice count ("Annual maintenance contracts" is a heading, not a notice).
_MAINTENANCE = re.compile(
    r"\b(under|scheduled|planned|down for|in) maintenance\b|\bmaintenance (in progress|mode|window)\b|"
    r"\ben maintenance\b|temporarily unavailable|service unavailable",
    re.IGNORECASE,
)
_HEADLINE_JS = (
    "() => [document.title, ...[...document.querySelectorAll('h1,h2')].map(e => e.innerText)].join(' | ')"
)


def _url(page: Page) -> str:
    try:
        return page.url
    except PlaywrightError:
        return "(page closed)"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class SessionExpiredError(LegacyUiError):
    """The application shows its login form where a screen was expected: log in again, no evidence needed."""

    code = "LEGACY_SESSION_EXPIRED"


def says_maintenance(page: Page) -> bool:
    """True when the page's title or main headings announce maintenance or unavailability."""
    try:
        return bool(_MAINTENANCE.search(str(page.evaluate(_HEADLINE_JS))))
    except PlaywrightError:
        return False


def check_response(response: Response | None, step: str = "navigate") -> Response | None:
    """Raise LegacyUiUnavailable for an HTTP 5xx answer (503: maintenance); return the response otherwise."""
    if response is not None and response.status >= 500:
        what = (
            "is in maintenance (HTTP 503)" if response.status == 503 else f"answered HTTP {response.status}"
        )
        raise LegacyUiUnavailable(
            f"step {step!r}: {response.url} {what}; the run retries later, nothing to fix in the bot",
            code="LEGACY_UI_MAINTENANCE" if response.status == 503 else "LEGACY_UI_HTTP_5XX",
            details={"url": response.url, "step": step, "status": response.status},
        )
    return response


def translate(exc: BaseException, page: Page, step: str, selector: str | None = None) -> ApplicationError:
    """The product error for a Playwright (or ``expect``) failure inside ``step`` on ``page``."""
    url = _url(page)
    where = f"step {step!r} on {url}" + (f", selector {selector!r}" if selector else "")
    detail = _first_line(exc)
    details = {"url": url, "step": step, "selector": selector, "cause": detail}
    if _UNREACHABLE.search(str(exc)):
        return LegacyUiUnavailable(
            f"{where}: the application cannot be reached ({detail}); the run retries later",
            code="LEGACY_UI_UNREACHABLE",
            details=details,
        )
    if not page.is_closed() and says_maintenance(page):
        return LegacyUiUnavailable(
            f"{where}: the application shows a maintenance page; the run retries later",
            code="LEGACY_UI_MAINTENANCE",
            details=details,
        )
    if isinstance(exc, PlaywrightTimeoutError):
        hint = (
            "the element did not appear in time; check the selector (`rpa preflight`) or browser.timeout_ms"
        )
        return LegacyUiError(
            f"{where}: timed out ({detail}); {hint}", code="LEGACY_UI_TIMEOUT", details=details
        )
    return LegacyUiError(
        f"{where}: {detail}; check the screen against the page object (`rpa preflight`)", details=details
    )


def _attach_evidence(error: RpaError, page: Page, step: str) -> None:
    if "evidence" in error.details:  # an inner step already kept it
        return
    lane = lane_of(page)
    if lane is None or lane.evidence is None:
        return
    refs = capture_failure(
        page,
        step,
        workdir=lane.workdir,
        store=lane.evidence,
        sensitive=lane.sensitive,
        trace=lane.trace,
        screenshot=lane.settings.screenshot_on_failure,
    )
    error.details["evidence"] = [ref.as_dict() for ref in refs]


@contextmanager
def step(page: Page, name: str, selector: str | None = None) -> Iterator[None]:
    """Run a block as a named UI step: failures become LegacyUiError/LegacyUiUnavailable with evidence.

    ``with step(page, "open invoice list", "#invoices"): ...``
    """
    try:
        yield
    except SessionExpiredError:
        raise  # expected now and then; the login flow handles it
    except ApplicationError as exc:
        exc.details.setdefault("url", _url(page))
        exc.details.setdefault("step", name)
        _attach_evidence(exc, page, name)
        raise
    except (PlaywrightError, AssertionError) as exc:
        error = translate(exc, page, name, selector)
        _attach_evidence(error, page, name)
        raise error from exc


class HasPage(Protocol):
    @property
    def page(self) -> Page: ...


S = TypeVar("S", bound=HasPage)


def ui_step(
    name: str, selector: str | None = None
) -> Callable[[Callable[Concatenate[S, P], R]], Callable[Concatenate[S, P], R]]:
    """Decorate a page-object method (an object with ``.page``) so it runs as :func:`step`."""

    def decorate(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
        @functools.wraps(method)
        def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            with step(self.page, name, selector):
                return method(self, *args, **kwargs)

        return wrapper

    return decorate
