"""SMTP sending: build a message, send it, and say whether a failed send may have been delivered.

The caller chooses the Message-ID, so the same id can serve as the effect-ledger key and as the
reference a person searches the mailbox for. A failure where the server certainly did not take the
message (unreachable, refused before DATA, message rejected) raises MailNotDeliveredError, which the
effect ledger treats as "safe to try again"; any other failure raises MailDeliveryError (uncertain).
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, getaddresses

from rpa.effects import EffectNotPerformedError
from rpa.errors import MailDeliveryError
from rpa.settings import MailSettings


class MailNotDeliveredError(MailDeliveryError, EffectNotPerformedError):
    """The server certainly did not accept the message: sending it again cannot produce a duplicate."""

    code = "MAIL_NOT_DELIVERED"


_ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_MSG_ID = re.compile(rf"^<[{_ATEXT}]+(\.[{_ATEXT}]+)*@[{_ATEXT}]+(\.[{_ATEXT}]+)*>$")


def message_id_for(key: str, domain: str) -> str:
    """A valid, stable Message-ID for an effect key (``mail:INV-1:level-2`` → ``<mail=3AINV-1=3Alevel-2@d>``).

    Characters a Message-ID cannot hold are written ``=XX`` (hex), so two keys never share an id.
    """
    safe = "".join(
        c if re.match(rf"[{_ATEXT}]", c) and c != "=" else "".join(f"={b:02X}" for b in c.encode())
        for c in key
    )
    return f"<{safe}@{domain}>"


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class SendResult:
    message_id: str
    accepted: tuple[str, ...]
    refused: dict[str, str] = field(default_factory=dict)  # address -> server reply


def build_message(
    *,
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    message_id: str,
    html: str | None = None,
    cc: Sequence[str] = (),
    reply_to: str | None = None,
    attachments: Iterable[Attachment] = (),
) -> EmailMessage:
    """A MIME message with a plain-text body (and optional HTML alternative and attachments)."""
    if not _MSG_ID.match(message_id):
        raise ValueError(
            f"Message-ID must look like <local@domain> (RFC 5322 characters only), got "
            f"{message_id!r}; message_id_for(key, domain) builds one from an effect key"
        )
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, ", ".join(to), subject
    if cc:
        msg["Cc"] = ", ".join(cc)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for att in attachments:
        maintype, _, subtype = att.mime_type.partition("/")
        msg.add_attachment(
            att.content, maintype=maintype, subtype=subtype or "octet-stream", filename=att.filename
        )
    return msg


def recipients(msg: EmailMessage) -> list[str]:
    pairs = getaddresses([str(v) for h in ("To", "Cc", "Bcc") for v in msg.get_all(h, [])])
    return [addr for _, addr in pairs if addr]


def send_message(settings: MailSettings, msg: EmailMessage) -> SendResult:
    """Send ``msg`` through the configured server; raise MailNotDeliveredError or MailDeliveryError."""
    to = recipients(msg)
    message_id = str(msg["Message-ID"] or "")
    where = f"{settings.host}:{settings.port}"
    if not to:
        raise MailNotDeliveredError(f"message {message_id} has no recipient", code="MAIL_NO_RECIPIENT")
    del msg["Bcc"]  # recipients stay in the envelope only
    payload = msg.as_bytes(policy=SMTP)
    try:
        smtp = (
            smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout_s, context=ssl.create_default_context()
            )
            if settings.tls
            else smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
        )
    except (OSError, smtplib.SMTPException) as exc:
        raise MailNotDeliveredError(
            f"mail server {where} unreachable: {exc}; message {message_id} not sent",
            details={"server": where},
        ) from exc
    try:
        refused = _envelope(smtp, settings, msg, to, where, message_id)
        try:
            code, reply = smtp.data(payload)
            if code != 250:  # smtplib returns the end-of-data reply instead of raising
                raise smtplib.SMTPDataError(code, reply)
        except smtplib.SMTPDataError as exc:
            # An error reply to DATA or to the end of data: the server did not take the message.
            raise MailNotDeliveredError(
                f"{where} rejected message {message_id}: {exc.smtp_code} {_text(exc.smtp_error)}",
                details={"server": where, "smtp_code": exc.smtp_code},
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            # The connection broke while the message was in flight: it may have been delivered.
            raise MailDeliveryError(
                f"connection to {where} broke while sending message {message_id}: {exc}; it may have "
                "been delivered, check the mailbox before sending again",
                code="MAIL_DELIVERY_UNCERTAIN",
                details={"server": where},
            ) from exc
    finally:
        _quit(smtp)
    return SendResult(message_id, tuple(a for a in to if a not in refused), refused)


def _quit(smtp: smtplib.SMTP) -> None:
    # The message is already accepted (or already failed): a broken QUIT changes nothing.
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _envelope(
    smtp: smtplib.SMTP, settings: MailSettings, msg: EmailMessage, to: list[str], where: str, message_id: str
) -> dict[str, str]:
    """EHLO, STARTTLS, login, MAIL FROM, RCPT TO; every failure here means nothing was delivered."""
    try:
        smtp.ehlo()
        if settings.starttls and not settings.tls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, settings.password.get_secret_value())
        sender = str(msg["From"] or settings.sender)
        code, reply = smtp.mail(getaddresses([sender])[0][1] or settings.sender)
        if code != 250:
            raise MailNotDeliveredError(f"{where} refused sender {sender}: {code} {_text(reply)}")
        refused = {}
        for addr in to:
            code, reply = smtp.rcpt(addr)
            if code not in (250, 251):
                refused[addr] = f"{code} {_text(reply)}"
        if len(refused) == len(to):
            smtp.rset()
            raise MailNotDeliveredError(
                f"{where} refused every recipient of {message_id}: {refused}", details={"refused": refused}
            )
        return refused
    except MailNotDeliveredError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise MailNotDeliveredError(
            f"{where} refused the login of {settings.username!r} "
            f"({exc.smtp_code}); check mail.username/mail.password",
            code="MAIL_AUTH",
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:  # SSLError and timeouts are OSErrors
        raise MailNotDeliveredError(f"{where} failed before the message was sent: {exc}") from exc


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
