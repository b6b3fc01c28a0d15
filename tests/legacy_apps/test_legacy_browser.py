"""A real Chromium drives the ERP frames by labels and roles; the confirm dialog guards the payment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from legacy_apps.testing import RunningServer

CHROMIUM = Path(os.environ.get("RPA_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


@pytest.fixture
def page(server: RunningServer) -> Iterator[Page]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set RPA_CHROMIUM)")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


@pytest.mark.browser
def test_a_payment_is_recorded_through_the_frames_only_when_confirmed(
    page: Page, server: RunningServer
) -> None:
    page.goto(f"{server.erp_url}/")
    page.get_by_label("User name").fill(server.erp_user)
    page.get_by_label("Password").fill(server.erp_password)
    page.get_by_role("button", name="Log in").click()
    main = page.frame_locator("frame[name=main]")
    page.frame_locator("frame[name=menu]").get_by_role("link", name="Invoices").click()
    main.get_by_label("Invoice number").fill("INV-2026-00010")
    main.get_by_role("button", name="Search").click()
    main.get_by_role("link", name="INV-2026-00010").click()
    main.get_by_label("Amount", exact=True).fill("10,00")
    main.get_by_label("Payment date").fill("01/11/2026")
    main.get_by_label("Bank reference").fill("BQ-BROWSER")

    page.once("dialog", lambda dialog: dialog.dismiss())
    main.get_by_role("button", name="Record payment").click()
    assert server.erp_payments() == []

    messages: list[str] = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    main.get_by_role("button", name="Record payment").click()
    expect(main.get_by_role("status")).to_have_text("Payment PAY-000001 recorded.")
    assert "INV-2026-00010" in messages[0]
    assert [p["bank_reference"] for p in server.erp_payments()] == ["BQ-BROWSER"]
