"""Find the Chromium to drive: the configured path, Playwright's own, or the system's.

``python -m rpa.browser.locate`` prints the path, or exits 1 when there is none (set-up then installs one).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

SYSTEM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def playwright_chromium() -> Path | None:
    """Playwright's bundled Chromium, when it was downloaded (never the case offline)."""
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            path = Path(pw.chromium.executable_path)
    except Exception:
        return None
    return path if path.exists() else None


def find_chromium(configured: Path | None = None) -> Path | None:
    if configured is not None:
        return configured if configured.exists() else None
    bundled = playwright_chromium()
    if bundled is not None:
        return bundled
    for candidate in SYSTEM_CANDIDATES:
        if Path(candidate).exists():
            return Path(candidate)
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return Path(found) if found else None


def main() -> int:
    path = find_chromium()
    if path is None:
        print("no Chromium found", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
