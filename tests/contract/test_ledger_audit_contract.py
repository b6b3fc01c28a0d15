"""The effect ledger and the audit trail on both backends; the chain with writers in several processes."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from typing import Any

import pytest

from rpa.audit.trail import AuditTrail
from rpa.audit.verify import verify_chain
from rpa.effects import EffectLedger, EffectState, EffectUncertainError, effects_of
from rpa.runs import create_run
from rpa.store.db import Database
from tests.contract.workers import append_events

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def _ledger(db: Database) -> EffectLedger:
    audit = AuditTrail("bot:effects/run:1")
    run_id = create_run(db, audit, "effects", trigger="manual", now=T0)
    return EffectLedger(db, "effects", run_id, audit, lambda: T0)


def test_an_effect_is_performed_once(backend: Database) -> None:
    ledger, done = _ledger(backend), []

    def act() -> dict[str, Any]:
        done.append(1)
        return {"payment": "P-1"}

    first = ledger.once("erp:payment:L1", act)
    second = ledger.once("erp:payment:L1", act)
    assert (first.performed, second.performed) == (True, False)
    assert second.result == {"payment": "P-1"}
    assert done == [1]
    assert [e.state for e in effects_of(backend, "effects")] == [EffectState.CONFIRMED]


def test_an_unconfirmed_intent_is_checked_never_redone(backend: Database) -> None:
    ledger, target = _ledger(backend), ["erp:payment:L2"]

    def crash() -> dict[str, Any]:
        target.append("written")
        raise KeyboardInterrupt  # the process dies between acting and confirming

    with pytest.raises(KeyboardInterrupt):
        ledger.once("erp:payment:L2", crash)
    outcome = ledger.once(
        "erp:payment:L2",
        lambda: pytest.fail("acted twice"),
        check=lambda: {"found": True} if "written" in target else None,
    )
    assert outcome.performed is False and outcome.result == {"found": True}
    with pytest.raises(KeyboardInterrupt):
        ledger.once("mail:L3", crash)
    with pytest.raises(EffectUncertainError):
        ledger.once("mail:L3", lambda: pytest.fail("acted twice"))


def test_the_chain_stays_gapless_and_valid_with_writers_in_several_processes(backend: Database) -> None:
    writers, each = 3, 30
    with multiprocessing.get_context("spawn").Pool(writers) as pool:
        assert (
            sum(pool.starmap(append_events, [(backend.url, w, each) for w in range(writers)]))
            == writers * each
        )
    with backend.read() as s:
        report = verify_chain(s)
    assert report.ok, report.render()
    assert report.count == report.last_seq == writers * each
