"""client_reminders through the bot-test harness: real Chromium, the legacy ERP, its SMTP mailbox."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bots.client_reminders.bot import BOT
from bots.client_reminders.config import ClientRemindersConfig
from legacy_apps.erp.reminder_scoring import fetch_json, score_reminders
from legacy_apps.erp.reminder_truth import reminders_truth
from legacy_apps.testing import RunningServer, running_server
from rpa.audit.trail import AuditTrail
from rpa.testing import BotHarness
from rpa.workqueue import WorkQueue
from tests.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SEED, LINES = 5, 12
# The ERP's accounting date, a Friday, 16:00 in Paris: office hours are open in Europe and America.
NOON = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
SENDER = "relances@example.com"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(seed=SEED, lines=LINES) as srv:
        yield srv


@pytest.fixture
def harness(tmp_path: Path, server: RunningServer) -> Iterator[BotHarness]:
    server.reset_erp()
    server.reset_mailbox()
    home = tmp_path / "home"
    shutil.copytree(REPO / "config" / "templates", home / "config" / "templates")
    apps = {"erp": {"url": server.erp_url, "username": server.erp_user, "password": server.erp_password}}
    mail = {"host": server.smtp_host, "port": server.smtp_port, "sender": SENDER}
    with BotHarness(home, clock=lambda: NOON, browser=True, apps=apps, mail=mail) as h:
        yield h


def _truth() -> dict[str, Any]:
    return reminders_truth(SEED, lines=LINES)


def _score(server: RunningServer) -> dict[str, Any]:
    reminders = fetch_json(server.base_url, "/_admin/erp/reminders", "reminders")
    messages = [m.as_dict() for m in server.mailbox.messages()]
    return score_reminders(_truth(), reminders, messages)


def _config() -> ClientRemindersConfig:
    return ClientRemindersConfig()


def test_sends_the_right_emails_once_and_holds_formal_notices(
    harness: BotHarness, server: RunningServer
) -> None:
    first = harness.run(BOT, _config())
    figures = _score(server)
    assert figures["sent_when_forbidden"] == 0 and figures["duplicates"] == 0, figures
    assert figures["sent_too_early"] == 0 and figures["wrong_recipient"] == [], figures
    assert not figures["emails_not_noted"] and not figures["noted_without_email"], figures
    messages = server.mailbox.messages()
    assert messages, first.summary
    truth = _truth()["invoices"]
    language = {e["email"].lower(): e["language"] for e in truth.values()}
    for m in messages:
        assert m.envelope_from == SENDER and any(a.endswith(".pdf") for a in m.attachments), m
        english = language[m.envelope_to[0].lower()] == "en"
        assert m.subject.startswith(("Payment reminder", "Second reminder", "Reminder")) == english, m.subject
    held = [i for i in first.items.values() if i.error_code == "REMINDER_NEEDS_APPROVAL"]
    assert held, "every seed stages a formal notice"
    for item in held:  # waiting for approval: nothing went to that customer
        customer = item.payload["reminder"]["customer_id"]
        assert not [m for m in messages if customer in m.message_id], customer

    again = harness.run(BOT, _config())
    assert again.summary.collected == 0 and len(server.mailbox.messages()) == len(messages)

    # A person approves one formal notice in the exception queue; the next run sends it.
    approved = held[0].reference
    person = AuditTrail("user:controller")
    WorkQueue(harness.db, BOT.id, person, lambda: NOON).resolve(
        approved, "approved: checked the file", person
    )
    third = harness.run(BOT, _config())
    assert third.items[f"{approved}:approved"].state == "done", third.items[
        f"{approved}:approved"
    ].error_message
    assert len(server.mailbox.messages()) == len(messages) + 1
    assert _score(server)["duplicates"] == 0 and harness.verify().ok


def test_an_unconfirmed_send_is_never_sent_again(harness: BotHarness, server: RunningServer) -> None:
    harness.run(BOT, _config())
    sent = len(server.mailbox.messages())
    db = harness.settings.var_path / "rpa.db"
    with sqlite3.connect(db) as conn:  # two emails left as a crash after SMTP accepted them would leave them
        rows = conn.execute(
            "SELECT key, item_reference FROM effects WHERE key LIKE 'reminder:%' AND state = 'confirmed' "
            "ORDER BY id LIMIT 2"
        ).fetchall()
        assert len(rows) == 2
        (lost_key, lost_ref), (_, noted_ref) = rows
        conn.execute("UPDATE effects SET state = 'intent' WHERE key = ?", (lost_key,))  # ledger not confirmed
        conn.execute(  # mail confirmed, the notes in the ERP not yet
            "UPDATE effects SET state = 'intent' WHERE key LIKE 'erp:reminder-note:%' AND item_reference = ?",
            (noted_ref,),
        )
        conn.execute(
            "UPDATE work_items SET state = 'in_progress' WHERE reference IN (?, ?)", (lost_ref, noted_ref)
        )
    server.reset_erp()  # the notes are gone from the ERP, the emails are in the mailbox
    again = harness.run(BOT, _config())
    assert len(server.mailbox.messages()) == sent  # nothing sent twice
    assert again.items[lost_ref].error_code == "REMINDER_DELIVERY_UNCERTAIN"
    assert again.items[noted_ref].state == "done"
    noted = fetch_json(server.base_url, "/_admin/erp/reminders", "reminders")
    assert {r["invoice"] for r in noted if not r["seeded"]} == {
        p["invoice"] for p in again.items[noted_ref].payload["reminder"]["invoices"]
    }
    assert harness.verify().ok


def test_a_refused_recipient_goes_to_the_exception_queue(harness: BotHarness, server: RunningServer) -> None:
    dry = harness.run(BOT, _config(), dry_run=True)
    outbox = list((harness.settings.var_path / "runs" / str(dry.record.id) / "outbox").glob("*.eml"))
    assert outbox and server.mailbox.messages() == []  # a dry run renders, sends nothing
    victim = next(i for i in dry.items.values() if i.state == "done").payload["reminder"]["email"]
    server.mailbox.configure(reject=[victim])
    result = harness.run(BOT, _config())
    refused = [i for i in result.items.values() if i.error_code == "REMINDER_RECIPIENT_REFUSED"]
    assert [i.payload["reminder"]["email"] for i in refused] == [victim]
    assert all(victim not in m.envelope_to for m in server.mailbox.messages())
    events = harness.events("mail.refused")
    assert events and all(victim not in str(e["details"]) for e in events)  # the trail keeps no address
