"""The browser runtime end to end: real Chromium against the simulated ERP and bank portal."""

from __future__ import annotations

import io
import socket
import threading
import zipfile
from decimal import Decimal

import httpx
import openpyxl
import pytest
from PIL import Image

from rpa.browser import BrowserThreadError, LoginFlow, fetch, find_frame, goto, preflight, step, with_relogin
from rpa.errors import LegacyUiError, LegacyUiUnavailable

from .legacy_pages import BankLogin, BankStatements, ErpExports, ErpInvoice, ErpInvoices, ErpLogin

pytestmark = pytest.mark.browser


def open_invoice_numbers(server) -> list[str]:
    rows = httpx.get(f"{server.base_url}/_admin/erp/invoices", timeout=10).json()["invoices"]
    return [r["number"] for r in rows if Decimal(r["open_amount"]) > 0]


def erp_logged_in(lane, erp) -> LoginFlow:
    flow = LoginFlow(ErpLogin(), erp)
    goto(lane.page, f"{erp.url}/home")
    assert flow.ensure_logged_in(lane.page)
    return flow


def test_bank_login_with_password_and_totp(lane, bank):
    flow = LoginFlow(BankLogin(), bank)
    goto(lane.page, f"{bank.url}/account")
    assert flow.ensure_logged_in(lane.page)
    assert lane.page.url.endswith("/bank/account")
    assert lane.page.locator("#account-balance").count() == 1
    assert not flow.ensure_logged_in(lane.page)  # already in: nothing to do


def test_bank_login_with_a_wrong_password_is_refused_by_name(lane, bank):
    wrong = bank.model_copy(update={"password": type(bank.password)("not-the-password")})
    goto(lane.page, f"{bank.url}/login")
    with pytest.raises(LegacyUiError) as info:
        LoginFlow(BankLogin(), wrong).ensure_logged_in(lane.page)
    assert info.value.code == "LEGACY_LOGIN_REFUSED"
    assert "username/password" in info.value.message and "not-the-password" not in info.value.message


def test_pagination_walks_the_whole_invoice_list(lane, erp, server):
    erp_logged_in(lane, erp)
    numbers = ErpInvoices(lane.page, erp.url).all_numbers()
    expected = [r["number"] for r in httpx.get(f"{server.base_url}/_admin/erp/invoices").json()["invoices"]]
    assert len(numbers) == len(expected) > 20 * 10
    assert sorted(numbers) == sorted(expected)


def test_open_items_export_is_downloaded_and_hashed_into_evidence(lane, erp, evidence, session):
    erp_logged_in(lane, erp)
    exports = ErpExports(lane.page, erp.url)
    csv = exports.open_items(session.workdir, evidence, "csv")
    assert csv.suggested_name.startswith("open_items_") and csv.path.suffix == ".csv"
    assert csv.path.is_relative_to(session.workdir)
    assert evidence.find(csv.sha256).read_bytes() == csv.path.read_bytes()
    xlsx = exports.open_items(session.workdir, evidence, "xlsx")
    assert openpyxl.load_workbook(xlsx.path, read_only=True).active.max_row > 1
    # The same file fetched through the context's request API (session cookies, no click) hashes the same.
    again = fetch(lane.page, f"{erp.url}/export/open-items.csv", session.workdir, evidence)
    assert again.sha256 == csv.sha256 and again.suggested_name == csv.suggested_name


def test_recording_a_payment_through_the_confirm_dialog(lane, erp, server):
    erp_logged_in(lane, erp)
    number = open_invoice_numbers(server)[0]
    invoice = ErpInvoice(lane.page, erp.url)
    day = ErpInvoices(lane.page, erp.url).accounting_date()
    invoice.record_payment(number, Decimal("10.00"), day, "RPA-TEST-0001")
    assert "RPA-TEST-0001" in invoice.payment_references()
    posted = [p for p in server.erp_payments() if p["bank_reference"] == "RPA-TEST-0001"]
    assert (
        len(posted) == 1
        and posted[0]["invoice"] == number
        and Decimal(posted[0]["amount"]) == Decimal("10.00")
    )


