"""The parts of the browser runtime that need no browser: executable lookup, backoff, names, reports."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from rpa.browser import MissingSelector, PreflightReport, resolve_executable, retry_unavailable
from rpa.browser.downloads import safe_name
from rpa.browser.preflight import ScreenFailure, app_url
from rpa.errors import ConfigError, LegacyUiError, LegacyUiUnavailable
from rpa.settings import BrowserSettings


def test_a_configured_browser_that_does_not_exist_is_refused_with_the_setting_named(tmp_path):
    with pytest.raises(ConfigError) as info:
        resolve_executable(BrowserSettings(executable_path=tmp_path / "no-chrome"))
    assert "browser.executable_path" in info.value.message and "no-chrome" in info.value.message


def test_the_configured_browser_wins_then_the_bundled_one(tmp_path):
    fake = tmp_path / "chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    assert resolve_executable(BrowserSettings(executable_path=fake)) == fake
    assert resolve_executable(BrowserSettings(), bundled=fake) == fake
    fallback = resolve_executable(BrowserSettings(), bundled=tmp_path / "not-downloaded")
    assert fallback != tmp_path / "not-downloaded" and os.access(fallback, os.X_OK)


def test_unavailable_is_retried_with_doubling_capped_delays_then_raised():
    calls, waits = [], []

    def always_down() -> None:
        calls.append(1)
        raise LegacyUiUnavailable("down")

    with pytest.raises(LegacyUiUnavailable) as info:
        retry_unavailable(always_down, attempts=5, initial_s=0.5, max_s=2.0, sleep=waits.append)
    assert len(calls) == 5 and waits == [0.5, 1.0, 2.0, 2.0]
    assert info.value.details["attempts"] == 5


def test_other_errors_are_not_retried():
    calls = []

    def broken_screen() -> None:
        calls.append(1)
        raise LegacyUiError("selector gone")

    with pytest.raises(LegacyUiError):
        retry_unavailable(broken_screen, sleep=lambda _s: None)
    assert calls == [1]


@pytest.mark.parametrize(
    ("suggested", "expected"),
    [
        ("open_items_20260630.csv", "open_items_20260630.csv"),
        ("../../etc/passwd", "passwd"),
        ("C:\\temp\\evil.xlsx", "evil.xlsx"),
        ("..", "download"),
        ("relevé été.csv", "relev_ _t_.csv"),
    ],
)
def test_server_file_names_cannot_escape_the_workdir(suggested, expected):
    assert safe_name(suggested) == expected
    assert Path(safe_name(suggested)).name == safe_name(suggested)


def test_preflight_report_renders_for_people_and_machines():
    report = PreflightReport(
        app_url="http://erp",
        screens_checked=2,
        selectors_checked=5,
        missing=[MissingSelector("invoice list", "next page", "#page-next")],
        failures=[ScreenFailure("exports", "HTTP 500")],
    )
    text = report.render_text()
    assert "1 missing selector(s)" in text and "MISSING  invoice list / next page: #page-next" in text
    assert "FAILED   exports: HTTP 500" in text and "pages.py" in text
    data = json.loads(report.to_json())
    assert data["ok"] is False and data["missing"][0] == {
        "screen": "invoice list",
        "name": "next page",
        "selector": "#page-next",
    }
    assert app_url("http://h/erp/", "/invoices") == "http://h/erp/invoices"
    assert app_url("http://h/erp", "https://other/x") == "https://other/x"
