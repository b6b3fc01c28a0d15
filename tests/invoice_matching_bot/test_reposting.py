"""No second posting whatever happened to the local state: the ERP's payments are the record.

A bank line already booked in the ERP under another invoice (typed in by a person, or posted from
another installation) is not posted again but goes to a person; a fresh database against an ERP that
already holds the run's payments posts nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bots.invoice_matching.bot import BOT
from bots.invoice_matching.config import InvoiceMatchingConfig
from legacy_apps.testing import RunningServer, running_server
from rpa.testing import BotHarness
from tests.invoice_matching_bot.test_bot_harness import _apps

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CONFIG = InvoiceMatchingConfig(lookback_days=120)


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(seed=23, lines=24) as srv:
        yield srv


def test_a_line_booked_elsewhere_is_not_posted_again_and_a_fresh_database_posts_nothing_twice(
    tmp_path: Path, server: RunningServer
) -> None:
    server.reset_erp()
    with BotHarness(tmp_path / "dry", browser=True, apps=_apps(server)) as h:
        dry = h.run(BOT, CONFIG, dry_run=True)
    single = [
        i for i in dry.items.values() if i.state == "done" and len(i.result["posted"]) == 1
    ]  # automatic decisions paying one invoice
    assert single, "the seed must give automatic decisions"
    target = single[0]
    decided = target.result["posted"][0]["invoice"]
    erp = server.app.state.erp
    other = next(n for n, r in erp.invoices.items() if n != decided and r.open_amount > 0)
    # A person books the line by hand on another invoice before the bot runs.
    erp.record_payment(other, Decimal("1.00"), date(2026, 11, 1), target.reference, "a.person")

    with BotHarness(tmp_path / "first", browser=True, apps=_apps(server)) as h:
        first = h.run(BOT, CONFIG)
        item = first.items[target.reference]
        assert item.state == "business_exception" and item.error_code == "BANK_REFERENCE_ALREADY_POSTED"
        assert other in (item.error_message or "") and decided in (item.error_message or "")
        assert h.verify().ok
    before = server.erp_payments()
    assert [p["invoice"] for p in before if p["bank_reference"] == target.reference] == [other]
    assert len(before) > 1  # the other automatic decisions were posted

    # The database is lost (a new host, a restored backup): the ERP still holds every payment.
    with BotHarness(tmp_path / "second", browser=True, apps=_apps(server)) as h:
        second = h.run(BOT, CONFIG)
        items = second.items
        assert items[target.reference].error_code == "BANK_REFERENCE_ALREADY_POSTED"  # still disagrees
        others = {p["bank_reference"] for p in before} - {target.reference}
        assert others and all(items[ref].state == "done" for ref in others)
    assert server.erp_payments() == before  # nothing posted twice
