"""The SMTP side of the mailbox: an aiosmtpd server in its own thread, refusing configured recipients."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from legacy_apps.mailbox.store import Mailbox


class MailboxHandler:
    """aiosmtpd handler: refuses at RCPT what the mailbox refuses, stores what DATA delivers."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_RCPT(  # aiosmtpd calls handle_<VERB>
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self.mailbox.refusal(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # aiosmtpd calls handle_<VERB>
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        self.mailbox.deliver(str(envelope.mail_from or ""), list(envelope.rcpt_tos), raw)
        return "250 Message accepted for delivery"


class SmtpListener(Controller):
    """A threaded aiosmtpd server; port 0 picks a free port, readable from ``port`` once started."""

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        async def bind() -> asyncio.AbstractServer:
            server = await self.loop.create_server(self._factory_invoker, host=self.hostname, port=self.port)
            # Known only now when port 0 asked for a free one; start() connects to it right after.
            self.port = server.sockets[0].getsockname()[1]
            return server

        return bind()

    def __enter__(self) -> SmtpListener:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def start_smtp(mailbox: Mailbox, host: str = "127.0.0.1", port: int = 0) -> SmtpListener:
    """Start receiving mail for ``mailbox`` on host:port (0 = a free port); call ``stop()`` when done."""
    listener = SmtpListener(
        MailboxHandler(mailbox), hostname=host, port=port, server_hostname="mail.legacy.test",
        ready_timeout=20.0,  # generous: the machine may be busy with other test processes
    )  # fmt: skip
    listener.start()
    return listener
