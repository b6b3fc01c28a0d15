"""invoice_matching in-process through the bot-test harness: a dry run reads everything, posts nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bots.invoice_matching.bot import BOT
from bots.invoice_matching.config import InvoiceMatchingConfig
from legacy_apps.testing import RunningServer, running_server
from rpa.bot import RunStatus
from rpa.testing import BotHarness

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(seed=11, lines=24) as srv:
        yield srv


def _apps(server: RunningServer) -> dict[str, dict[str, str]]:
    return {
        "erp": {"url": server.erp_url, "username": server.erp_user, "password": server.erp_password},
        "bank": {"url": server.bank_url, "username": server.bank_user, "password": server.bank_password,
                 "totp_secret": server.bank_totp_secret},
    }  # fmt: skip


def test_a_dry_run_decides_every_line_and_posts_nothing(tmp_path: Path, server: RunningServer) -> None:
    server.reset_erp()
    with BotHarness(tmp_path / "home", browser=True, apps=_apps(server)) as h:
        result = h.run(BOT, InvoiceMatchingConfig(lookback_days=120), dry_run=True)

        assert result.summary.outcome == RunStatus.SUCCEEDED_WITH_EXCEPTIONS, result.summary.error
        assert result.summary.collected == len(result.items) >= 20
        done = [i for i in result.items.values() if i.state == "done"]
        assert done and all(p["dry_run"] for i in done for p in i.result["posted"])
        assert server.erp_payments() == [] and result.effects == {}  # nothing reached the ERP
        skipped = h.events("erp.payment.dry_run")
        assert len(skipped) == sum(len(i.result["posted"]) for i in done)
        assert [e["details"]["from"] for e in h.events("bank.statement.downloaded")]
        report = h.settings.var_path / "reports" / "invoice_matching" / f"run-{result.record.id}"
        assert (report / "report.xlsx").stat().st_size > 0 and (report / "decisions.csv").exists()
        assert (report / "DRY-RUN-nothing-was-written.txt").is_file()  # the folder says what it holds
        assert h.verify().ok