def test_session_expiry_mid_flow_is_recovered_by_logging_in_again(lane, erp, server):
    flow = erp_logged_in(lane, erp)
    first, second = open_invoice_numbers(server)[1:3]
    invoice = ErpInvoice(lane.page, erp.url)
    day = ErpInvoices(lane.page, erp.url).accounting_date()
    with_relogin(lane.page, flow, lambda: invoice.record_payment(first, Decimal("1.00"), day, "RPA-EXP-1"))
    server.set_faults(expire_sessions=True)
    with_relogin(lane.page, flow, lambda: invoice.record_payment(second, Decimal("2.00"), day, "RPA-EXP-2"))
    assert flow.logins == 2
    refs = [p["bank_reference"] for p in server.erp_payments()]
    assert refs.count("RPA-EXP-1") == 1 and refs.count("RPA-EXP-2") == 1


def test_a_500_page_is_retried_then_succeeds(lane, erp, server):
    erp_logged_in(lane, erp)
    server.set_faults(error_rate=1.0)
    waits: list[float] = []

    def wait_and_heal(seconds: float) -> None:
        waits.append(seconds)
        server.set_faults(error_rate=0.0)  # the application recovers while the bot waits

    response = goto(lane.page, f"{erp.url}/invoices", sleep=wait_and_heal)
    assert response.status == 200 and waits == [0.5]
    assert lane.page.locator("#invoices-table").count() == 1


def test_maintenance_and_a_dead_server_are_reported_as_unavailable(lane, erp, server):
    server.set_faults(maintenance=True)
    with pytest.raises(LegacyUiUnavailable) as info:
        goto(lane.page, f"{erp.url}/login", attempts=2, sleep=lambda _s: None)
    assert info.value.code == "LEGACY_UI_MAINTENANCE" and info.value.details["attempts"] == 2
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(LegacyUiUnavailable) as info:
        goto(lane.page, f"http://127.0.0.1:{port}/erp/login", attempts=1)
    assert info.value.code == "LEGACY_UI_UNREACHABLE"


def test_a_changed_layout_is_reported_by_preflight(session, erp, server):
    server.set_faults(changed_layout=True)
    report = preflight(
        session, [ErpInvoices, ErpInvoice, ErpExports], erp, login=ErpLogin(), lane="preflight-a"
    )
    session.close_lane("preflight-a")
    missing = {(m.screen, m.name, m.selector) for m in report.missing}
    assert ("invoice list", "invoice table", "#invoices-table") in missing
    assert ("invoice", "record button", "#pay-submit") in missing
    assert ("exports", "open items CSV", "#export-csv") not in missing  # that screen did not change
    assert not report.ok and report.as_dict()["missing"]
    assert "MISSING  invoice list / invoice table: #invoices-table" in report.render_text()


def test_preflight_of_the_current_layout_is_clean(session, erp):
    report = preflight(
        session, [ErpInvoices, ErpInvoice, ErpExports], erp, login=ErpLogin(), lane="preflight-b"
    )
    session.close_lane("preflight-b")
    assert report.ok, report.render_text()
    assert report.screens_checked == 4 and report.selectors_checked == 12


def test_a_failure_leaves_a_masked_screenshot_and_a_trace_without_secrets(lane, bank, erp, evidence, server):
    erp_logged_in(lane, erp)  # the ERP password was typed in this lane too
    flow = LoginFlow(BankLogin(), bank)
    goto(lane.page, f"{bank.url}/account")
    flow.ensure_logged_in(lane.page)
    BankStatements(lane.page)  # declares the IBAN cell sensitive for this lane
    iban_box = lane.page.locator("#account-iban").bounding_box()
    with pytest.raises(LegacyUiError) as info, step(lane.page, "open statement list", "#statements-grid"):
        lane.page.locator("#statements-grid").click(timeout=500)
    refs = {ref["kind"]: ref for ref in info.value.details["evidence"]}
    assert set(refs) == {"screenshot", "trace"}
    shot = Image.open(io.BytesIO(evidence.find(refs["screenshot"]["sha256"]).read_bytes())).convert("RGB")
    centre = (int(iban_box["x"] + iban_box["width"] / 2), int(iban_box["y"] + iban_box["height"] / 2))
    assert shot.getpixel(centre) == (0, 0, 0)  # painted over
    with zipfile.ZipFile(evidence.find(refs["trace"]["sha256"])) as trace:
        blob = b"".join(trace.read(name) for name in trace.namelist())
    assert b"statements-grid" in blob and b"/bank/account" in blob  # the trace shows the failing step...
    for secret in (server.bank_password, server.erp_password, server.bank_totp_secret):
        assert secret.encode() not in blob  # ...and none of the secrets typed in this lane
    assert f'"{server.totp_now()}"'.encode() not in blob


