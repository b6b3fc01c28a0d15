"""The exception page's invoice search over the open items an invoice_matching run kept, the combinations
the bot offered, and the page a person asked for before signing in."""

from __future__ import annotations

from contextlib import closing
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from rpa.audit.trail import AuditTrail
from rpa.clock import utcnow
from rpa.items import ItemState, NewItem
from rpa.open_items import FILE_NAME, OpenItemRow, read_open_items, search_open_items, write_open_items
from rpa.resolutions import FOLLOW_UP_SUFFIX
from rpa.runs import create_run
from rpa.workqueue import WorkQueue, items_of
from tests.console.conftest import Served, csrf_of, exception_item, password, signed_in

BOT = "invoice_matching"
ROWS = [
    OpenItemRow("INV-2026-0101", "C-042", Decimal("120.00"), date(2026, 11, 30), "EUR"),
    OpenItemRow("INV-2026-0102", "C-042", Decimal("80.50"), date(2026, 12, 15), "EUR"),
    OpenItemRow("INV-2026-0207", "C-007", Decimal("120.00"), date(2026, 10, 31), "EUR"),
    OpenItemRow("INV-2026-0300", "C-300", Decimal("999.99"), date(2026, 12, 1), "CHF"),
]


def _run_with_open_items(served: Served) -> int:
    """An invoice_matching run whose report folder holds the open items, written by the kit's writer as
    the bot writes them; INV-2026-0300 was then posted in full by one of the run's items."""
    trail = AuditTrail(f"bot:{BOT}")
    run_id = create_run(served.db, trail, BOT, trigger="manual", now=utcnow())
    write_open_items(served.settings.var_path / "reports" / BOT / f"run-{run_id}", ROWS)
    queue = WorkQueue(served.db, BOT, trail, utcnow)
    queue.add([NewItem("L-POSTED", {"line": {"line_id": "L-POSTED", "amount": "999.99"}})], run_id)
    item = next(i for i in queue.pending() if i.reference == "L-POSTED")
    queue.start(item, run_id)
    posted = {"invoice": "INV-2026-0300", "amount": "999.99", "performed": True, "dry_run": False}
    queue.finish(item, ItemState.DONE, result={"posted": [posted]})
    return run_id


def _line(line_id: str, amount: str, alternatives: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "line": {"line_id": line_id, "amount": amount},
        "kind": "exception",
        "explanation": "no invoice found",
        "allocations": [],
        "alternatives": alternatives or [],
    }


def _claimed(served: Served, client: httpx.Client, item_id: int) -> str:
    page = client.get(f"/exceptions/{item_id}")
    client.post(f"/exceptions/{item_id}/claim", data={"csrf": csrf_of(page.text)})
    return csrf_of(client.get(f"/exceptions/{item_id}").text)


def test_the_file_keeps_no_names_and_reads_back_to_the_cent(tmp_path: Any) -> None:
    path = write_open_items(tmp_path, ROWS)
    assert path.name == FILE_NAME and read_open_items(path) == ROWS
    assert "name" not in path.read_text() and "@" not in path.read_text()
    assert [r.invoice for r in search_open_items(ROWS, "120,00")] == ["INV-2026-0207", "INV-2026-0101"]
    left = search_open_items(ROWS, "c-042", allocated={"INV-2026-0101": Decimal("20.00")})
    assert [(r.invoice, r.amount_open) for r in left] == [
        ("INV-2026-0101", Decimal("100.00")),
        ("INV-2026-0102", Decimal("80.50")),
    ]


def test_search_offers_the_latest_runs_open_items_but_not_the_posted_ones(served: Served) -> None:
    _run_with_open_items(served)
    item_id = exception_item(served.db, BOT, "L-10", _line("L-10", "80.50"), "NO_MATCH")
    with closing(signed_in(served.url, "bob")) as bob:
        page = bob.get(f"/exceptions/{item_id}")
        assert 'id="invoice-query"' not in page.text  # the search belongs to the holder's decision form
        _claimed(served, bob, item_id)
        assert 'id="invoice-query"' in bob.get(f"/exceptions/{item_id}").text

        def found(query: str) -> list[str]:
            answer = bob.get(
                f"/exceptions/{item_id}/invoices", params={"q": query}, headers={"HX-Request": "1"}
            )
            assert answer.status_code == 200
            return [part.split('"')[0] for part in answer.text.split('data-invoice="')[1:]]

        assert found("INV-2026-01") == ["INV-2026-0101", "INV-2026-0102"]  # number prefix, by due date
        assert found("C-007") == ["INV-2026-0207"]  # customer id
        assert found("80.50") == ["INV-2026-0102"]  # amount open
        assert found("INV-2026-03") == []  # posted in full by the run: not offered
        assert found("999.99") == []
        assert found("") == []

        pick = bob.get(f"/exceptions/{item_id}/invoices/pick", params={"invoice": "INV-2026-0101"})
        assert 'value="INV-2026-0101"' in pick.text and 'value="80.50"' in pick.text  # the line's amount
        assert (
            bob.get(f"/exceptions/{item_id}/invoices/pick", params={"invoice": "INV-2026-0300"}).status_code
            == 404
        )

        csrf = csrf_of(bob.get(f"/exceptions/{item_id}").text)
        done = bob.post(
            f"/exceptions/{item_id}/resolve",
            data={
                "csrf": csrf,
                "kind": "match",
                "option": "other",
                "invoice": "INV-2026-0101",
                "invoice_amount": "80.50",
                "comment": "found by the customer's id",
            },
        )
        assert done.status_code == 303
        follow = next(r for r in items_of(served.db, BOT) if r.reference == f"L-10{FOLLOW_UP_SUFFIX}")
        assert follow.payload["allocations"] == [{"invoice": "INV-2026-0101", "amount": "80.50"}]
        # decided, not yet posted: what is left of the invoice is offered, no more
        assert found("C-042") == ["INV-2026-0101", "INV-2026-0102"]
        assert found("39.50") == ["INV-2026-0101"]


