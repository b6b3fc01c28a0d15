"""The ERP's collection data for a reminder bot: contacts, disputes, promises, credits, the 'reminder sent'
form, the JSON a bot checks, the ground truth of which reminder is due, and its scoring."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from legacy_apps.erp.reminder_scoring import score_reminders
from legacy_apps.erp.reminder_truth import REASONS, InvoiceFacts, decide, reminders_truth
from legacy_apps.scoring import score
from legacy_apps.testing import RunningServer
from legacy_apps.truth import write_ground_truth, write_reminders_truth
from legacy_apps.world import build_world
from legacy_apps.world.reminder_model import LEVELS
from legacy_apps.world.reminders import build_reminder_world
from tests.legacy_apps.conftest import csrf_of, erp_login

TODAY = date(2026, 11, 20)


def scenario_invoice(name: str, seed: int = 42) -> str:
    return next(n for n, s in build_reminder_world(build_world(seed)).scenarios if s == name)


def post_reminder(http: httpx.Client, number: str, **fields: str) -> httpx.Response:
    page = http.get(f"/erp/invoice/{number}")
    return http.post(f"/erp/invoice/{number}/reminders", data={"csrf_token": csrf_of(page.text), **fields})


# --- ground truth -------------------------------------------------------------------------------------


def test_reminders_truth_is_byte_identical_for_a_seed_and_differs_for_another(tmp_path: Path) -> None:
    paths = [tmp_path / name for name in ("a.json", "b.json", "c.json")]
    write_reminders_truth(42, paths[0])
    write_reminders_truth(42, paths[1])
    write_reminders_truth(43, paths[2])
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()
    later = reminders_truth(42, TODAY + timedelta(days=10))
    assert later["as_of"] == "2026-11-30" and later != json.loads(paths[0].read_text(encoding="utf-8"))


@pytest.mark.parametrize("seed", [42, 43, 7])
def test_truth_has_every_level_due_and_every_reason_not_to_send(seed: int) -> None:
    truth = reminders_truth(seed)
    assert set(truth["summary"]["by_level"]) == set(LEVELS)
    assert set(truth["summary"]["by_reason"]) == set(REASONS)
    staged = {e["scenario"]: e for e in truth["invoices"].values() if e["scenario"]}
    expected_sends = {
        "courtesy": "courtesy", "first": "first", "second": "second", "formal_notice": "formal_notice",
        "collection": "collection", "first_after_courtesy": "first", "second_after_first": "second",
        "collection_after_formal_notice": "collection", "promise_broken": "second",
        "partial_credit_note": "first",
    }  # fmt: skip
    for scenario, level in expected_sends.items():
        assert staged[scenario]["send"] and staged[scenario]["level"] == level, scenario
    for reason in REASONS:  # each reason is staged by the scenario of the same name
        assert staged[reason]["reason"] == reason and not staged[reason]["send"], reason
    assert staged["unallocated_payment"]["reason"] == "credit_note"
    assert staged["waiting_delay"]["next_on"] > truth["as_of"]
    assert Decimal(staged["partial_credit_note"]["amount_due"]) < Decimal(
        staged["partial_credit_note"]["amount"]
    )


def test_dedicated_invoices_stay_out_of_the_reconciliation_world() -> None:
    world = build_world(42)
    extra = build_reminder_world(world)
    numbers = {i.number for i in extra.invoices}
    assert len(numbers) == 20 and all(re.fullmatch(r"INV-\d{4}-9\d{5}", n) for n in numbers)
    assert not numbers & {i.number for i in world.invoices}
    settled = {s.invoice for line in world.lines for s in line.settles}
    assert not numbers & settled
    line_amounts = {abs(line.amount) for line in world.lines} | {i.amount for i in world.invoices}
    assert not {i.amount for i in extra.invoices} & line_amounts
    assert {c.customer_id for c in extra.customers}.isdisjoint(c.customer_id for c in world.customers)
    assert len(extra.contacts) == len(world.customers) + len(extra.customers)
    assert {c.language for c in extra.contacts} == {"fr", "en"}


def test_policy_waits_between_levels_and_resumes_after_a_broken_promise() -> None:
    due = TODAY - timedelta(days=20)
    base = InvoiceFacts("INV-X", "C1", due, Decimal("100.00"), Decimal("100.00"))
    assert decide(base, TODAY).level == "second" and decide(base, TODAY).send
    recent = InvoiceFacts("INV-X", "C1", due, Decimal("100.00"), Decimal("100.00"), sent=(("first", TODAY),))
    waiting = decide(recent, TODAY)
    assert waiting.reason == "waiting_delay" and waiting.next_on == TODAY + timedelta(days=8)
    assert decide(recent, TODAY + timedelta(days=8)).send
    broken = InvoiceFacts(
        "INV-X", "C1", due, Decimal("100"), Decimal("100"), promised_until=TODAY - timedelta(1)
    )
    kept = InvoiceFacts("INV-X", "C1", due, Decimal("100"), Decimal("100"), promised_until=TODAY)
    assert decide(broken, TODAY).send and decide(kept, TODAY).reason == "promised"
    small = InvoiceFacts("INV-X", "C1", due, Decimal("100"), Decimal("100"), credit_for_invoice=Decimal("95"))
    assert decide(small, TODAY).reasons == ("under_minimum",)
    assert decide(base, due - timedelta(days=4)).reason == "not_due"
    assert decide(base, due - timedelta(days=3)).level == "courtesy"


# --- screens and JSON ---------------------------------------------------------------------------------


def test_customer_page_shows_contact_and_credits_with_stable_selectors(
    client: httpx.Client, server: RunningServer
) -> None:
    erp_login(client, server)
    world = build_reminder_world(build_world(42))
    number = scenario_invoice("unallocated_payment")
    invoice = next(i for i in world.invoices if i.number == number)
    page = client.get(f"/erp/customer/{invoice.customer_id}").text
    contact = world.contact(invoice.customer_id)
    assert f'id="contact-email" data-email="{contact.email}"' in page
    assert f'data-language="{contact.language}"' in page and f'data-time-zone="{contact.time_zone}"' in page
    assert 'id="contact-do-not-remind" data-do-not-remind="false"' in page
    credit = next(c for c in world.credits if c.customer_id == invoice.customer_id)
    assert f'data-credit-number="{credit.number}" data-kind="unallocated_payment"' in page
    assert f'data-amount="{credit.amount:.2f}" data-invoice=""' in page
    blocked = build_reminder_world(build_world(42)).invoices
    blocked_customer = next(i.customer_id for i in blocked if i.number == scenario_invoice("do_not_remind"))
    other = client.get(f"/erp/customer/{blocked_customer}").text
    assert 'data-do-not-remind="true"' in other and "Procédure collective" in other


def test_invoice_page_shows_dispute_promise_and_seeded_history(
    client: httpx.Client, server: RunningServer
) -> None:
    erp_login(client, server)
    disputed = client.get(f"/erp/invoice/{scenario_invoice('disputed')}").text
    assert 'id="invoice-disputed" data-disputed="true"' in disputed
    promised = client.get(f"/erp/invoice/{scenario_invoice('promised')}").text
    assert re.search(r'id="invoice-promised-until" data-date="2026-1[12]-\d\d"', promised)
    credited = client.get(f"/erp/invoice/{scenario_invoice('credit_note')}").text
    assert re.search(r'id="invoice-credit-notes" data-amount="[1-9][\d]*\.\d\d" data-numbers="AV-', credited)
    history = client.get(f"/erp/invoice/{scenario_invoice('already_sent')}").text
    assert history.count("data-reminder-id=") == 2
    assert 'data-level="first"' in history and 'data-level="second"' in history
    assert 'id="reminder-form"' in history and 'id="reminder-message-id"' in history


def test_reminder_form_validates_records_and_is_found_by_message_id(
    client: httpx.Client, server: RunningServer
) -> None:
    erp_login(client, server)
    number = scenario_invoice("second")
    bad = post_reminder(client, number, level="third", sent_on="31/02/2026", message_id="no-brackets")
    assert bad.status_code == 422
    assert 'id="reminder-level-error"' in bad.text and "is not a calendar date" in bad.text
    assert 'id="reminder-message_id-error"' in bad.text and 'value="no-brackets"' in bad.text
    future = post_reminder(client, number, level="second", sent_on="21/11/2026", message_id="<a@b.fr>")
    assert future.status_code == 422 and "cannot be after the accounting date" in future.text
    wrong_channel = post_reminder(
        client, number, level="second", sent_on="20/11/2026", message_id="<a@b>", channel="fax"
    )
    assert wrong_channel.status_code == 422 and "Channel must be one of" in wrong_channel.text
    assert client.get(f"/erp/api/invoice/{number}/reminders").json()["count"] == 0

    message_id = "<rem-20261120-0001@compagnie-exemple.fr>"
    done = post_reminder(client, number, level="second", sent_on="20/11/2026", message_id=message_id)
    assert done.status_code == 200 and "Reminder REM-" in done.text
    assert (
        f'data-level="second" data-sent-on="2026-11-20" data-message-id="{message_id}"'
        in done.text.replace("&lt;", "<").replace("&gt;", ">")
    )
    found = client.get(f"/erp/api/invoice/{number}/reminders", params={"message_id": message_id}).json()
    assert found["count"] == 1 and found["reminders"][0]["recorded_by"] == server.erp_user
    assert (
        client.get(f"/erp/api/invoice/{number}/reminders", params={"message_id": "<x@y>"}).json()["count"]
        == 0
    )
    letter = post_reminder(client, number, level="formal_notice", sent_on="2026-11-19", channel="letter")
    assert letter.status_code == 200  # a letter has no Message-ID
    server.reset_erp()
    assert httpx.get(f"{server.base_url}/_admin/erp/invoice/{number}/reminders").json()["count"] == 0


def test_json_api_needs_a_session_and_lists_what_a_bot_checks(
    client: httpx.Client, server: RunningServer
) -> None:
    denied = client.get("/erp/api/overdue")
    assert denied.status_code == 401 and "sign in" in denied.json()["error"]
    erp_login(client, server)
    overdue = client.get("/erp/api/overdue").json()
    rows = {row["number"]: row for row in overdue["invoices"]}
    assert overdue["count"] == len(rows) and overdue["due_by"] == "2026-11-23"
    assert all(row["due_date"] <= "2026-11-23" and Decimal(row["open_amount"]) > 0 for row in rows.values())
    assert scenario_invoice("not_due") not in rows and scenario_invoice("paid") not in rows
    disputed = rows[scenario_invoice("disputed")]
    assert disputed["disputed"] is True and disputed["dispute_reason"]
    assert rows[scenario_invoice("promised")]["promised_until"] > "2026-11-20"
    assert rows[scenario_invoice("credit_note")]["credit_notes"][0]["invoice"] == scenario_invoice(
        "credit_note"
    )
    contact = rows[scenario_invoice("courtesy")]["customer"]["contact"]
    assert contact["email"].endswith(".example.com") and contact["language"] in {"fr", "en"}
    assert rows[scenario_invoice("already_sent")]["reminders"][0]["seeded"] is True
    single = client.get(f"/erp/api/invoice/{scenario_invoice('paid')}").json()
    assert single["status"] == "Settled manually" and single["open_amount"] == "0.00"
    assert client.get("/erp/api/invoice/INV-0000-000000").status_code == 404
    everything = client.get("/erp/api/overdue", params={"horizon_days": "3650"}).json()
    assert everything["count"] > overdue["count"]


def test_admin_truth_endpoint_matches_the_written_truth(server: RunningServer) -> None:
    served = httpx.get(f"{server.base_url}/_admin/reminders/truth", params={"as_of": "2026-11-25"}).json()
    assert served == json.loads(json.dumps(reminders_truth(42, date(2026, 11, 25))))
    bad = httpx.get(f"{server.base_url}/_admin/reminders/truth", params={"as_of": "25/11/2026"})
    assert bad.status_code == 400


# --- scoring ------------------------------------------------------------------------------------------


def _reminder(invoice: str, level: str, message_id: str, *, seeded: bool = False) -> dict[str, object]:
    return {
        "invoice": invoice, "level": level, "message_id": message_id, "channel": "email", "seeded": seeded,
        "sent_on": "2026-11-20", "recorded_by": "bot",
    }  # fmt: skip


def _mail(message_id: str, to: str) -> dict[str, object]:
    return {"message_id": message_id, "envelope_to": [to]}


def test_scoring_counts_due_forbidden_early_duplicate_and_missed_reminders() -> None:
    truth = reminders_truth(42)
    entries = truth["invoices"]
    due, disputed, early = (
        scenario_invoice("second"),
        scenario_invoice("disputed"),
        scenario_invoice("not_due"),
    )
    already = scenario_invoice("already_sent")
    history = [
        _reminder(already, "second", "<old@x>", seeded=True),
        _reminder(due, "second", "<m1@x>"),
        _reminder(due, "second", "<m2@x>"),  # the same level twice
        _reminder(disputed, entries[disputed]["level"], "<m3@x>"),
        _reminder(early, "courtesy", "<m4@x>"),
        _reminder(already, "second", "<m5@x>"),  # re-sends a level already in the history
    ]
    mails = [
        _mail("<m1@x>", entries[due]["email"]), _mail("<m1@x>", entries[due]["email"]),
        _mail("<m3@x>", "someone@else.fr"), _mail("<m9@x>", "x@y.fr"),
    ]  # fmt: skip
    result = score_reminders(truth, history, mails)
    json.dumps(result)
    assert result["noted"] == 5 and result["emails"] == 4
    assert result["sent_when_due"] == 2  # the due level, noted twice
    assert result["sent_when_forbidden"] == 1 and result["forbidden_by_reason"] == {"disputed": 1}
    assert result["sent_too_early"] == 2  # not yet due, and a level already sent
    assert {(d["invoice"], d["times"]) for d in result["duplicate_levels"]} == {(due, 2), (already, 2)}
    assert result["duplicate_message_ids"] == ["<m1@x>"]
    assert result["duplicates"] == 3
    assert result["missed"] == truth["summary"]["to_send"] - 1
    assert result["emails_not_noted"] == ["<m9@x>"]
    assert set(result["noted_without_email"]) == {"<m2@x>", "<m4@x>", "<m5@x>"}
    assert [w["invoice"] for w in result["wrong_recipient"]] == [disputed]
    # One email listing two invoices of a customer is noted on both: not a duplicate.
    second = scenario_invoice("first")
    shared = [_reminder(due, "second", "<one@x>"), _reminder(second, "first", "<one@x>")]
    assert score_reminders(truth, shared, [_mail("<one@x>", entries[due]["email"])])["duplicates"] == 0
    clean = score_reminders(truth, [], [])
    assert clean["missed"] == truth["summary"]["to_send"] and clean["duplicates"] == 0


def test_legacy_score_has_a_reminders_section_when_the_truth_has_one(
    client: httpx.Client, server: RunningServer, tmp_path: Path
) -> None:
    write_ground_truth(42, tmp_path, include_docportal=False)
    erp_login(client, server)
    number = scenario_invoice("first")
    post_reminder(client, number, level="first", sent_on="20/11/2026", message_id="<s1@compagnie-exemple.fr>")
    result = score(tmp_path, server.base_url)
    section = result["reminders"]
    assert (
        section["noted"] == 1
        and section["sent_when_due"] == 1
        and section["noted_without_email"] == ["<s1@compagnie-exemple.fr>"]
    )
    assert result["lines_posted"] == 0  # the payments score is untouched
    (tmp_path / "reminders.json").unlink()
    assert "reminders" not in score(tmp_path, server.base_url)
