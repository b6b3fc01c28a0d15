"""The base of a bot's page objects: a page, its login, the screens it covers, the fields never to photograph.

A bot's ``pages.py`` subclasses :class:`PageObject`, lists its ``SCREENS`` (for preflight) and
``SENSITIVE`` selectors (masked on failure screenshots, wiped before tracing resumes), and marks each
intention-revealing method as a read or a post:

- ``@reads("open invoice {number}")``: safe to repeat. When the session has expired (the screen shows the
  login form), the page object logs in again and runs the read once more.
- ``@posts("record payment on {number}")``: a form submission, never replayed here. A session found
  expired before it is submitted is logged in again first; one that expires during it leaves the outcome
  unknown, raised as ``LEGACY_SESSION_LOST_DURING_POST``, so the effect ledger checks the target before
  anything is redone.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import ClassVar, Concatenate, ParamSpec, TypeVar

from playwright.sync_api import Page

from rpa.browser.errors import SessionExpiredError, step
from rpa.browser.login import LoginFlow
from rpa.browser.preflight import Screen
from rpa.browser.retry import goto
from rpa.browser.session import lane_of
from rpa.effects import EffectNotPerformedError
from rpa.errors import LegacyUiError

S = TypeVar("S", bound="PageObject")
P = ParamSpec("P")
R = TypeVar("R")


class PageObject:
    """One legacy screen (or a family of them) seen through a Playwright page, with its login."""

    SCREENS: ClassVar[Sequence[Screen]] = ()
    SENSITIVE: ClassVar[Sequence[str]] = ()

    def __init__(self, page: Page, login: LoginFlow | None = None) -> None:
        self.page = page
        self.login = login
        lane = lane_of(page)
        if lane is not None and self.SENSITIVE:
            lane.declare_sensitive(*self.SENSITIVE)

    def step(self, name: str, selector: str | None = None) -> AbstractContextManager[None]:
        """``with self.step("record payment", "#amount"):`` — see :func:`rpa.browser.errors.step`."""
        return step(self.page, name, selector)

    def on_login_page(self) -> bool:
        return self.login is not None and self.login.screen.is_login_page(self.page)

    def goto(self, url: str) -> None:
        """Open ``url``; raise LEGACY_SESSION_EXPIRED at once if the application shows its login form."""
        goto(self.page, url)
        if self.on_login_page():
            raise SessionExpiredError(f"session expired: {self.page.url} shows the login page")


def _step_name(
    template: str, method: Callable[..., object], args: tuple[object, ...], kwargs: dict[str, object]
) -> str:
    try:
        bound = inspect.signature(method).bind(None, *args, **kwargs)
        return template.format(**{k: v for k, v in bound.arguments.items() if k != "self"})
    except (TypeError, KeyError, IndexError):
        return template


def reads(
    name: str, selector: str | None = None
) -> Callable[[Callable[Concatenate[S, P], R]], Callable[Concatenate[S, P], R]]:
    """A read of the screens, safe to repeat: run as a step, again once after a re-login."""
    return _page_method(name, selector, _read)


def posts(
    name: str, selector: str | None = None
) -> Callable[[Callable[Concatenate[S, P], R]], Callable[Concatenate[S, P], R]]:
    """A form submission: never replayed; a session lost during it makes its outcome unknown."""
    return _page_method(name, selector, _post)


def _page_method(
    name: str, selector: str | None, run: Callable[[PageObject, str, str | None, Callable[[], R]], R]
) -> Callable[[Callable[Concatenate[S, P], R]], Callable[Concatenate[S, P], R]]:
    def decorate(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
        @functools.wraps(method)
        def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            label = _step_name(name, method, args, kwargs)
            return run(self, label, selector, lambda: method(self, *args, **kwargs))

        return wrapper

    return decorate


def _read(po: PageObject, label: str, selector: str | None, call: Callable[[], R]) -> R:
    def action() -> R:
        with step(po.page, label, selector):
            return call()

    return action() if po.login is None else po.login.run(po.page, action)


def _post(po: PageObject, label: str, selector: str | None, call: Callable[[], R]) -> R:
    if po.on_login_page():
        raise EffectNotPerformedError(
            f"step {label!r}: the session had expired before the form was submitted; nothing was "
            "sent, the item is retried after logging in again",
            code="LEGACY_SESSION_EXPIRED",
        )
    try:
        with step(po.page, label, selector):
            return call()
    except LegacyUiError as exc:
        if not po.on_login_page():
            raise
        raise LegacyUiError(
            f"step {label!r}: the session expired while the form was being submitted, so whether the "
            "application took it is unknown; it is checked in the application before any retry",
            code="LEGACY_SESSION_LOST_DURING_POST",
            details=exc.details,
        ) from exc
