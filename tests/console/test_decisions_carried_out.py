"""Decisions taken in the console's exception queue, carried out by the bot's next run.

Each test runs a bot against the simulated applications (real Chromium, the document portal or the ERP
and its SMTP mailbox), records a person's decision through the console's store (claim, then resolve, as
the web page does), runs the bot again and reads the applications to see the decision carried out.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bots.client_reminders.bot import BOT as REMINDERS
from bots.client_reminders.config import ClientRemindersConfig
from bots.document_check.bot import ALREADY_DECIDED, NEEDS_REVIEW
from bots.document_check.bot import BOT as DOSSIERS
from bots.document_check.config import DocumentCheckConfig
from legacy_apps.docportal.generator import REFERENCE_DAY
from legacy_apps.docportal.scoring import fetch_statuses
from legacy_apps.testing import RunningServer, running_server
from rpa.mail import message_id_for
from rpa.resolutions import FOLLOW_UP_SUFFIX, approval_note, findings_note
from rpa.store.console import claim, resolve_or_propose
from rpa.testing import BotHarness
from rpa.workqueue import items_of
from tests.conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DOCS_NOON = datetime.combine(REFERENCE_DAY, datetime.min.time(), tzinfo=UTC).replace(hour=11)
# The ERP's accounting date, a Friday, 16:00 in Paris: office hours are open in Europe and America.
ERP_AFTERNOON = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
SENDER = "relances@example.com"
PERSON = "bob"
# The first twelve dossiers of the portal (both of a seed's dossiers for a person are among them), each
# checked on its own: the runs stay short.
DOSSIER_CONFIG = DocumentCheckConfig(max_dossiers=12, check_across_dossiers=False)


def _decide(harness: BotHarness, bot: str, reference: str, note: str, now: datetime) -> None:
    """What the console does when a back-office person decides an item: claim it, then resolve it."""
    item = next(i for i in items_of(harness.db, bot) if i.reference == reference)
    assert claim(harness.db, item.id, PERSON, now) == PERSON
    proposal = resolve_or_propose(harness.db, item.id, PERSON, note, "0", False, now, lambda: now)
    assert proposal is None


@contextmanager
def _dossier_setup(tmp_path: Path, seed: int) -> Iterator[tuple[RunningServer, BotHarness]]:
    with running_server(seed=seed, lines=10) as server:
        apps = {
            "docs": {"url": server.docs_url, "username": server.docs_user, "password": server.docs_password}
        }
        with BotHarness(tmp_path / "home", clock=lambda: DOCS_NOON, browser=True, apps=apps) as harness:
            yield server, harness


def _portal(server: RunningServer) -> dict[str, dict[str, Any]]:
    return {d["id"]: d for d in fetch_statuses(server.base_url)}


def _needing_review(harness: BotHarness) -> dict[str, str]:
    """Dossier id -> work item reference of the dossiers the first run sent to a person."""
    first = harness.run(DOSSIERS, DOSSIER_CONFIG)
    return {
        i.reference.split(":")[0]: i.reference for i in first.items.values() if i.error_code == NEEDS_REVIEW
    }


def test_a_persons_verdict_on_a_dossier_sets_its_status_on_the_next_run(tmp_path: Path) -> None:
    with _dossier_setup(tmp_path, seed=5) as (server, harness):
        review = _needing_review(harness)
        assert sorted(review) == ["DOS-2026-0011", "DOS-2026-0012"]  # a name variant, a scan without text
        before = _portal(server)
        assert before["DOS-2026-0011"]["status"] == before["DOS-2026-0012"]["status"] == "pending"

        accepted = findings_note({"NAME_MISMATCH": True}, "the account belongs to the SARL, not the client")
        rejected = findings_note({"UNREADABLE": False}, "Kbis scan read by eye: valid, dated last month")
        _decide(harness, DOSSIERS.id, review["DOS-2026-0011"], accepted, DOCS_NOON)
        _decide(harness, DOSSIERS.id, review["DOS-2026-0012"], rejected, DOCS_NOON)
        # The decisions are recorded, nothing is written into the portal by the console.
        assert _portal(server) == before
        queued = {i.reference: i for i in items_of(harness.db, DOSSIERS.id)}
        follow = queued[review["DOS-2026-0011"] + FOLLOW_UP_SUFFIX]
        assert follow.state == "new" and follow.payload["decision"]["accepted"] == ["NAME_MISMATCH"]

        set_before = len(harness.events("docs.status.set"))
        second = harness.run(DOSSIERS, DOSSIER_CONFIG)
        assert second.summary.collected == 0 and second.summary.processed == 2, second.summary
        after = _portal(server)
        incomplete, complete = after["DOS-2026-0011"], after["DOS-2026-0012"]
        assert (incomplete["status"], incomplete["reason"]) == ("incomplete", "inconsistent_documents")
        assert incomplete["comment"].startswith("[NAME_MISMATCH]")
        assert incomplete["comment"].endswith("the account belongs to the SARL, not the client")
        assert (complete["status"], complete["reason"]) == ("complete", None)
        assert complete["comment"] == "Kbis scan read by eye: valid, dated last month"
        # Every other dossier is as the first run left it.
        assert {k: v for k, v in after.items() if k not in review} == {
            k: v for k, v in before.items() if k not in review
        }
        for dossier_id, reference in review.items():
            done = second.items[reference + FOLLOW_UP_SUFFIX]
            assert done.state == "done", done.error_message
            key = f"docs:status:{reference}"  # the dossier id and its attachments' hash
            assert second.effects[key].state == "confirmed", dossier_id
        # The bot's decision events of the second run: the findings each person let stand.
        decided = {str(e["target_id"]): e for e in harness.events("dossier.decided")}  # the newest each
        assert decided["DOS-2026-0011"]["details"] == {
            "reason": "inconsistent_documents",
            "codes": ["NAME_MISMATCH"],
        }
        assert decided["DOS-2026-0012"]["details"] == {"reason": None, "codes": []}
        status_set = harness.events("docs.status.set")[set_before:]
        assert sorted((str(e["target_id"]), e["outcome"]) for e in status_set) == [
            ("DOS-2026-0011", "incomplete"),
            ("DOS-2026-0012", "complete"),
        ]
        resolved = harness.events("exception.resolved")
        assert {e["actor"] for e in resolved} == {f"user:{PERSON}"}

        assert harness.verify().ok


def _set_on_portal(server: RunningServer, dossier_id: str, status: str, reason: str, comment: str) -> None:
    """Someone else decides the dossier in the portal's own status form."""
    with httpx.Client(base_url=server.docs_url, timeout=10) as web:
        login = web.post(
            "/login",
            data={"username": server.docs_user, "password": server.docs_password, "next": "/dossiers"},
        )
        assert login.status_code == 303, login.text
        saved = web.post(
            f"/dossiers/{dossier_id}/status", data={"status": status, "reason": reason, "comment": comment}
        )
        assert saved.status_code == 303, saved.text


