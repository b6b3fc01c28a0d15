"""A real server in a background thread for tests, demos and benchmarks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pyotp
import uvicorn
from starlette.applications import Starlette

from legacy_apps import accounts
from legacy_apps.mailbox import Mailbox, start_smtp
from legacy_apps.server import create_app
from legacy_apps.world import DEFAULT_LINES

STARTUP_TIMEOUT_S = 20.0  # generous: the machine may be busy with other test processes


@dataclass
class RunningServer:
    base_url: str
    app: Starlette
    erp_user: str = accounts.ERP_USER
    erp_password: str = accounts.ERP_PASSWORD
    bank_user: str = accounts.BANK_USER
    bank_password: str = accounts.BANK_PASSWORD
    bank_totp_secret: str = accounts.BANK_TOTP_SECRET
    docs_user: str = accounts.DOCS_USER
    docs_password: str = accounts.DOCS_PASSWORD
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 0  # the mailbox's SMTP port (0: not listening)

    @property
    def mailbox(self) -> Mailbox:
        """The in-memory mailbox the SMTP listener delivers to (read, empty, configure refusals)."""
        mailbox: Mailbox = self.app.state.mailbox
        return mailbox

    @property
    def mail_url(self) -> str:
        return f"{self.base_url}/mail"

    @property
    def erp_url(self) -> str:
        return f"{self.base_url}/erp"

    @property
    def bank_url(self) -> str:
        return f"{self.base_url}/bank"

    @property
    def docs_url(self) -> str:
        return f"{self.base_url}/docs"

    def totp_now(self) -> str:
        return pyotp.TOTP(self.bank_totp_secret).now()

    def set_faults(self, profile: str | None = None, **fields: Any) -> dict[str, Any]:
        """Switch faults at runtime: a profile name and/or FaultState fields (or ``expire_sessions=True``)."""
        body = dict(fields)
        if profile is not None:
            body["profile"] = profile
        response = httpx.post(f"{self.base_url}/_admin/faults", json=body, timeout=10)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def reset_erp(self) -> None:
        httpx.post(f"{self.base_url}/_admin/erp/reset", timeout=10).raise_for_status()

    def reset_mailbox(self) -> None:
        """Forget received messages and go back to the default refusals (addresses containing 'reject')."""
        self.mailbox.clear()

    def erp_payments(self) -> list[dict[str, Any]]:
        payments: list[dict[str, Any]] = httpx.get(f"{self.base_url}/_admin/erp/payments", timeout=10).json()[
            "payments"
        ]
        return payments


@contextmanager
def running_server(
    seed: int = 42, faults: str | dict[str, Any] = "none", lines: int = DEFAULT_LINES
) -> Iterator[RunningServer]:
    """Start the applications on a free 127.0.0.1 port and the mailbox's SMTP listener on another, wait
    until they answer, stop both on exit."""
    app = create_app(seed=seed, faults=faults, lines=lines)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this; without it a socket handed to uvicorn meets Nagle + delayed ACK
    # and every small response waits ~40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"legacy-apps-{port}", daemon=True
    )
    thread.start()
    listener = None
    running = RunningServer(base_url=f"http://127.0.0.1:{port}", app=app)
    try:
        listener = start_smtp(app.state.mailbox, "127.0.0.1", 0)
        running.smtp_port = listener.port
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            try:
                if httpx.get(f"{running.base_url}/_admin/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(
                    f"legacy applications did not start on port {port} within {STARTUP_TIMEOUT_S:.0f} s"
                )
            time.sleep(0.05)  # polling start-up; the server has no readiness callback for a thread
        yield running
    finally:
        if listener is not None:
            listener.stop()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