def test_search_without_any_run_says_so(served: Served) -> None:
    item_id = exception_item(served.db, BOT, "L-11", _line("L-11", "10.00"), "NO_MATCH")
    with closing(signed_in(served.url, "bob")) as bob:
        answer = bob.get(f"/exceptions/{item_id}/invoices", params={"q": "INV"})
        assert "No open items yet" in answer.text


def test_a_combination_with_its_split_is_offered_and_resolves_with_each_amount(served: Served) -> None:
    combo = {
        "invoices": ["INV-7", "INV-8"],
        "amount": "150.00",
        "score": 0.4,
        "note": "adds up to the amount",
        "split": [{"invoice": "INV-7", "amount": "100.00"}, {"invoice": "INV-8", "amount": "50.00"}],
    }
    unsplit = {"invoices": ["INV-5", "INV-6"], "amount": "150.00", "score": 0.3, "note": "older payload"}
    item_id = exception_item(served.db, BOT, "L-12", _line("L-12", "150.00", [combo, unsplit]), "X")
    with closing(signed_in(served.url, "carol")) as carol:
        csrf = _claimed(served, carol, item_id)
        page = carol.get(f"/exceptions/{item_id}").text
        assert 'value="a0"' in page and "combination 1" in page
        assert 'value="a1"' not in page  # no split stored: it cannot be posted as such
        data = {"csrf": csrf, "kind": "match", "option": "a0", "comment": "remittance lists both"}
        assert carol.post(f"/exceptions/{item_id}/resolve", data=data).status_code == 303
        view = carol.get(f"/exceptions/{item_id}").text
        assert "match INV-7=100.00; INV-8=50.00 | remittance lists both" in view


@pytest.mark.parametrize(
    "asked",
    ["//evil.example", "https://evil.example", "/\\evil", "/\t/evil.example", "evil.example", "/login"],
)
def test_sign_in_refuses_to_send_anywhere_but_a_local_page(served: Served, asked: str) -> None:
    with httpx.Client(base_url=served.url, headers={"accept": "text/html"}) as client:
        form = client.get("/login", params={"next": asked})
        assert 'name="next"' not in form.text
        answer = client.post(
            "/login",
            data={
                "login": "audrey",
                "password": password("audrey"),
                "csrf": csrf_of(form.text),
                "next": asked,
            },
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_sign_in_goes_to_the_page_first_asked_for(served: Served) -> None:
    with httpx.Client(base_url=served.url, headers={"accept": "text/html"}) as client:
        first = client.get("/runs?bot=invoice_matching&status=failed")
        assert first.status_code == 303
        target = urlsplit(first.headers["location"])
        asked = parse_qs(target.query)["next"][0]
        assert target.path == "/login" and asked == "/runs?bot=invoice_matching&status=failed"
        form = client.get(first.headers["location"])
        assert 'name="next" value="/runs?bot=invoice_matching&amp;status=failed"' in form.text
        wrong = client.post(
            "/login", data={"login": "olivia", "password": "nope", "csrf": csrf_of(form.text), "next": asked}
        )
        assert wrong.status_code == 401 and 'name="next"' in wrong.text  # kept for the second try
        answer = client.post(
            "/login",
            data={
                "login": "olivia",
                "password": password("olivia"),
                "csrf": csrf_of(form.text),
                "next": asked,
            },
        )
        assert answer.status_code == 303 and answer.headers["location"] == asked
        assert client.get(asked).status_code == 200
        assert client.get("/").status_code == 200
    with httpx.Client(base_url=served.url, headers={"accept": "text/html"}) as plain:
        assert plain.get("/").headers["location"] == "/login"  # the dashboard needs no detour


def test_the_bots_combination_reaches_the_page_with_each_invoices_amount(served: Served) -> None:
    from bots.invoice_matching.model import Decision
    from rpa.payloads import PayloadCodec
    from tests.invoice_matching.builders import item, line, one

    items = [item("INV-1001", "1000.00"), item("INV-1002", "400.00"), item("INV-1003", "240.00")]
    decided = one(
        [line("L1", "640.00", remittance="INV-1001", counterparty_iban="DE89370400440532013000")], items
    )
    payload = PayloadCodec(Decision).encode(decided)
    assert payload["alternatives"][0]["split"] == [
        {"invoice": "INV-1002", "amount": "400.00"},
        {"invoice": "INV-1003", "amount": "240.00"},
    ]
    item_id = exception_item(served.db, BOT, "L1", payload, str(decided.reason_code))
    with closing(signed_in(served.url, "bob")) as bob:
        _claimed(served, bob, item_id)
        page = bob.get(f"/exceptions/{item_id}").text
        assert "combination 1: <strong>INV-1002</strong> 400.00, <strong>INV-1003</strong> 240.00" in page
