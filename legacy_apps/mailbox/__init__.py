"""A local mailbox: an SMTP server (aiosmtpd) that keeps what it receives in memory, and pages to read it."""

from legacy_apps.mailbox.smtp import SmtpListener, start_smtp
from legacy_apps.mailbox.store import Mailbox, ReceivedMessage

__all__ = ["Mailbox", "ReceivedMessage", "SmtpListener", "start_smtp"]
