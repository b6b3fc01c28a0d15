"""The console in real Chromium: each role signs in; a back-office decision is carried out by the next
real run of invoice_matching against the legacy ERP, and the audit trail shows who decided."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rpa.browser import BrowserSession, Lane
from rpa.settings import BrowserSettings
from tests.conftest import run_cli
from tests.console.conftest import PEOPLE, Served, add_people, installation, password, serve_console

pytestmark = [pytest.mark.browser]
FAST = BrowserSettings(timeout_ms=5_000, navigation_timeout_ms=20_000)
_lanes = itertools.count()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserSession]:
    # One Playwright driver for the module, in this thread: a second sync_playwright here would fail.
    with BrowserSession(FAST, workdir=tmp_path_factory.mktemp("browser")) as session:
        yield session


@pytest.fixture
def lane(browser: BrowserSession) -> Iterator[Lane]:
    name = f"console-{next(_lanes)}"
    yield browser.lane(name)
    browser.close_lane(name)


def sign_in(lane: Lane, url: str, login: str) -> Any:
    page = lane.page
    page.goto(f"{url}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password(login))
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    return page


def test_each_role_signs_in_and_sees_only_its_own_buttons(served: Served, browser: BrowserSession) -> None:
    for login, role in PEOPLE.items():
        name = f"role-{login}"
        lane = browser.lane(name)
        try:
            page = sign_in(lane, served.url, login)
            assert page.inner_text("#who") == f"{login} · {role}"
            assert page.locator("svg.chart").count() >= 3  # the dashboard's charts, drawn on the server
            page.goto(f"{served.url}/audit")
            assert page.locator("#verification").is_visible()
            exports = page.locator("text=Export CSV").count()
            assert exports == (1 if role in ("auditor", "admin") else 0)
            page.click("text=Sign out")
            page.wait_for_url(f"{served.url}/login")
            page.goto(f"{served.url}/runs")
            assert page.url == f"{served.url}/login?next=%2Fruns"  # the session ended with the sign-out
        finally:
            browser.close_lane(name)


# --- a back-office decision carried out by the bot's next run ----------------------------------------------

SEED, LINES = 7, 16  # a short statement that still leaves a suggested match for a person


@pytest.fixture(scope="module")
def legacy() -> Iterator[Any]:
    testing = pytest.importorskip(
        "legacy_apps.testing", reason="the simulated legacy applications are missing"
    )
    with testing.running_server(seed=SEED, lines=LINES) as running:
        yield running


def _env(server: Any) -> dict[str, str]:
    return {
        "RPA_APPS__ERP__URL": server.erp_url, "RPA_APPS__ERP__USERNAME": server.erp_user,
        "RPA_APPS__ERP__PASSWORD": server.erp_password, "RPA_APPS__BANK__URL": server.bank_url,
        "RPA_APPS__BANK__USERNAME": server.bank_user, "RPA_APPS__BANK__PASSWORD": server.bank_password,
        "RPA_APPS__BANK__TOTP_SECRET": server.bank_totp_secret, "RPA_RUN__BACKOFF_INITIAL_S": "0.1",
    }  # fmt: skip


def _suggested(db_file: Path) -> tuple[int, str, str, str]:
    """A bank line the bot only suggested: (item id, line id, suggested invoice, amount)."""
    import json

    with sqlite3.connect(db_file) as conn:
        rows = conn.execute(
            "SELECT id, reference, payload FROM work_items WHERE bot = 'invoice_matching' "
            "AND state = 'business_exception' ORDER BY id"
        ).fetchall()
    for item_id, reference, raw in rows:
        payload = json.loads(raw)
        allocations = payload.get("allocations") or []
        if payload.get("kind") == "suggested" and len(allocations) == 1:
            return item_id, reference, allocations[0]["invoice"], allocations[0]["amount"]
    raise AssertionError("the run left no suggested match for a person")


@pytest.mark.slow
def test_a_resolved_suggestion_is_posted_by_the_next_run_and_audited_with_the_login(
    rpa_home: Path, legacy: Any, lane: Lane
) -> None:
    legacy.reset_erp()
    (rpa_home / "config" / "bots").mkdir(parents=True, exist_ok=True)
    (rpa_home / "config" / "bots" / "invoice_matching.toml").write_text("lookback_days = 120\n")
    first = run_cli(rpa_home, "run", "invoice_matching", timeout=600, **_env(legacy))
    assert first.returncode == 0, (first.stdout + first.stderr)[-3000:]
    item_id, line_id, invoice, amount = _suggested(rpa_home / "var" / "rpa.db")
    assert not [p for p in legacy.erp_payments() if p["bank_reference"] == line_id]

    settings, db = installation(rpa_home, four_eyes_amount="1000000")
    add_people(db)
    with serve_console(settings, db) as served:
        page = sign_in(lane, served.url, "bob")
        page.goto(f"{served.url}/exceptions?bot=invoice_matching")
        page.click(f"text={line_id}")
        page.click("#claim")
        assert page.inner_text("#holder").startswith("bob")
        assert page.is_checked("input[name=option][value=s]")  # the bot's suggestion is offered first
        page.fill("textarea[name=comment]", "remittance advice matches the suggestion")
        page.click("#resolve button[type=submit]")
        page.wait_for_selector("#resolved-by")
        assert "resolved" in page.inner_text("#state") and page.inner_text("#resolved-by") == "user:bob"

        again = run_cli(rpa_home, "run", "invoice_matching", timeout=600, **_env(legacy))
        assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
        posted = [p for p in legacy.erp_payments() if p["bank_reference"] == line_id]
        assert [(p["invoice"], Decimal(p["amount"])) for p in posted] == [(invoice, Decimal(amount))], posted

        page.goto(f"{served.url}/audit?action=exception.resolved&target=invoice_matching:{line_id}")
        row = page.locator("#events tbody tr").first
        assert "user:bob" in row.inner_text() and f"invoice_matching:{line_id}" in row.inner_text()
        page.goto(f"{served.url}/audit?action=erp.payment.posted&target={invoice}")
        assert page.locator("#events tbody tr").first.inner_text().count("erp.payment.posted") == 1
    db.dispose()
    with sqlite3.connect(rpa_home / "var" / "rpa.db") as conn:
        states = dict(
            conn.execute("SELECT reference, state FROM work_items WHERE reference LIKE ?", (f"{line_id}%",))
        )
        effects = conn.execute("SELECT state FROM effects WHERE item_reference = ?", (line_id,)).fetchall()
    assert states == {line_id: "resolved", f"{line_id}:resolved": "done"}  # the decision, then its execution
    assert effects == [("confirmed",)]  # posted through the effect ledger, under the bank line's key
    assert item_id > 0


def test_a_running_run_updates_in_place_without_reloading(served: Served, lane: Lane) -> None:
    from rpa.audit.trail import AuditTrail
    from rpa.bot import RunStatus
    from rpa.clock import utcnow
    from rpa.runs import create_run, finish_run, start_run

    trail = AuditTrail("bot:invoice_matching")
    run_id = create_run(served.db, trail, "invoice_matching", trigger="manual", now=utcnow())
    page = sign_in(lane, served.url, "olivia")
    page.goto(f"{served.url}/runs/{run_id}")
    page.evaluate("window.sameDocument = true")  # gone if the page were reloaded
    assert "pending" in page.inner_text("#live")
    start_run(served.db, trail, run_id, utcnow())
    page.wait_for_selector(
        "#live:has-text('running')", timeout=10_000
    )  # CSP: no eval, so no wait_for_function
    finish_run(served.db, trail, run_id, RunStatus.SUCCEEDED, utcnow(), {"done": 0})
    page.wait_for_selector("#live:has-text('succeeded')", timeout=10_000)
    assert page.evaluate("window.sameDocument") is True


# --- the invoice search over a real run's open items -------------------------------------------------------


def _export_of(home: Path, run_id: int) -> Path:
    """The ERP export the run downloaded (its workdir keeps it)."""
    found = [p for p in (home / "var" / "runs" / str(run_id)).rglob("*") if "open" in p.name.lower()]
    assert found, sorted(p.name for p in (home / "var" / "runs" / str(run_id)).rglob("*"))
    return found[0]


SEARCH_LINES = 12


@pytest.mark.slow
def test_a_searched_invoice_from_the_runs_open_items_resolves_the_line(rpa_home: Path, lane: Lane) -> None:
    from bots.invoice_matching.open_items import read_open_items as read_export
    from legacy_apps.testing import running_server
    from rpa.open_items import FILE_NAME, read_open_items
    from rpa.resolutions import FOLLOW_UP_SUFFIX
    from rpa.workqueue import items_of

    (rpa_home / "config" / "bots" / "invoice_matching.toml").write_text("lookback_days = 120\n")
    with running_server(seed=SEED, lines=SEARCH_LINES) as legacy:  # a short statement: a quick run
        first = run_cli(rpa_home, "run", "invoice_matching", timeout=600, **_env(legacy))
    assert first.returncode == 0, (first.stdout + first.stderr)[-3000:]
    item_id, line_id, invoice, amount = _suggested(rpa_home / "var" / "rpa.db")

    kept = read_open_items(rpa_home / "var" / "reports" / "invoice_matching" / "run-1" / FILE_NAME)
    exported, _ = read_export(_export_of(rpa_home, 1))
    assert [(r.invoice, r.customer_id, r.amount_open, r.due_date, r.currency) for r in kept] == [
        (i.number, i.customer_id, i.open_amount, i.due_date, i.currency) for i in exported
    ]
    wanted = next(r for r in kept if r.invoice == invoice)

    # The ERP is stopped by now: the search reads what the run kept, never the ERP.
    settings, db = installation(rpa_home, four_eyes_amount="1000000")
    add_people(db)
    with serve_console(settings, db) as served:
        page = sign_in(lane, served.url, "bob")
        page.goto(f"{served.url}/exceptions/{item_id}")
        page.click("#claim")
        page.fill("#invoice-query", wanted.customer_id)
        page.wait_for_selector(f"#invoice-results button[data-invoice='{invoice}']")
        shown = page.locator("#invoice-results button.pick")
        same_customer = {r.invoice for r in kept if r.customer_id == wanted.customer_id}
        assert {shown.nth(i).get_attribute("data-invoice") for i in range(shown.count())} <= same_customer
        page.click(f"#invoice-results button[data-invoice='{invoice}']")
        page.wait_for_selector("#picked")
        assert page.is_checked("input[name=option][value=other]")
        assert page.input_value("input[name=invoice]") == invoice
        assert Decimal(page.input_value("input[name=invoice_amount]")) == min(
            wanted.amount_open, Decimal(amount)
        )
        page.fill("textarea[name=comment]", "found by the customer's id")
        page.click("#resolve button[type=submit]")
        page.wait_for_selector("#resolved-by")
        assert page.inner_text("#resolved-by") == "user:bob"
        follow = next(
            r for r in items_of(db, "invoice_matching") if r.reference == line_id + FOLLOW_UP_SUFFIX
        )
        chosen = min(wanted.amount_open, Decimal(amount))
        assert follow.payload["allocations"] == [{"invoice": invoice, "amount": str(chosen)}]
    db.dispose()
