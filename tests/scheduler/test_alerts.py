"""A timed-out run is stopped, marked failed and alerted by email and webhook; dead channels are audited."""

from __future__ import annotations

import json
from pathlib import Path

import psutil
from sqlalchemy import select

from rpa.store.db import Database
from rpa.store.models import AuditEvent, Run
from scheduler import commands
from tests.scheduler.conftest import (
    BOT_IDS,
    RUN,
    EffectFiles,
    SmtpServer,
    Webhook,
    free_port,
    make_settings,
    write_schedules,
)

SCHEDULE = '[schedules.fx]\nbot = "effects"\ncron = "0 7 * * *"\ntimeout_s = 3\n'


def test_a_run_over_its_timeout_is_killed_failed_and_alerted(
    rpa_home: Path, effects: EffectFiles, smtp_server: SmtpServer, webhook: Webhook
) -> None:
    settings = make_settings(
        rpa_home,
        mail={"host": smtp_server.host, "port": smtp_server.port, "sender": "rpa@bank.example"},
        alerts={
            "email_to": ["ops@bank.example"],
            "webhook_url": webhook.url,
            "console_url": "http://console.bank.example",
        },
    )
    db = Database(settings.database_url)
    db.upgrade()
    write_schedules(rpa_home, SCHEDULE)
    effects.pause_flag.write_text("hang")  # the run hangs after e3 and never ends by itself

    run_id, status = commands.trigger(settings, db, BOT_IDS, RUN, "fx", "alice")

    assert status == "failed"
    with db.read() as s:
        run = s.get_one(Run, run_id)
        timed_out = s.execute(select(AuditEvent).where(AuditEvent.action == "run.timed_out")).scalars().all()
    assert (run.error or "").startswith("[RUN_TIMEOUT] the run exceeded its timeout of 3s")
    assert [e.target_id for e in timed_out] == [str(run_id)]
    if run.pid is not None:  # the run had started: its process is gone now
        assert not psutil.pid_exists(run.pid) or psutil.Process(run.pid).status() == psutil.STATUS_ZOMBIE

    link = f"http://console.bank.example/runs/{run_id}"
    (rcpts, mail), *_ = [m for m in smtp_server.inbox.messages if f"run {run_id} " in str(m[1]["Subject"])]
    assert rcpts == ["ops@bank.example"]
    assert "timed out" in str(mail["Subject"]) and link in mail.get_payload(decode=True).decode()
    (hook,) = [h for h in webhook.received if h["run_ids"] == [run_id]]
    assert hook["kind"] == "timed_out" and hook["links"] == [link] and hook["bot"] == "effects"
    db.dispose()


def test_alerts_that_cannot_be_delivered_are_audited_and_never_crash(
    rpa_home: Path, effects: EffectFiles
) -> None:
    closed = free_port()
    settings = make_settings(
        rpa_home,
        mail={"host": "127.0.0.1", "port": closed, "timeout_s": 2},
        alerts={"email_to": ["ops@bank.example"], "webhook_url": f"http://127.0.0.1:{closed}/hook"},
    )
    db = Database(settings.database_url)
    db.upgrade()
    write_schedules(rpa_home, '[schedules.fx]\nbot = "effects"\ncron = "0 7 * * *"\n')
    # A bot config the run process refuses: the run fails before it starts.
    (rpa_home / "config" / "bots" / "effects.toml").write_text('target = "/tmp/x"\nitems = "many"\n')

    run_id, status = commands.trigger(settings, db, BOT_IDS, RUN, "fx", "alice")

    assert status == "failed"
    with db.read() as s:
        run = s.get_one(Run, run_id)
        failed = s.execute(select(AuditEvent).where(AuditEvent.action == "alert.failed")).scalars().all()
    assert (run.error or "").startswith("[RUN_PROCESS_EXITED] the run process exited with code 2")
    assert "items" in (run.error or "")  # the run's own explanation is carried into the record
    assert sorted(json.loads(e.details)["channel"] for e in failed) == ["email", "webhook"]
    assert all(e.target_id == str(run_id) and e.outcome == "failed" for e in failed)
    db.dispose()
