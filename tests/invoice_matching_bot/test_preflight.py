"""``rpa preflight invoice_matching`` passes on the usual screens and names what a layout change broke."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from legacy_apps.testing import RunningServer, running_server
from tests.conftest import run_cli
from tests.invoice_matching_bot.test_bot_run import _env

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(seed=3, lines=20) as srv:
        yield srv


def test_preflight_ok_then_changed_layout_names_the_selectors(tmp_path: Path, server: RunningServer) -> None:
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    server.set_faults("none")
    ok = run_cli(home, "preflight", "invoice_matching", timeout=300, **_env(server))
    assert ok.returncode == 0, ok.stdout + ok.stderr

    server.set_faults("changed_layout")
    broken = run_cli(home, "preflight", "invoice_matching", timeout=300, **_env(server))
    server.set_faults("none")
    assert broken.returncode == 1
    for named in (
        "MISSING  bank login / user id: #bank-user",
        "MISSING  erp login / password: #login-password",
    ):
        assert named in broken.stdout, broken.stdout


def test_preflight_against_a_down_application_says_it_is_down(tmp_path: Path, server: RunningServer) -> None:
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]  # nothing listens there once the socket is closed
    env = _env(server) | {"RPA_APPS__BANK__URL": f"http://127.0.0.1:{closed}/bank"}
    down = run_cli(home, "preflight", "invoice_matching", timeout=300, **env)
    assert down.returncode == 4, down.stdout + down.stderr
    assert "the application is down or not answering" in down.stdout
    bank_report = next(
        part for part in down.stdout.split("preflight ") if part.startswith(f"http://127.0.0.1:{closed}")
    )
    assert "UNAVAILABLE" in bank_report and "Update the selectors" not in bank_report
