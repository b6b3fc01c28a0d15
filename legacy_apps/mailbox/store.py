"""Messages the local SMTP server received, kept in memory, and which recipients it refuses.

Shared by the SMTP thread and the web server's thread, hence the lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

DEFAULT_REJECT_MARKER = "reject"  # any recipient address containing it is refused (550)


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    message_no: int  # arrival order, from 1
    envelope_from: str
    envelope_to: tuple[str, ...]
    raw: bytes
    subject: str
    message_id: str
    header_from: str
    header_to: str
    text_body: str
    attachments: tuple[str, ...]

    def as_dict(self, *, with_body: bool = False) -> dict[str, Any]:
        row: dict[str, Any] = {
            "message_no": self.message_no, "envelope_from": self.envelope_from,
            "envelope_to": list(self.envelope_to), "subject": self.subject, "message_id": self.message_id,
            "from": self.header_from, "to": self.header_to, "attachments": list(self.attachments),
            "size": len(self.raw),
        }  # fmt: skip
        if with_body:
            row["text_body"] = self.text_body
        return row


def parse_message(message_no: int, envelope_from: str, envelope_to: list[str], raw: bytes) -> ReceivedMessage:
    """Read the headers, the first text/plain part and the attachments' file names of a raw message."""
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(parsed, EmailMessage)
    body_part = parsed.get_body(preferencelist=("plain",))
    text = ""
    if body_part is not None:
        try:
            text = str(body_part.get_content())
        except (LookupError, ValueError):  # unknown charset or broken encoding: show what can be shown
            text = body_part.get_payload(decode=True).decode("utf-8", "replace")  # type: ignore[union-attr]
    attachments = tuple(part.get_filename() or "(unnamed)" for part in parsed.iter_attachments())
    return ReceivedMessage(
        message_no=message_no, envelope_from=envelope_from, envelope_to=tuple(envelope_to), raw=raw,
        subject=str(parsed.get("Subject", "")), message_id=str(parsed.get("Message-ID", "")).strip(),
        header_from=str(parsed.get("From", "")), header_to=str(parsed.get("To", "")),
        text_body=text.replace("\r\n", "\n"),
        attachments=attachments,
    )  # fmt: skip


class Mailbox:
    """Every message accepted, in arrival order, and the rules for refusing recipients."""

    def __init__(self, reject_marker: str = DEFAULT_REJECT_MARKER) -> None:
        self._lock = threading.Lock()
        self._messages: list[ReceivedMessage] = []
        self.reject_marker = reject_marker
        self.rejected_addresses: set[str] = set()
        self.deferred_addresses: set[str] = set()

    def refusal(self, address: str) -> str | None:
        """The SMTP reply refusing ``address`` at RCPT, or None when it is accepted."""
        lowered = address.strip().lower()
        with self._lock:
            if lowered in self.deferred_addresses:
                return "451 4.2.1 Mailbox temporarily unavailable, try again later"
            if lowered in self.rejected_addresses or (self.reject_marker and self.reject_marker in lowered):
                return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        return None

    def configure(
        self,
        *,
        reject: list[str] | None = None,
        defer: list[str] | None = None,
        reject_marker: str | None = None,
    ) -> None:
        """Replace the refused (550) and deferred (451) addresses, and the marker refused anywhere."""
        with self._lock:
            if reject is not None:
                self.rejected_addresses = {a.strip().lower() for a in reject}
            if defer is not None:
                self.deferred_addresses = {a.strip().lower() for a in defer}
            if reject_marker is not None:
                self.reject_marker = reject_marker.strip().lower()

    def rules(self) -> dict[str, Any]:
        with self._lock:
            return {
                "reject": sorted(self.rejected_addresses), "defer": sorted(self.deferred_addresses),
                "reject_marker": self.reject_marker,
            }  # fmt: skip

    def deliver(self, envelope_from: str, envelope_to: list[str], raw: bytes) -> ReceivedMessage:
        with self._lock:
            message = parse_message(len(self._messages) + 1, envelope_from, envelope_to, raw)
            self._messages.append(message)
            return message

    def messages(self) -> list[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    def get(self, message_no: int) -> ReceivedMessage | None:
        with self._lock:
            return self._messages[message_no - 1] if 0 < message_no <= len(self._messages) else None

    def find(self, message_id: str) -> list[ReceivedMessage]:
        wanted = message_id.strip()
        return [m for m in self.messages() if m.message_id == wanted]

    def clear(self) -> None:
        """Forget every message and go back to the default refusal rules."""
        with self._lock:
            self._messages.clear()
            self.rejected_addresses.clear()
            self.deferred_addresses.clear()
            self.reject_marker = DEFAULT_REJECT_MARKER
