"""One Chromium and one legacy-apps server per test module, one fresh lane (BrowserContext) per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from rpa.audit.evidence import EvidenceStore
from rpa.browser import BrowserSession, Lane
from rpa.settings import BrowserSettings, LegacyAppSettings

testing = pytest.importorskip(
    "legacy_apps.testing", reason="the simulated legacy applications are not available"
)

# Short waits: every page is served from this machine; what has not appeared after 3 s will not appear.
FAST = BrowserSettings(timeout_ms=3_000, navigation_timeout_ms=15_000)
_lane_ids = itertools.count()


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    testing = pytest.importorskip(
        "legacy_apps.testing", reason="the simulated legacy applications are missing"
    )
    with testing.running_server(seed=42, faults="none", lines=200) as running:
        yield running


@pytest.fixture(autouse=True)
def healthy(request: pytest.FixtureRequest) -> Iterator[None]:
    """Whatever fault a test switches on is switched off after it."""
    yield
    if "server" in request.fixturenames:
        request.getfixturevalue("server").set_faults("none")


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> EvidenceStore:
    return EvidenceStore(tmp_path_factory.mktemp("evidence"))


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory, evidence: EvidenceStore) -> Iterator[BrowserSession]:
    with BrowserSession(FAST, workdir=tmp_path_factory.mktemp("run"), evidence=evidence) as s:
        yield s


@pytest.fixture
def lane(session: BrowserSession) -> Iterator[Lane]:
    name = f"lane-{next(_lane_ids)}"
    yield session.lane(name)
    session.close_lane(name)


@pytest.fixture
def erp(server: Any) -> LegacyAppSettings:
    return LegacyAppSettings(
        url=server.erp_url, username=server.erp_user, password=SecretStr(server.erp_password)
    )


@pytest.fixture
def bank(server: Any) -> LegacyAppSettings:
    return LegacyAppSettings(
        url=server.bank_url,
        username=server.bank_user,
        password=SecretStr(server.bank_password),
        totp_secret=SecretStr(server.bank_totp_secret),
    )
