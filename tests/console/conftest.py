"""The console served by uvicorn on 127.0.0.1 in a thread, against a throw-away installation with one
user per role; started and stopped by the tests."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from console.app import create_app
from console.security import hash_password
from rpa.audit.trail import AuditTrail
from rpa.clock import utcnow
from rpa.items import ItemState
from rpa.runs import create_run
from rpa.settings import Settings, load_settings
from rpa.store.console import add_user
from rpa.store.db import Database
from rpa.workqueue import WorkQueue

BOTS = ("invoice_matching", "client_reminders", "document_check")
# login -> role; every password is "pw-<login>-secret"
PEOPLE = {
    "olivia": "operator",
    "bob": "backoffice",
    "carol": "backoffice",
    "audrey": "auditor",
    "ada": "admin",
}


def password(login: str) -> str:
    return f"pw-{login}-secret"


@dataclass
class Served:
    url: str
    settings: Settings
    db: Database


@cache
def _hashed(login: str) -> str:
    return hash_password(password(login))  # argon2 takes about a second: once per login per session


def add_people(db: Database) -> None:
    for login, role in PEOPLE.items():
        add_user(db, AuditTrail("user:setup"), login, role, _hashed(login), utcnow())


@contextmanager
def serve_console(settings: Settings, db: Database, **options: Any) -> Iterator[Served]:
    """The console on a free port of 127.0.0.1, stopped on exit."""
    app = create_app(settings, db, bot_ids=BOTS, verify_every_s=0, **options)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "console did not start"
        time.sleep(0.02)
    try:
        yield Served(url, settings, db)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def installation(home: Path, **console: Any) -> tuple[Settings, Database]:
    (home / "config" / "bots").mkdir(parents=True, exist_ok=True)
    settings = load_settings(home=home, console=console or {})
    db = Database(settings.database_url)
    db.upgrade()
    return settings, db


@pytest.fixture
def served(rpa_home: Path) -> Iterator[Served]:
    settings, db = installation(rpa_home, four_eyes_amount="1000")
    add_people(db)
    with serve_console(settings, db) as running:
        yield running
    db.dispose()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def signed_in(url: str, login: str, secret: str | None = None) -> httpx.Client:
    """An httpx client holding ``login``'s session cookie."""
    client = httpx.Client(base_url=url, headers={"accept": "text/html"}, timeout=20)
    form = client.get("/login")
    answer = client.post(
        "/login", data={"login": login, "password": secret or password(login), "csrf": csrf_of(form.text)}
    )
    assert answer.status_code == 303, answer.text[:500]
    return client


def exception_item(db: Database, bot: str, reference: str, payload: dict[str, Any], code: str) -> int:
    """A real work item put in the exception queue through the work queue's own transitions."""
    trail = AuditTrail(f"bot:{bot}")
    run_id = create_run(db, trail, bot, trigger="manual", now=utcnow())
    queue = WorkQueue(db, bot, trail, utcnow)
    from rpa.items import NewItem

    queue.add([NewItem(reference, payload)], run_id)
    item = next(i for i in queue.pending() if i.reference == reference)
    queue.start(item, run_id)
    queue.finish(item, ItemState.BUSINESS_EXCEPTION, error_code=code, error_message="a person decides")
    return item.id


def bank_line_payload(line_id: str, amount: str, invoice: str) -> dict[str, Any]:
    return {
        "line": {"line_id": line_id, "amount": amount},
        "kind": "suggested",
        "explanation": f"amount and customer match {invoice}",
        "allocations": [{"invoice": invoice, "amount": amount}],
        "alternatives": [{"invoices": ["INV-ALT-1"], "amount": amount, "score": 0.5, "note": "same amount"}],
    }


ONE_DAY = timedelta(days=1)
