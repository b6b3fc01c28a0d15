"""Finding and starting Chromium: the configured binary, else Playwright's own, else Debian's."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.sync_api import Browser, Playwright

from rpa.errors import ConfigError
from rpa.settings import BrowserSettings

SYSTEM_CHROMIUM = Path("/usr/bin/chromium")

INSTALL_HINT = (
    "install one: `apt-get install chromium` (Debian/Ubuntu), or `playwright install chromium` where the "
    "internet is reachable, or point browser.executable_path (RPA_BROWSER__EXECUTABLE_PATH) at a Chromium "
    "binary"
)


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def resolve_executable(settings: BrowserSettings, bundled: Path | None = None) -> Path:
    """The Chromium binary to start.

    Order: ``settings.executable_path``; else ``bundled`` (Playwright's own Chromium) when it is installed;
    else the system Chromium. Raises ConfigError saying what to install when none is usable.
    """
    if settings.executable_path is not None:
        configured = settings.executable_path.expanduser()
        if not _is_executable(configured):
            raise ConfigError(
                f"browser.executable_path = {str(configured)!r} is not an executable file; fix the setting, "
                f"or leave it empty to use Playwright's Chromium or {SYSTEM_CHROMIUM}",
                code="BROWSER_NOT_FOUND",
            )
        return configured
    if bundled is not None and _is_executable(bundled):
        return bundled
    for candidate in (SYSTEM_CHROMIUM, shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate is not None and _is_executable(Path(candidate)):
            return Path(candidate)
    raise ConfigError(f"no Chromium found; {INSTALL_HINT}", code="BROWSER_NOT_FOUND")


def bundled_chromium(playwright: Playwright) -> Path | None:
    """Where Playwright would keep its own Chromium (it may well not be downloaded)."""
    try:
        return Path(playwright.chromium.executable_path)
    except Exception:
        return None


def launch_browser(playwright: Playwright, settings: BrowserSettings) -> Browser:
    """Start one headless Chromium with the configured flags.

    Playwright gives every launched browser a fresh temporary profile, removed when it closes, so no
    cookie, cache or saved password survives from one run to the next.
    """
    executable = resolve_executable(settings, bundled_chromium(playwright))
    try:
        return playwright.chromium.launch(
            executable_path=str(executable),
            headless=settings.headless,
            args=list(settings.extra_args),
            timeout=settings.navigation_timeout_ms,
        )
    except Exception as exc:
        raise ConfigError(
            f"Chromium at {executable} could not start: {str(exc).splitlines()[0]}; check that it runs "
            f"(`{executable} --headless --no-sandbox --version`) or {INSTALL_HINT}",
            code="BROWSER_LAUNCH_FAILED",
        ) from exc
