"""Every fault profile shows: HTTP 500 share, 503 maintenance, renamed ids, added latency (not serialized)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from legacy_apps.faults import PROFILES, FaultState
from legacy_apps.testing import RunningServer


def statuses(server: RunningServer, path: str, count: int) -> list[int]:
    with httpx.Client(base_url=server.base_url, timeout=15) as http:
        return [http.get(path).status_code for _ in range(count)]


def test_error_rate_gives_that_share_of_500_pages_but_never_on_admin(server: RunningServer) -> None:
    server.set_faults(error_rate=0.3)
    codes = statuses(server, "/erp/login", 200)
    share = codes.count(500) / len(codes)
    assert 0.18 < share < 0.42
    assert set(codes) == {200, 500}
    assert httpx.get(f"{server.base_url}/_admin/health").status_code == 200
    server.set_faults("flaky", spike_ms=20)  # flaky's spikes shortened so the test stays fast
    assert statuses(server, "/bank/login", 120).count(500) > 0


def test_maintenance_answers_503_everywhere(server: RunningServer) -> None:
    server.set_faults("maintenance")
    for path in ("/erp/login", "/bank/login", "/docs/login", "/"):
        response = httpx.get(f"{server.base_url}{path}")
        assert response.status_code == 503 and "maintenance" in response.text
    server.set_faults("none")
    assert httpx.get(f"{server.base_url}/erp/login").status_code == 200


def test_changed_layout_renames_ids_and_labels(server: RunningServer) -> None:
    before = httpx.get(f"{server.base_url}/erp/login").text
    assert 'id="login-user"' in before and ">User name</label>" in before
    server.set_faults("changed_layout")
    erp = httpx.get(f"{server.base_url}/erp/login").text
    bank = httpx.get(f"{server.base_url}/bank/login").text
    assert 'id="login-user"' not in erp and 'for="usr_fld_01">Login ID</label>' in erp
    assert 'id="bank-user"' not in bank and 'id="cust_no"' in bank
    assert 'name="username"' in erp  # the server still takes the same form


def test_latency_is_added_to_each_request_without_serializing_them(server: RunningServer) -> None:
    def timed(http: httpx.Client) -> float:
        started = time.perf_counter()
        http.get("/erp/login")
        return time.perf_counter() - started

    with httpx.Client(base_url=server.base_url, timeout=15) as http:
        baseline = min(timed(http) for _ in range(3))
        server.set_faults("slow")
        slow = min(timed(http) for _ in range(3))
    assert slow >= 0.2 and slow - baseline >= 0.15

    async def burst() -> float:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=15) as http:
            begin = time.perf_counter()
            await asyncio.gather(*(http.get("/erp/login") for _ in range(8)))
            return time.perf_counter() - begin

    assert asyncio.run(burst()) < 8 * 0.2 / 2  # eight 200 ms waits side by side, not one after another


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_named_profile_can_be_switched_on(server: RunningServer, name: str) -> None:
    state = server.set_faults(name)
    assert state == FaultState.from_profile(name).as_dict() | {"session_epoch": state["session_epoch"]}
    assert httpx.get(f"{server.base_url}/_admin/health").json()["faults"]["profile"] == name


def test_unknown_fault_fields_are_refused(server: RunningServer) -> None:
    response = httpx.post(f"{server.base_url}/_admin/faults", json={"latency": 5})
    assert response.status_code == 400 and "unknown fault fields: latency" in response.json()["error"]
