"""Scheduler fixtures: a home with the test bots configured, a real SMTP server, a real webhook receiver."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from rpa.settings import Settings, load_settings
from rpa_cli.wiring import run_command
from tests.conftest import REPO, cli_env

TEST_BOTS = ["tests.kit.sample_bots:EFFECT_BOT", "tests.kit.sample_bots:MIXED_BOT"]
BOT_IDS = frozenset({"effects", "mixed"})  # what the rpa command's wiring tells the scheduler
RUN = run_command  # how it starts a run process


@dataclass
class EffectFiles:
    target: Path
    pause_flag: Path
    paused_marker: Path

    def lines(self) -> list[str]:
        return self.target.read_text().splitlines() if self.target.exists() else []


@pytest.fixture
def effects(rpa_home: Path) -> EffectFiles:
    """config/bots/effects.toml for EFFECT_BOT: five items, hanging after e3 while the flag file exists."""
    files = EffectFiles(rpa_home / "target.txt", rpa_home / "pause.flag", rpa_home / "paused.marker")
    (rpa_home / "config" / "bots" / "effects.toml").write_text(
        f'target = "{files.target}"\nitems = 5\npause_flag = "{files.pause_flag}"\n'
        f'paused_marker = "{files.paused_marker}"\n'
    )
    (rpa_home / "config" / "bots" / "mixed.toml").write_text("items = 1\n")
    return files


def make_settings(home: Path, **overrides: Any) -> Settings:
    return load_settings(
        home=home,
        extra_bots=tuple(TEST_BOTS),
        run={"backoff_initial_s": 0.0, "backoff_max_s": 0.0},
        **overrides,
    )


@pytest.fixture
def settings(rpa_home: Path, effects: EffectFiles) -> Settings:
    return make_settings(rpa_home)


def write_schedules(home: Path, text: str) -> None:
    (home / "config" / "schedules.toml").write_text(text)


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- a real SMTP server --------------------------------------------------------------------------------
class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if b"REJECT-ME" in envelope.content:
            return "554 5.6.0 message refused by policy"
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted"


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: _Inbox


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SmtpServer]:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpServer("127.0.0.1", port, inbox)
    controller.stop()


# --- a real webhook receiver -----------------------------------------------------------------------------
@dataclass
class Webhook:
    url: str
    received: list[dict[str, Any]]


@pytest.fixture(scope="module")
def webhook() -> Iterator[Webhook]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Webhook(f"http://127.0.0.1:{server.server_port}/hooks/rpa", received)
    server.shutdown()
    server.server_close()


# --- the scheduler as a separate process -----------------------------------------------------------------
def scheduler_command() -> list[str]:
    """``rpa serve``: the scheduler service as operations start it."""
    return [sys.executable, "-m", "rpa_cli", "serve"]


def start_scheduler(home: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            scheduler_command(), cwd=REPO, env=cli_env(home, TEST_BOTS), stdout=out, stderr=subprocess.STDOUT
        )


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
