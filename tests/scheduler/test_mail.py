"""rpa/mail.py against a real SMTP server: delivered, refused, unreachable; which failures may be retried."""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest

from rpa.effects import EffectNotPerformedError
from rpa.errors import MailDeliveryError
from rpa.mail import Attachment, MailNotDeliveredError, build_message, message_id_for, send_message
from rpa.settings import MailSettings
from tests.scheduler.conftest import SmtpServer, free_port

KEY_ID = message_id_for("mail:INV-2026-0042:level-2", "bank.example")


def _message(to: list[str], body: str = "Please find your statement attached.", **kw: object) -> object:
    return build_message(
        sender="rpa@bank.example", to=to, subject="Relevé", text=body, message_id=KEY_ID, **kw
    )  # type: ignore[arg-type]


def test_a_message_is_delivered_with_the_callers_message_id(smtp_server: SmtpServer) -> None:
    settings = MailSettings(host=smtp_server.host, port=smtp_server.port)
    msg = build_message(
        sender="rpa@bank.example",
        to=["client@example.com"],
        subject="Relevé de compte",
        text="Bonjour,\nvoici votre relevé.",
        message_id=message_id_for("mail:INV-1:level-1", "bank.example"),
        attachments=[Attachment("releve.pdf", b"%PDF-1.4 test", "application/pdf")],
    )
    msg["Bcc"] = "archive@bank.example"

    result = send_message(settings, msg)

    assert result.accepted == ("client@example.com", "archive@bank.example") and result.refused == {}
    rcpts, got = smtp_server.inbox.messages[-1]
    assert rcpts == ["client@example.com", "archive@bank.example"]
    assert got["Message-ID"] == "<mail=3AINV-1=3Alevel-1@bank.example>"  # stable: the ledger key, encoded
    assert got["Bcc"] is None  # blind copies stay in the envelope
    assert str(make_header(decode_header(got["Subject"]))) == "Relevé de compte"
    assert [p.get_filename() for p in got.walk() if p.get_filename()] == ["releve.pdf"]


def test_one_refused_recipient_does_not_stop_the_others(smtp_server: SmtpServer) -> None:
    settings = MailSettings(host=smtp_server.host, port=smtp_server.port)
    result = send_message(settings, _message(["client@example.com", "nobody@example.com"]))  # type: ignore[arg-type]
    assert result.accepted == ("client@example.com",)
    assert result.refused["nobody@example.com"].startswith("550")


@pytest.mark.parametrize(
    ("port", "to", "body", "text"),
    [
        ("closed", ["client@example.com"], "hello", "unreachable"),
        ("server", ["nobody@example.com"], "hello", "refused every recipient"),
        ("server", ["client@example.com"], "REJECT-ME", "554"),
    ],
)
def test_certain_failures_are_safe_to_retry(
    smtp_server: SmtpServer, port: str, to: list[str], body: str, text: str
) -> None:
    settings = MailSettings(
        host="127.0.0.1", port=free_port() if port == "closed" else smtp_server.port, timeout_s=5
    )
    before = len(smtp_server.inbox.messages)
    with pytest.raises(MailNotDeliveredError) as info:
        send_message(settings, _message(to, body))  # type: ignore[arg-type]
    assert isinstance(info.value, EffectNotPerformedError) and isinstance(info.value, MailDeliveryError)
    assert text in info.value.message and KEY_ID in info.value.message
    assert len(smtp_server.inbox.messages) == before


def test_a_message_id_must_be_well_formed() -> None:
    with pytest.raises(ValueError, match="Message-ID"):
        build_message(sender="a@b.c", to=["d@e.f"], subject="s", text="t", message_id="no-brackets")
    with pytest.raises(ValueError, match="message_id_for"):
        build_message(sender="a@b.c", to=["d@e.f"], subject="s", text="t", message_id="<mail:INV-1@b.c>")
