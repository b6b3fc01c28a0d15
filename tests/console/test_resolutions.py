"""The resolution notes a person's decision is written in, and the follow-up item of a chosen match."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rpa.resolutions import (
    ResolutionError,
    approval_note,
    findings_note,
    follow_up_payload,
    match_note,
    parse_findings,
    parse_match,
)


def test_a_match_note_round_trips_and_refuses_what_a_bot_could_not_post() -> None:
    note = match_note([("INV-1", Decimal("120.00")), ("INV-2", Decimal("30.5"))], "  advice   checked ")
    assert note == "match INV-1=120.00; INV-2=30.5 | advice checked"
    assert parse_match(note) == [("INV-1", Decimal("120.00")), ("INV-2", Decimal("30.5"))]
    assert parse_match("paid by cheque, booked by hand") is None
    assert parse_match("match INV-1=abc | x") is None
    one = Decimal("1")
    refused = [([("INV-1", one)], " "), ([], "ok"), ([("INV 1", one)], "ok"), ([("INV-1", -one)], "ok")]
    for allocations, comment in refused:
        with pytest.raises(ResolutionError):
            match_note(allocations, comment)


def test_reminder_and_dossier_notes() -> None:
    approved = approval_note(True, "customer called, send it")
    assert approved.lower().startswith("approve")  # what client_reminders reads as an approval
    assert approval_note(False, "disputed").startswith("cancelled | ")
    note = findings_note({"DOC_EXPIRED": True, "IBAN_INVALID": False}, "IBAN confirmed by phone")
    assert parse_findings(note) == {"DOC_EXPIRED": True, "IBAN_INVALID": False}


def test_the_follow_up_item_carries_the_chosen_invoices_as_an_automatic_decision() -> None:
    payload = {
        "line": {"line_id": "BQ1", "amount": "150.00"}, "kind": "suggested", "method": "amount",
        "explanation": "close", "allocations": [{"invoice": "INV-9", "amount": "150.00"}],
        "differences": [{"kind": "partial", "invoice": "INV-9", "amount": "1.00"}], "alternatives": [],
    }  # fmt: skip
    follow = follow_up_payload(payload, "match INV-1=100.00; INV-2=50.00 | split agreed with the customer")
    assert follow is not None and follow["kind"] == "auto" and follow["line"] == payload["line"]
    assert follow["allocations"] == [
        {"invoice": "INV-1", "amount": "100.00"},
        {"invoice": "INV-2", "amount": "50.00"},
    ]
    assert follow["differences"] == [] and "split agreed" in follow["explanation"]
    assert follow_up_payload(payload, "settled by hand") is None
    assert follow_up_payload({"dossier_id": "D1"}, "match INV-1=1.00 | x") is None
