"""One real server of the simulated applications for the whole folder; faults and ERP data reset per test."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from legacy_apps.testing import RunningServer, running_server

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture(scope="session")
def legacy_server() -> Iterator[RunningServer]:
    with running_server(seed=42, faults="none", lines=200) as server:
        yield server


@pytest.fixture
def server(legacy_server: RunningServer) -> Iterator[RunningServer]:
    legacy_server.set_faults("none")
    legacy_server.reset_erp()
    yield legacy_server
    legacy_server.set_faults("none")


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, follow_redirects=True, timeout=15) as http:
        yield http


def erp_login(http: httpx.Client, server: RunningServer) -> httpx.Response:
    page = http.get("/erp/login")
    response = http.post(
        "/erp/login",
        data={"csrf_token": csrf_of(page.text), "username": server.erp_user, "password": server.erp_password},
    )
    assert "<frameset" in response.text, "login did not reach the ERP frames"
    return response


def bank_login(http: httpx.Client, server: RunningServer) -> httpx.Response:
    page = http.get("/bank/login")
    token = csrf_of(page.text)
    http.post(
        "/bank/login",
        data={"csrf_token": token, "user_id": server.bank_user, "password": server.bank_password},
    )
    return http.post("/bank/otp", data={"csrf_token": token, "code": server.totp_now()})
