"""Parallel lanes keep the chain gap-free; dry runs touch nothing real; secrets never reach the logs."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

from loguru import logger
from sqlalchemy import func, select

from rpa.audit.trail import AuditTrail
from rpa.audit.verify import verify_chain
from rpa.log import configure_logging
from rpa.runner import RunEnvironment, execute_run
from rpa.runs import create_run
from rpa.settings import Settings, load_settings
from rpa.store.db import Database
from rpa.store.models import AuditEvent, WorkItem
from tests.conftest import run_cli
from tests.kit.sample_bots import EFFECT_BOT, MIXED_BOT, EffectConfig, MixedConfig


def _new_run(db: Database, bot: str, dry_run: bool = False) -> int:
    return create_run(
        db, AuditTrail("user:test"), bot, trigger="manual", now=datetime.now(UTC), dry_run=dry_run
    )


def test_four_lanes_write_one_gap_free_chain(settings: Settings, db: Database) -> None:
    bot = dataclasses.replace(MIXED_BOT, lanes=4)
    summary = execute_run(
        RunEnvironment(settings=settings, db=db, sleep=lambda _s: None),
        bot,
        MixedConfig(items=10),
        _new_run(db, "mixed"),
    )
    assert summary.processed == 40 and summary.done == 20
    with db.read() as s:
        report = verify_chain(s)
        count, top = s.execute(select(func.count(), func.max(AuditEvent.seq))).one()
    assert report.ok, report.problems
    assert count == top == report.count


def test_dry_run_performs_no_effect_and_leaves_real_items_untouched(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    target = tmp_path / "outbox.txt"
    env = RunEnvironment(settings=settings, db=db)
    dry = execute_run(
        env, EFFECT_BOT, EffectConfig(target=target, items=3), _new_run(db, "effects", True), dry_run=True
    )
    assert dry.done == 3 and not target.exists()
    real = execute_run(env, EFFECT_BOT, EffectConfig(target=target, items=3), _new_run(db, "effects"))
    assert real.done == 3  # the dry run did not mark the real items done
    assert target.read_text().splitlines() == ["target:e1", "target:e2", "target:e3"]
    with db.read() as s:
        states = dict(
            s.execute(select(WorkItem.reference, WorkItem.state).where(WorkItem.bot == "effects")).all()
        )
    assert states == {"e1": "done", "e2": "done", "e3": "done"}


def test_secrets_are_redacted_from_terminal_and_json_logs(rpa_home: Path, capfd: object) -> None:
    secret = "s3cr3t-Pa55word"
    s = load_settings(home=rpa_home, apps={"erp": {"url": "http://x", "password": secret}})
    configure_logging(s)
    try:
        logger.info("logging in with {}", secret)
        logger.bind(bot="demo", token=secret).warning("retry after failure for " + secret)
    finally:
        logger.remove()
    captured = capfd.readouterr()  # type: ignore[attr-defined]
    json_log = (rpa_home / "var" / "logs" / "rpa.jsonl").read_text()
    assert "[REDACTED]" in captured.err and "[REDACTED]" in json_log
    assert secret not in captured.err and secret not in json_log


def test_run_summary_is_printed(rpa_home: Path) -> None:
    result = run_cli(
        rpa_home,
        "run",
        "mixed",
        extra_bots=["tests.kit.sample_bots:MIXED_BOT"],
        RPA_RUN__BACKOFF_INITIAL_S="0",
    )
    assert result.returncode == 0, result.stderr
    for figure in (
        "items done",
        "6",
        "to a person: business rule",
        "to a person: technical failure",
        "duration (s)",
        "succeeded_with_exceptions",
    ):
        assert figure in result.stdout
    queue = run_cli(rpa_home, "exceptions", "list")
    assert "AMOUNT_MISMATCH" in queue.stdout and "6 item(s) waiting" in queue.stdout


def test_a_person_resolves_an_exception_and_it_is_audited(rpa_home: Path) -> None:
    bots = ["tests.kit.sample_bots:MIXED_BOT"]
    assert run_cli(rpa_home, "run", "mixed", extra_bots=bots, RPA_RUN__BACKOFF_INITIAL_S="0").returncode == 0
    done = run_cli(
        rpa_home, "exceptions", "resolve", "mixed", "business-0", "--note", "amount fixed in the ERP"
    )
    assert done.returncode == 0, done.stderr
    queue = run_cli(rpa_home, "exceptions", "list")
    assert "business-0" not in queue.stdout and "5 item(s) waiting" in queue.stdout

    again = run_cli(rpa_home, "exceptions", "resolve", "mixed", "ok-0", "--note", "x")
    assert again.returncode == 2 and "not in the exception queue" in again.stderr
    unknown = run_cli(rpa_home, "exceptions", "resolve", "mixed", "nope", "--note", "x")
    assert unknown.returncode == 2 and "no work item 'nope'" in unknown.stderr

    db = Database(f"sqlite:///{rpa_home / 'var' / 'rpa.db'}")
    with db.read() as s:
        event = s.execute(select(AuditEvent).where(AuditEvent.action == "exception.resolved")).scalar_one()
    db.dispose()
    assert event.actor.startswith("user:") and event.target_id == "mixed:business-0"
    assert "amount fixed in the ERP" in event.details and "AMOUNT_MISMATCH" in event.details
    assert run_cli(rpa_home, "audit", "verify").returncode == 0


def test_application_exceptions_go_back_into_the_queue_and_items_show_in_full(rpa_home: Path) -> None:
    bots = ["tests.kit.sample_bots:MIXED_BOT"]
    assert run_cli(rpa_home, "run", "mixed", extra_bots=bots, RPA_RUN__BACKOFF_INITIAL_S="0").returncode == 0
    listed = json.loads(run_cli(rpa_home, "exceptions", "list", "--json").stdout)
    technical = sorted(i["reference"] for i in listed if i["state"] == "application_exception")
    codes = {i["error_code"] for i in listed if i["state"] == "application_exception"}
    business = sorted(i["reference"] for i in listed if i["state"] == "business_exception")
    assert technical and business

    shown = run_cli(rpa_home, "exceptions", "show", "mixed", business[0], "--json")
    assert shown.returncode == 0, shown.stderr
    item = json.loads(shown.stdout)
    assert item["error_code"] == "AMOUNT_MISMATCH" and "payload" in item and item["first_run_id"] == 1
    assert run_cli(rpa_home, "exceptions", "show", "mixed", "nope").returncode == 2

    refused = run_cli(rpa_home, "exceptions", "retry", "mixed", business[0])
    assert refused.returncode == 2 and "only application exceptions" in refused.stderr
    one = run_cli(rpa_home, "exceptions", "retry", "mixed", technical[0])
    assert one.returncode == 0 and "1 item(s)" in one.stdout, one.stderr
    (code,) = codes
    rest = run_cli(rpa_home, "exceptions", "retry", "mixed", "--code", code)
    assert rest.returncode == 0 and f"{len(technical) - 1} item(s)" in rest.stdout
    after = json.loads(run_cli(rpa_home, "exceptions", "list", "--json").stdout)
    assert sorted(i["reference"] for i in after) == business
    runs = json.loads(run_cli(rpa_home, "runs", "list", "--json").stdout)
    assert runs[0]["status"] == "succeeded_with_exceptions" and runs[0]["summary"]["done"] >= 1

    empty = run_cli(rpa_home, "exceptions", "resolve", "mixed", business[0], "--note", "  ")
    assert empty.returncode == 2 and "--note" in empty.stderr

    db = Database(f"sqlite:///{rpa_home / 'var' / 'rpa.db'}")
    with db.read() as s:
        retried = (
            s.execute(select(AuditEvent).where(AuditEvent.action == "exception.retried")).scalars().all()
        )
    db.dispose()
    assert len(retried) == len(technical) and all(e.actor.startswith("user:") for e in retried)
