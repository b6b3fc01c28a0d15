"""The ERP over HTTP: CSRF, pagination, non-idempotent payments, validation, sessions, notes, exports."""

from __future__ import annotations

import io
import re

import httpx
from openpyxl import load_workbook

from legacy_apps.testing import RunningServer
from tests.legacy_apps.conftest import csrf_of, erp_login

NUMBER = "INV-2026-00010"


def post_payment(http: httpx.Client, number: str, amount: str, day: str, reference: str) -> httpx.Response:
    token = csrf_of(http.get(f"/erp/invoice/{number}").text)
    return http.post(
        f"/erp/invoice/{number}/payments",
        data={"csrf_token": token, "amount": amount, "payment_date": day, "bank_reference": reference},
    )


def test_login_is_refused_without_the_csrf_token_and_with_a_wrong_password(
    client: httpx.Client, server: RunningServer
) -> None:
    client.get("/erp/login")
    refused = client.post("/erp/login", data={"username": server.erp_user, "password": server.erp_password})
    assert refused.status_code == 403
    assert "<frameset" not in refused.text
    wrong = client.post(
        "/erp/login",
        data={"csrf_token": csrf_of(client.get("/erp/login").text), "username": "rpa.bot", "password": "x"},
    )
    assert "Invalid user name or password" in wrong.text
    assert client.get("/erp/invoices").url.path == "/erp/login"
    frames = erp_login(client, server)
    assert 'name="menu"' in frames.text and 'name="main"' in frames.text
    assert 'id="login-user"' in client.get("/erp/login").text


def test_invoice_search_pages_through_every_invoice_twenty_at_a_time(
    client: httpx.Client, server: RunningServer
) -> None:
    erp_login(client, server)
    total = httpx.get(f"{server.base_url}/_admin/erp/invoices").json()["count"]
    pages = -(-total // 20)
    url: str | None = "/erp/invoices"
    seen: list[str] = []
    while url:
        page = client.get(url)
        numbers = re.findall(r'<a href="/erp/invoice/(INV-[0-9-]+)">', page.text)
        assert len(numbers) <= 20
        seen += numbers
        assert f"Page {len(seen) // 20 + (1 if len(seen) % 20 else 0)} of {pages}" in page.text
        nxt = re.search(r'<a href="([^"]+)" id="page-next"', page.text)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert len(seen) == total == len(set(seen))
    filtered = client.get("/erp/invoices", params={"status": "Settled manually"})
    assert "Page 1 of 1" in filtered.text and "Settled manually" in filtered.text


def test_recording_the_same_payment_twice_creates_a_duplicate(
    client: httpx.Client, server: RunningServer
) -> None:
    erp_login(client, server)
    first = post_payment(client, NUMBER, "100,50", "02/11/2026", "BQ-TEST-001")
    assert "recorded" in first.text and "confirm(" in first.text
    post_payment(client, NUMBER, "100,50", "02/11/2026", "BQ-TEST-001")
    listing = client.get("/erp/payments", params={"bank_reference": "BQ-TEST-001"})
    assert "2 payment(s) found" in listing.text
    payments = server.erp_payments()
    assert [(p["invoice"], p["amount"], p["bank_reference"]) for p in payments] == [
        (NUMBER, "100.50", "BQ-TEST-001")
    ] * 2
    assert payments[0]["created_at"] < payments[1]["created_at"]
    invoice = next(
        i
        for i in httpx.get(f"{server.base_url}/_admin/erp/invoices").json()["invoices"]
        if i["number"] == NUMBER
    )
    assert invoice["payments"] == ["PAY-000001", "PAY-000002"]


def test_a_bad_amount_is_refused_with_a_message_and_nothing_is_recorded(
    client: httpx.Client, server: RunningServer
) -> None:
    erp_login(client, server)
    page = post_payment(client, NUMBER, "12,3x", "31/02/2026", "")
    assert "is not a valid amount" in page.text
    assert "is not a calendar date" in page.text
    assert "Bank reference is required" in page.text
    assert 'value="12,3x"' in page.text  # the form keeps what was typed
    future = post_payment(client, NUMBER, "10", "01/01/2027", "BQ1")
    assert "cannot be after the accounting date" in future.text
    assert server.erp_payments() == []
    missing_token = client.post(
        f"/erp/invoice/{NUMBER}/payments", data={"amount": "1", "payment_date": "01/11/2026"}
    )
    assert missing_token.status_code == 403 and server.erp_payments() == []


def test_sessions_expire_after_inactivity_and_after_n_requests(
    client: httpx.Client, server: RunningServer
) -> None:
    erp_login(client, server)
    assert client.get("/erp/home").url.path == "/erp/home"
    server.set_faults(session_idle_seconds=0)
    expired = client.get("/erp/home")
    assert expired.url.path == "/erp/login" and "session has expired" in expired.text
    server.set_faults("expiry")  # sessions die after 5 authenticated requests; the frameset was the first
    erp_login(client, server)
    paths = [client.get("/erp/home").url.path for _ in range(6)]
    assert paths[:4] == ["/erp/home"] * 4 and paths[4] == "/erp/login"
    server.set_faults("none")
    erp_login(client, server)
    server.set_faults(expire_sessions=True)
    assert client.get("/erp/home").url.path == "/erp/login"


def test_notes_and_open_item_exports_reflect_what_was_recorded(
    client: httpx.Client, server: RunningServer
) -> None:
    erp_login(client, server)
    page = client.get(f"/erp/invoice/{NUMBER}")
    client.post(
        f"/erp/invoice/{NUMBER}/notes",
        data={"csrf_token": csrf_of(page.text), "text": "Client called: pays Friday"},
    )
    assert "Client called: pays Friday" in client.get(f"/erp/invoice/{NUMBER}").text
    customer = re.search(r'href="/erp/customer/(C\d+)"', page.text)
    assert customer
    customer_page = client.get(f"/erp/customer/{customer.group(1)}")
    client.post(
        f"/erp/customer/{customer.group(1)}/notes",
        data={"csrf_token": csrf_of(customer_page.text), "text": "VIP"},
    )
    assert "VIP" in client.get(f"/erp/customer/{customer.group(1)}").text

    amount = re.search(r'id="invoice-amount">([^<]+)<', page.text)
    assert amount
    full = amount.group(1).replace(" ", "")
    post_payment(client, NUMBER, full, "03/11/2026", "BQ-FULL")
    assert "Paid" in client.get(f"/erp/invoice/{NUMBER}").text
    exported = client.get("/erp/export/open-items.csv").text
    assert exported.startswith(
        "number,customer_id,customer_name,customer_iban,issue_date,due_date,amount,open_amount"
    )
    assert NUMBER not in exported and "INV-2026-00011" in exported
    book = load_workbook(io.BytesIO(client.get("/erp/export/open-items.xlsx").content))
    numbers = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert NUMBER not in numbers and len(numbers) == len(exported.strip().splitlines()) - 1