def test_errors_name_the_page_the_step_and_the_selector(lane, erp):
    goto(lane.page, f"{erp.url}/login")
    with pytest.raises(LegacyUiError) as info, step(lane.page, "open client dossier", "#dossier-42"):
        lane.page.locator("#dossier-42").click(timeout=300)
    err = info.value
    assert err.code == "LEGACY_UI_TIMEOUT"
    assert f"on {erp.url}/login" in err.message and "'open client dossier'" in err.message
    assert "'#dossier-42'" in err.message
    assert err.details["selector"] == "#dossier-42" and err.__cause__ is not None


def test_frames_of_the_erp_are_found_by_name_and_url(lane, erp):
    erp_logged_in(lane, erp)
    goto(lane.page, f"{erp.url}/")
    find_frame(lane.page, name="menu").get_by_role("link", name="Invoices").click()
    main = find_frame(lane.page, name="main")
    main.locator("#invoices-table").wait_for()
    assert find_frame(lane.page, url_contains="/erp/invoices") == main
    with pytest.raises(LegacyUiError, match=r"frames present: .*menu"):
        find_frame(lane.page, name="sidebar", timeout_ms=200)


def test_a_lane_refuses_to_be_used_from_another_thread(lane):
    caught: list[BaseException] = []

    def use() -> None:
        try:
            lane.page.goto("about:blank")
        except BaseException as exc:
            caught.append(exc)

    worker = threading.Thread(target=use)
    worker.start()
    worker.join()
    assert isinstance(caught[0], BrowserThreadError)
    assert "one BrowserSession per worker thread" in str(caught[0])


def test_a_server_error_answering_the_login_is_unavailable_not_refused(lane, erp, server):
    from rpa.browser.login import FormLogin

    screen = FormLogin("erp login", "#login-user", "#login-password", "#login-submit")
    goto(lane.page, f"{erp.url}/home")  # the login form, served normally
    assert screen.is_login_page(lane.page)
    server.set_faults(error_rate=1.0)  # the form's POST answers HTTP 500
    try:
        with pytest.raises(LegacyUiUnavailable) as info:
            LoginFlow(screen, erp).ensure_logged_in(lane.page)
    finally:
        server.set_faults("none")
    assert info.value.code == "LEGACY_LOGIN_UNAVAILABLE"

    wrong = erp.model_copy(update={"password": type(erp.password)("not-the-password")})
    goto(lane.page, f"{erp.url}/home")
    with pytest.raises(LegacyUiError) as refused:
        LoginFlow(screen, wrong).ensure_logged_in(lane.page)
    assert refused.value.code == "LEGACY_LOGIN_REFUSED"  # the form said so
    assert LoginFlow(screen, erp).ensure_logged_in(lane.page)


def test_the_browsers_temporary_files_live_in_the_run_workdir(evidence):
    import shutil
    import tempfile
    from pathlib import Path

    from rpa.browser.session import BrowserSession

    from .conftest import FAST

    workdir = Path(tempfile.mkdtemp(prefix="rpa-", dir="/tmp"))  # short: Chromium's sockets go below it
    seen: list[list[str]] = []

    def run() -> None:  # its own thread: this one already drives the module's browser session
        with BrowserSession(FAST, workdir=workdir, evidence=evidence) as session:
            session.lane("t").page.goto("about:blank")
            seen.append([p.name for p in (workdir / "tmp").iterdir()])
        seen.append([p.name for p in (workdir / "tmp").iterdir()])

    try:
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(120)
        assert len(seen) == 2, "the browser session did not start and close"
        during, after = seen
        assert any(name.startswith("playwright_chromiumdev_profile-") for name in during)
        assert not any(name.startswith("playwright_chromiumdev_profile-") for name in after)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