def test_a_dossier_decided_meanwhile_in_the_portal_goes_back_to_a_person(tmp_path: Path) -> None:
    with _dossier_setup(tmp_path, seed=1) as (server, harness):
        review = _needing_review(harness)
        assert list(review) == ["DOS-2026-0012"]
        reference = review["DOS-2026-0012"]
        _decide(
            harness, DOSSIERS.id, reference, findings_note({"NAME_MISMATCH": False}, "same firm"), DOCS_NOON
        )
        _set_on_portal(server, "DOS-2026-0012", "incomplete", "expired_document", "ID card expired")
        meanwhile = _portal(server)["DOS-2026-0012"]

        set_before = len(harness.events("docs.status.set"))
        second = harness.run(DOSSIERS, DOSSIER_CONFIG)
        follow = second.items[reference + FOLLOW_UP_SUFFIX]
        assert (follow.state, follow.error_code) == ("business_exception", ALREADY_DECIDED), (
            follow.error_message
        )
        assert "a person settles it" in (follow.error_message or "")
        assert _portal(server)["DOS-2026-0012"] == meanwhile  # never overwritten
        assert second.effects[f"docs:status:{reference}"].state != "confirmed"
        assert len(harness.events("docs.status.set")) == set_before


@pytest.fixture
def erp(tmp_path: Path) -> Iterator[tuple[RunningServer, BotHarness]]:
    with running_server(seed=5, lines=12) as server:
        home = tmp_path / "home"
        shutil.copytree(REPO / "config" / "templates", home / "config" / "templates")
        apps = {"erp": {"url": server.erp_url, "username": server.erp_user, "password": server.erp_password}}
        mail = {"host": server.smtp_host, "port": server.smtp_port, "sender": SENDER}
        with BotHarness(home, clock=lambda: ERP_AFTERNOON, browser=True, apps=apps, mail=mail) as harness:
            yield server, harness


def test_an_approved_formal_notice_is_sent_by_the_next_run_and_a_cancelled_one_is_not(
    erp: tuple[RunningServer, BotHarness],
) -> None:
    server, harness = erp
    first = harness.run(REMINDERS, ClientRemindersConfig())
    held = sorted(i.reference for i in first.items.values() if i.error_code == "REMINDER_NEEDS_APPROVAL")
    assert len(held) >= 2, "the seed stages formal notices"
    sent_before = {m.message_id for m in server.mailbox.messages()}
    approved, cancelled = held[0], held[1]
    _decide(harness, REMINDERS.id, approved, approval_note(True, "file checked, send it"), ERP_AFTERNOON)
    _decide(harness, REMINDERS.id, cancelled, approval_note(False, "customer disputes it"), ERP_AFTERNOON)

    second = harness.run(REMINDERS, ClientRemindersConfig())
    done = second.items[f"{approved}:approved"]
    assert done.state == "done", done.error_message
    assert not [r for r in second.items if r.startswith(f"{cancelled}:")]
    new = [m for m in server.mailbox.messages() if m.message_id not in sent_before]
    assert len(new) == 1, [m.message_id for m in new]
    # The formal notice carries the stable Message-ID of its reminder: the item's key, the effect's too.
    assert new[0].message_id.strip("<>") == message_id_for(approved, SENDER.split("@")[1]).strip("<>")
    assert second.effects[approved].state == "confirmed"
    # The cancelled one is not sent, now or on a later run.
    third = harness.run(REMINDERS, ClientRemindersConfig())
    assert third.summary.processed == 0 and len(server.mailbox.messages()) == len(sent_before) + 1
    assert message_id_for(cancelled, SENDER.split("@")[1]).strip("<>") not in {
        m.message_id.strip("<>") for m in server.mailbox.messages()
    }
    assert harness.verify().ok
