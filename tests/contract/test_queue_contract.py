"""The work queue on both backends: several processes claim the items of one run, none twice."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import UTC, datetime, timedelta

from rpa.audit.trail import AuditTrail
from rpa.items import ItemState, NewItem
from rpa.runs import create_run
from rpa.store.db import Database
from rpa.workqueue import WorkQueue, items_of
from tests.contract.workers import claim_all

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def _queue(db: Database, bot: str = "effects") -> WorkQueue:
    return WorkQueue(db, bot, AuditTrail(f"bot:{bot}/run:1"), lambda: T0)


def test_items_are_unique_per_reference(backend: Database) -> None:
    run_id = create_run(backend, AuditTrail("system:test"), "effects", trigger="manual", now=T0)
    queue = _queue(backend)
    assert queue.add([NewItem("a", {}), NewItem("b", {})], run_id) == 2
    assert queue.add([NewItem("a", {}), NewItem("c", {})], run_id) == 1
    assert [i.reference for i in queue.pending()] == ["a", "b", "c"]


def test_claims_from_several_processes_are_disjoint_and_complete(backend: Database) -> None:
    run_id = create_run(backend, AuditTrail("system:test"), "effects", trigger="manual", now=T0)
    refs = [f"line-{n:03d}" for n in range(60)]
    _queue(backend).add([NewItem(r, {}) for r in refs], run_id)
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        taken = pool.starmap(claim_all, [(backend.url, "effects", run_id)] * 3)
    counts = Counter(r for part in taken for r in part)
    assert sorted(counts) == refs
    assert set(counts.values()) == {1}, "an item was claimed twice"
    rows = items_of(backend, "effects")
    assert {r.state for r in rows} == {ItemState.IN_PROGRESS}
    assert {r.attempts for r in rows} == {1}


def test_items_left_by_an_interrupted_run_are_claimed_again_only_when_named(backend: Database) -> None:
    audit = AuditTrail("system:test")
    first = create_run(backend, audit, "effects", trigger="manual", now=T0)
    queue = _queue(backend)
    queue.add([NewItem("x", {}), NewItem("y", {})], first)
    assert [i.reference for i in queue.claim(first, limit=1)] == ["x"]
    resume = create_run(backend, audit, "effects", trigger="resume", now=T0)
    assert [i.reference for i in queue.claim(resume, limit=5)] == ["y"]
    again = queue.claim(resume, limit=5, reclaim=[first])
    assert [(i.reference, i.attempts) for i in again] == [("x", 2)]


def test_finished_items_leave_the_queue_and_exceptions_wait_for_a_person(backend: Database) -> None:
    run_id = create_run(backend, AuditTrail("system:test"), "effects", trigger="manual", now=T0)
    queue = _queue(backend)
    queue.add([NewItem("ok", {}), NewItem("bad", {})], run_id)
    ok, bad = queue.claim(run_id, limit=2)
    queue.finish(ok, ItemState.DONE, result={"posted": True})
    queue.finish(bad, ItemState.BUSINESS_EXCEPTION, error_code="AMOUNT_MISMATCH", error_message="no")
    assert queue.claim(run_id, limit=5) == []
    person = AuditTrail("user:alice")
    queue.resolve("bad", "matched by hand", person)
    states = {r.reference: r.state for r in items_of(backend, "effects")}
    assert states == {"ok": ItemState.DONE, "bad": ItemState.RESOLVED}


def test_an_item_held_past_the_claim_timeout_is_claimed_again_and_the_run_counts_what_it_settled(
    backend: Database,
) -> None:
    """A shared run: the worker holding an item died; after the claim timeout another worker takes it."""
    run_id = create_run(backend, AuditTrail("system:test"), "effects", trigger="manual", now=T0)
    now = [T0]
    queue = WorkQueue(backend, "effects", AuditTrail(f"bot:effects/run:{run_id}"), lambda: now[0])
    queue.add([NewItem("held", {}), NewItem("next", {})], run_id)
    (held,) = queue.claim(run_id)
    assert queue.open_count() == 2
    now[0] = T0 + timedelta(seconds=30)
    assert [i.reference for i in queue.claim(run_id, stale_before=T0 - timedelta(seconds=1))] == ["next"]
    assert queue.claim(run_id, stale_before=T0 - timedelta(seconds=1)) == []  # held, not stale yet
    again = queue.claim(run_id, stale_before=T0 + timedelta(seconds=1))
    assert [(i.reference, i.attempts) for i in again] == [("held", 2)]
    queue.finish(again[0], ItemState.DONE, result={})
    assert queue.open_count() == 1 and queue.settled_in(run_id) == {
        ItemState.DONE: 1,
        ItemState.IN_PROGRESS: 1,
    }
    assert held.reference == "held"
