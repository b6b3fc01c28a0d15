"""The browser runtime: Chromium sessions and lanes, login, downloads, frames, retries, evidence, preflight.

Playwright is imported here and in the bots' ``pages.py`` only.
"""

from rpa.browser.dialogs import accept_dialog
from rpa.browser.downloads import DownloadedFile, download, fetch
from rpa.browser.errors import check_response, step, translate, ui_step
from rpa.browser.evidence import EvidenceRef, capture_failure
from rpa.browser.frames import find_frame, frame_path
from rpa.browser.launch import launch_browser, resolve_executable
from rpa.browser.login import LoginFlow, LoginScreen, fill_secret, secret_entry, totp_code, with_relogin
from rpa.browser.page_object import PageObject
from rpa.browser.preflight import MissingSelector, PreflightReport, Screen, preflight
from rpa.browser.retry import goto, retry_unavailable
from rpa.browser.session import BrowserSession, BrowserThreadError, Lane, lane_of

__all__ = [
    "BrowserSession",
    "BrowserThreadError",
    "DownloadedFile",
    "EvidenceRef",
    "Lane",
    "LoginFlow",
    "LoginScreen",
    "MissingSelector",
    "PageObject",
    "PreflightReport",
    "Screen",
    "accept_dialog",
    "capture_failure",
    "check_response",
    "download",
    "fetch",
    "fill_secret",
    "find_frame",
    "frame_path",
    "goto",
    "lane_of",
    "launch_browser",
    "preflight",
    "resolve_executable",
    "retry_unavailable",
    "secret_entry",
    "step",
    "totp_code",
    "translate",
    "ui_step",
    "with_relogin",
]
