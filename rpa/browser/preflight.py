"""Preflight: open every screen a bot uses and report each selector that no longer finds anything.

Run before a bot's first run, or after the legacy application was upgraded: a changed layout shows up
here, by screen and selector name, instead of as a timeout in the middle of a run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Protocol

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from rpa.browser.errors import step
from rpa.browser.login import LoginFlow, LoginScreen
from rpa.browser.retry import goto
from rpa.browser.session import BrowserSession
from rpa.errors import ApplicationError, LegacyUiUnavailable
from rpa.settings import LegacyAppSettings

SelectorSpec = str | Callable[[Page], Locator]


@dataclass(frozen=True)
class Screen:
    """A screen of a legacy app: how to reach it and the selectors its page object relies on.

    ``path`` is a path under the application URL, or a function ``(page, app_url)`` that navigates there.

    A selector is a Playwright selector string, or a function returning a Locator (for frames:
    ``lambda page: page.frame_locator("frame[name=main]").locator("#invoices")``).
    """

    name: str
    path: str | Callable[[Page, str], None]
    selectors: Mapping[str, SelectorSpec]


class HasScreens(Protocol):
    SCREENS: ClassVar[Sequence[Screen]]


@dataclass(frozen=True)
class MissingSelector:
    screen: str
    name: str
    selector: str


@dataclass(frozen=True)
class ScreenFailure:
    screen: str
    error: str
    unavailable: bool = False  # the application did not answer (down, HTTP 5xx, maintenance)


@dataclass
class PreflightReport:
    """What was checked and what is missing; ``ok`` when every screen opened and every selector matched."""

    app_url: str
    screens_checked: int = 0
    selectors_checked: int = 0
    missing: list[MissingSelector] = field(default_factory=list)
    failures: list[ScreenFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.failures

    @property
    def unavailable(self) -> bool:
        """The application is down: nothing could be checked, and nothing says the selectors are wrong."""
        return not self.missing and bool(self.failures) and all(f.unavailable for f in self.failures)

    def as_dict(self) -> dict[str, Any]:
        return {
            "app_url": self.app_url,
            "ok": self.ok,
            "unavailable": self.unavailable,
            "screens_checked": self.screens_checked,
            "selectors_checked": self.selectors_checked,
            "missing": [asdict(m) for m in self.missing],
            "failures": [asdict(f) for f in self.failures],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, sort_keys=True)

    def render_text(self) -> str:
        head = (
            f"preflight {self.app_url}: {self.screens_checked} screen(s), {self.selectors_checked} "
            f"selector(s) checked"
        )
        if self.ok:
            return f"{head}: all present"
        if self.unavailable:
            lines = [
                f"preflight {self.app_url}: the application is down or not answering; nothing was checked"
            ]
            lines += [f"  UNAVAILABLE  {f.screen}: {f.error}" for f in self.failures]
            lines.append(
                "Check that the application is up (and the URL in the settings), then run preflight again."
            )
            return "\n".join(lines)
        lines = [
            f"{head}: {len(self.missing)} missing selector(s), {len(self.failures)} screen(s) not opened"
        ]
        lines += [f"  MISSING  {m.screen} / {m.name}: {m.selector}" for m in self.missing]
        lines += [f"  FAILED   {f.screen}: {f.error}" for f in self.failures]
        lines.append("Update the selectors in the bot's pages.py to match the application's current screens.")
        return "\n".join(lines)


def app_url(base: str, path: str) -> str:
    """``path`` under the application's base URL (absolute URLs are kept as they are)."""
    if path.startswith(("http://", "https://")):
        return path
    return base.rstrip("/") + "/" + path.lstrip("/")


def _describe(spec: SelectorSpec, locator: Locator) -> str:
    return spec if isinstance(spec, str) else str(locator).removeprefix("<Locator ").removesuffix(">")


def check_screen(page: Page, screen: Screen, report: PreflightReport) -> None:
    """Count each selector of the (already opened) screen; record the ones that match nothing."""
    for name, spec in screen.selectors.items():
        locator = page.locator(spec) if isinstance(spec, str) else spec(page)
        report.selectors_checked += 1
        try:
            count = locator.count()
        except PlaywrightError as exc:  # a frame that is not there, an invalid selector
            report.missing.append(MissingSelector(screen.name, name, f"{_describe(spec, locator)} ({exc})"))
            continue
        if count == 0:
            report.missing.append(MissingSelector(screen.name, name, _describe(spec, locator)))


def preflight(
    session: BrowserSession,
    page_objects: Sequence[HasScreens],
    creds: LegacyAppSettings,
    *,
    login: LoginScreen | None = None,
    lane: str = "preflight",
) -> PreflightReport:
    """Open every screen in ``page_objects[*].SCREENS`` (logging in first when ``login`` is given)."""
    report = PreflightReport(app_url=creds.url)
    page = session.lane(lane).page
    flow = LoginFlow(login, creds) if login is not None else None
    login_screen: Screen | None = getattr(login, "SCREEN", None)
    if login_screen is not None:
        # The login form first, without logging in: a renamed field is named here rather than
        # surfacing as a timeout inside the login step of every screen below.
        try:
            goto(
                page, app_url(creds.url, str(login_screen.path)), step_name=f"open screen {login_screen.name}"
            )
        except ApplicationError as exc:
            report.failures.append(
                ScreenFailure(login_screen.name, exc.message, isinstance(exc, LegacyUiUnavailable))
            )
            return report
        report.screens_checked += 1
        before = len(report.missing)
        check_screen(page, login_screen, report)
        if len(report.missing) > before:
            return report  # cannot log in with these screens; the other screens cannot be reached
    for page_object in page_objects:
        for screen in page_object.SCREENS:

            def open_screen(screen: Screen = screen) -> None:
                if isinstance(screen.path, str):
                    goto(page, app_url(creds.url, screen.path), step_name=f"open screen {screen.name}")
                else:
                    with step(page, f"open screen {screen.name}"):
                        screen.path(page, creds.url)

            try:
                if flow is not None:
                    flow.run(page, open_screen)
                else:
                    open_screen()
            except ApplicationError as exc:
                report.failures.append(
                    ScreenFailure(screen.name, exc.message, isinstance(exc, LegacyUiUnavailable))
                )
                if exc.details.get("step") == "log in":
                    return report  # the next screens would fail the same login, each after a timeout
                continue
            report.screens_checked += 1
            check_screen(page, screen, report)
    return report
