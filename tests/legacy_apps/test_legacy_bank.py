"""The bank portal over HTTP: the second factor is required, statements download in four formats."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pyotp
import pytest
from defusedxml import ElementTree as SafeET

from legacy_apps.testing import RunningServer
from legacy_apps.truth import write_ground_truth
from tests.legacy_apps.conftest import bank_login, csrf_of

CAMT = "{urn:iso:std:iso:20022:tech:xsd:camt.053.001.08}"


def test_the_password_alone_does_not_open_the_account(client: httpx.Client, server: RunningServer) -> None:
    token = csrf_of(client.get("/bank/login").text)
    step = client.post(
        "/bank/login",
        data={"csrf_token": token, "user_id": server.bank_user, "password": server.bank_password},
    )
    assert step.url.path == "/bank/otp"
    assert client.get("/bank/account").url.path == "/bank/login"
    assert client.get("/bank/statements/download?format=csv").url.path == "/bank/login"
    wrong_code = f"{(int(server.totp_now()) + 500000) % 1000000:06d}"
    refused = client.post("/bank/otp", data={"csrf_token": token, "code": wrong_code})
    assert "Invalid security code" in refused.text
    previous_step = pyotp.TOTP(server.bank_totp_secret).at(
        time.time() - 30
    )  # ±1 step of clock drift is accepted
    accepted = client.post("/bank/otp", data={"csrf_token": token, "code": previous_step})
    assert accepted.url.path == "/bank/account"
    assert "account-balance" in accepted.text


@pytest.fixture(scope="module")
def truth_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("truth")
    write_ground_truth(42, folder, include_docportal=False)
    return folder


def test_statement_downloads_match_the_seed_files_and_the_truth(
    client: httpx.Client, server: RunningServer, truth_folder: Path
) -> None:
    bank_login(client, server)
    for fmt, name in (
        ("camt053", "camt053.xml"),
        ("mt940", "mt940.sta"),
        ("ofx", "statement.ofx"),
        ("csv", "statement.csv"),
    ):
        download = client.get("/bank/statements/download", params={"format": fmt})
        assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
        assert download.content == (truth_folder / name).read_bytes(), fmt

    truth = json.loads((truth_folder / "ground_truth.json").read_text(encoding="utf-8"))
    november = client.get(
        "/bank/statements/download", params={"format": "camt053", "from": "01/11/2026", "to": "15/11/2026"}
    )
    root = SafeET.fromstring(november.content)
    refs = {e.findtext(f"{CAMT}AcctSvcrRef") for e in root.findall(f".//{CAMT}Ntry")}
    expected = {
        r for r, line in truth["bank_lines"].items() if "2026-11-01" <= line["booking_date"] <= "2026-11-15"
    }
    assert refs == expected and refs
    bad = client.get(
        "/bank/statements/download", params={"format": "camt053", "from": "15/11/2026", "to": "01/11/2026"}
    )
    assert bad.status_code == 400 and "end date is before the start date" in bad.text
