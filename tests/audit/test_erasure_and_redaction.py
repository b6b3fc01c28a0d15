"""Personal data: sealed per subject and erasable without breaking the proof; masked references; an
allow-list per action that every action of the code base has."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from rpa.audit.bundle import write_bundle
from rpa.audit.redact import REDACTED, DetailsRefused, Personal, fields_for, mask_iban, sanitize
from rpa.audit.search import forget, search_events
from rpa.audit.trail import AuditTrail
from rpa.audit.verify import verify_database
from rpa.settings import Settings
from rpa.store.db import Database
from tests.audit.conftest import build_trail
from tests.conftest import REPO, run_cli

NAME, EMAIL, IBAN = "Josiane Vermeulen-Kowalczyk", "josiane.vk@example.org", "FR7630006000011234567890189"


def _record_personal(db: Database) -> None:
    audit = AuditTrail("bot:client_reminders/run:7")
    with db.transaction() as s:
        audit.record(s, "reminder.planned", "invoice", "INV-2041", details={
            "customer": "C042", "reason": "overdue", "level": 2, "amount_due": "120.00",
            "explanation": Personal("customer:C042", f"{NAME} <{EMAIL}> pays from {IBAN}"),
        })  # fmt: skip
        audit.record(s, "mail.sent", "customer", "C042", details={
            "key": "C042:2", "message_id": "<m1@x>", "level": 2, "language": "fr", "invoices": ["INV-2041"],
            "approved": Personal("customer:C042", NAME),
        })  # fmt: skip


def test_forgotten_subject_leaves_a_verifying_trail_and_no_trace(
    settings: Settings, db: Database, rpa_home: Path, tmp_path: Path
) -> None:
    build_trail(settings, db, batches=1, per_batch=10)
    _record_personal(db)
    opened = search_events(db, target="invoice:INV-2041")
    assert NAME in opened[0]["details"]["explanation"]  # readable while the key exists

    assert forget(db, "customer:C042", "user:dpo") == 2
    report = verify_database(db, settings)
    assert report.ok, report.problems
    erased = search_events(db, target="invoice:INV-2041")
    assert erased[0]["details"]["explanation"] == "[erased]"
    assert search_events(db, action="audit.subject_forgotten")[0]["actor"] == "user:dpo"
    out = tmp_path / "bundle"
    write_bundle(db, settings, date(2000, 1, 1), date(2100, 1, 1), out)
    db.dispose()
    # The CLI's own view and its log files, too.
    shown = run_cli(rpa_home, "audit", "search", "--target", "customer:C042", "--json")
    assert shown.returncode == 0 and '"approved": "[erased]"' in shown.stdout, shown.stderr
    places = [*settings.var_path.rglob("*"), *out.rglob("*"), *settings.audit_path.rglob("*")]
    files = [p for p in places if p.is_file()]
    assert any(p.name == "rpa.db" for p in files) and any(p.suffix == ".jsonl" for p in files)
    for needle in (NAME, EMAIL, IBAN, "Vermeulen", "josiane.vk"):
        for path in files:
            assert needle.encode() not in path.read_bytes(), f"{needle} found in {path}"


def test_a_forgotten_subject_cannot_be_recorded_again_nor_forgotten_twice(
    settings: Settings, db: Database
) -> None:
    _record_personal(db)
    forget(db, "customer:C042", "user:dpo")
    with pytest.raises(Exception, match="was forgotten"), db.transaction() as s:
        AuditTrail("user:x").record(
            s, "mail.sent", "customer", "C042", details={"key": Personal("customer:C042", NAME)}
        )
    with pytest.raises(Exception, match="no key"):
        forget(db, "customer:C042", "user:dpo")


def test_secrets_emails_and_ibans_never_enter_in_clear(db: Database) -> None:
    with db.transaction() as s:
        event = AuditTrail("user:alice").record(s, "alert.failed", "run", "12", details={
            "channel": "email", "kind": "failed",
            "error": f"SMTP 550 <{EMAIL}> refused; refund to {IBAN[:4]} {IBAN[4:8]} {IBAN[8:12]} "
                     f"{IBAN[12:16]} {IBAN[16:20]} {IBAN[20:24]} {IBAN[24:]}",
        })  # fmt: skip
    assert EMAIL not in event.details and "3000 6000" not in event.details
    assert "<email>" in event.details and "FR76 **** **** 0189" in event.details
    assert mask_iban(IBAN) == "FR76 **** **** 0189"
    assert sanitize({"password": "hunter2", "api_key": "k"}) == {"password": REDACTED, "api_key": REDACTED}
    assert sanitize({"ref": "AB12CDEF34567890"}) == {"ref": "AB12CDEF34567890"}  # not a valid IBAN: kept


def test_fields_outside_the_allow_list_are_refused_loudly(db: Database) -> None:
    with (
        pytest.raises(DetailsRefused, match=r"'mail.sent': fields \['customer_email'\]"),
        db.transaction() as s,
    ):
        AuditTrail("user:x").record(
            s, "mail.sent", "customer", "C1", details={"key": "k", "customer_email": EMAIL}
        )


def test_fields_outside_the_allow_list_are_dropped_by_name_in_production(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RPA_AUDIT_STRICT_DETAILS")
    with db.transaction() as s:
        event = AuditTrail("user:x").record(
            s, "mail.sent", "customer", "C1", details={"key": "k", "name": NAME}
        )
    assert NAME not in event.details and '"_dropped":["name"]' in event.details


_CALL = re.compile(r"(?:\brecord|_record|record_findings)\(\s*(?:[a-z_]+,\s*)?f?\"([^\"]+)\"", re.S)
_EFFECT_ACTION = re.compile(r"action=\"([a-z_.]+)\"")


def test_every_audit_action_in_the_code_base_has_an_allow_list_entry() -> None:
    actions: dict[str, str] = {}
    for folder in ("rpa", "bots", "scheduler", "rpa_cli", "console"):
        for path in (REPO / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            for m in _CALL.finditer(source):
                name = re.sub(r"\{[^}]*\}", "x", m.group(1))
                if "." in name and " " not in name:
                    actions[name] = str(path.relative_to(REPO))
    assert len(actions) > 30 and "mail.sent" in actions and "run.started" in actions
    # The effect ledger's own steps: f"{action}.intent" and so on, on target type "effect".
    missing = sorted(
        f"{a} ({f})"
        for a, f in actions.items()
        if fields_for(a, "effect" if a.startswith("x.") else "") is None
    )
    assert not missing, f"audit actions without an allow-list entry in rpa/audit/redact.py: {missing}"


def test_effect_steps_and_findings_have_fixed_fields_whatever_the_action() -> None:
    effect_actions = set()
    for path in (REPO / "bots").rglob("*.py"):
        effect_actions.update(_EFFECT_ACTION.findall(path.read_text(encoding="utf-8")))
    assert {"erp.payment", "mail.reminder"} <= effect_actions
    for action in effect_actions:
        assert fields_for(f"{action}.confirmed", "effect") == frozenset({"recovered", "result"})
        assert fields_for(f"{action}.intent", "effect") == frozenset({"attempt"})
    assert fields_for("ledger.checked", "invoice", "finding") == frozenset(
        {"code", "severity", "message", "source", "field"}
    )
