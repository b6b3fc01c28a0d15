"""Logging in to a legacy application and logging in again when its session has expired.

Secrets leave their ``SecretStr`` only at the moment they are typed, and the lane's trace records
nothing while they are on the page (see ``tracing``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar

import pyotp
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page
from pydantic import SecretStr

from rpa.browser.errors import step
from rpa.browser.evidence import ALWAYS_MASKED
from rpa.browser.session import lane_of
from rpa.errors import ConfigError, CredentialsRefusedError, LegacyUiError, LegacyUiUnavailable
from rpa.settings import LegacyAppSettings

T = TypeVar("T")


class LoginScreen(Protocol):
    """What a page object of a login screen provides (plus, optionally, ``SENSITIVE`` selectors)."""

    def is_login_page(self, page: Page) -> bool:
        """True when ``page`` shows the login form (first visit, or the session has expired)."""
        ...

    def login(self, page: Page, creds: LegacyAppSettings) -> None:
        """Type the credentials (with :func:`fill_secret` / :func:`totp_code`) and submit."""
        ...


def _says_refused(screen: LoginScreen, page: Page) -> bool:
    """Whether the page shows the login form's refusal; screens that cannot tell are taken at their word."""
    says = getattr(screen, "says_refused", None)
    return True if says is None else bool(says(page))


class FormLogin:
    """The common login screen: a user field, a password field, a submit button, recognised by its path.

    ``FormLogin("erp login", "#login-user", "#login-password", "#login-submit")`` is a whole
    :class:`LoginScreen` (with its ``SCREEN`` for preflight); screens with a second factor write their own.
    """

    def __init__(
        self,
        name: str,
        user: str,
        password: str,
        submit: str,
        path: str = "/login",
        refusal: str = "[role=alert]",
    ) -> None:
        from rpa.browser.preflight import Screen  # preflight imports this module

        self.USER, self.PASSWORD, self.SUBMIT, self.path, self.refusal = user, password, submit, path, refusal
        self.SENSITIVE: tuple[str, ...] = (password,)
        self.SCREEN = Screen(name, path, {"user name": user, "password": password, "log in": submit})

    def is_login_page(self, page: Page) -> bool:
        return self.path in page.url

    def login(self, page: Page, creds: LegacyAppSettings) -> None:
        page.locator(self.USER).fill(creds.username)
        fill_secret(page.locator(self.PASSWORD), creds.password)
        page.locator(self.SUBMIT).click()
        page.wait_for_load_state()

    def says_refused(self, page: Page) -> bool:
        """The login form is back with its error message: the application refused the credentials (an
        HTTP 500 page at the login URL is not a refusal)."""
        return page.locator(self.PASSWORD).count() > 0 and page.locator(self.refusal).count() > 0


@contextmanager
def secret_entry(page: Page) -> Iterator[None]:
    """Pause the lane's trace while secrets are typed; wipe any password still on the page afterwards."""
    lane = lane_of(page)
    if lane is None:
        yield
        return
    with lane.trace.paused():
        try:
            yield
        finally:
            _wipe_secrets(page, lane.sensitive)


def _wipe_secrets(page: Page, sensitive: set[str]) -> None:
    # A refused login may leave the form filled; the next traced snapshot would record the values.
    if page.is_closed():
        return
    for frame in page.frames:
        for selector in (*ALWAYS_MASKED, *sensitive):
            try:
                frame.locator(selector).evaluate_all(
                    "els => els.forEach(e => { if ('value' in e) e.value = ''; })"
                )
            except PlaywrightError:
                continue


def fill_secret(field: Locator, secret: SecretStr) -> None:
    """Type a secret into ``field``; call it inside :func:`secret_entry` (``LoginFlow`` does)."""
    field.fill(secret.get_secret_value())


def totp_code(creds: LegacyAppSettings) -> SecretStr:
    """The current RFC 6238 code from the application's TOTP secret."""
    seed = creds.totp_secret.get_secret_value()
    if not seed:
        raise ConfigError(
            f"{creds.url} asks for a one-time code but its totp_secret setting is empty; "
            "set apps.<app>.totp_secret (RPA_APPS__<APP>__TOTP_SECRET)",
            code="TOTP_SECRET_MISSING",
        )
    try:
        return SecretStr(pyotp.TOTP(seed).now())
    except (ValueError, TypeError):  # binascii.Error is a ValueError; `from None` keeps the seed out of logs
        raise ConfigError(
            f"the totp_secret of {creds.url} is not valid base32; copy it again from the app",
            code="TOTP_SECRET_INVALID",
        ) from None


class LoginFlow:
    """Log in when needed and recover from an expired session, at most ``max_relogins`` times per action."""

    def __init__(self, screen: LoginScreen, creds: LegacyAppSettings, *, max_relogins: int = 1) -> None:
        self.screen = screen
        self.creds = creds
        self.max_relogins = max_relogins
        self.logins = 0

    def ensure_logged_in(self, page: Page) -> bool:
        """Log in if ``page`` shows the login form; True when a login happened."""
        if not self.screen.is_login_page(page):
            return False
        lane = lane_of(page)
        if lane is not None:  # e.g. the one-time code: masked on screenshots, wiped before tracing resumes
            lane.declare_sensitive(*getattr(self.screen, "SENSITIVE", ()))
        with step(page, "log in"), secret_entry(page):
            self.screen.login(page, self.creds)
        self.logins += 1
        if self.screen.is_login_page(page) and not _says_refused(self.screen, page):
            raise LegacyUiUnavailable(
                f"login to {self.creds.url} came back without the application saying the credentials were "
                f"refused ({page.url}: an error page, not the login form's message); retried later",
                code="LEGACY_LOGIN_UNAVAILABLE",
                details={"url": page.url, "step": "log in"},
            )
        if self.screen.is_login_page(page):
            raise CredentialsRefusedError(
                f"login to {self.creds.url} as {self.creds.username!r} was refused (still on the login page "
                f"{page.url}); check apps.*.username/password in the settings before the account gets locked",
                code="LEGACY_LOGIN_REFUSED",
                details={"url": page.url, "step": "log in"},
            )
        return True

    def run(self, page: Page, action: Callable[[], T]) -> T:
        """Run ``action``; if it ends on (or times out because of) the login page, log in and run it again.

        The action must start from a known place (navigate first) since it may run twice; a session that
        expired during a form post means the post was refused, so running it again does not duplicate it.
        To fail fast on expiry, wait for "expected screen or login form" (``locator.or_(...)``) in it.
        """
        for attempt in range(self.max_relogins + 1):
            last = attempt == self.max_relogins
            try:
                result = action()
            except LegacyUiError:
                if not last and self.ensure_logged_in(page):
                    continue
                raise
            if not self.screen.is_login_page(page):
                return result
            if last:
                break
            self.ensure_logged_in(page)
        raise LegacyUiError(
            f"{self.creds.url}: the session expired again right after logging in ({self.max_relogins} "
            "re-login(s)); check the application's session settings",
            code="LEGACY_SESSION_LOST",
            details={"url": page.url},
        )


def with_relogin(page: Page, flow: LoginFlow, action: Callable[[], T]) -> T:
    """Run ``action`` and retry it once after a re-login if the session had expired."""
    return flow.run(page, action)
