"""The local mailbox: a real SMTP server receiving real messages, refusing chosen recipients, readable
in a browser and as JSON."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from email.message import EmailMessage

import httpx
import pytest

from legacy_apps.mailbox import Mailbox, start_smtp
from legacy_apps.testing import RunningServer


@pytest.fixture
def mail_server(server: RunningServer) -> Iterator[RunningServer]:
    server.reset_mailbox()
    yield server
    server.reset_mailbox()


def reminder_mail(to: str, message_id: str = "<r1.INV-2026-900001@compagnie-exemple.fr>") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "relances@compagnie-exemple.fr"
    message["To"] = to
    message["Subject"] = "Relance facture INV-2026-900001"
    message["Message-ID"] = message_id
    message.set_content("Bonjour,\nSauf erreur de notre part, la facture reste impayée.\n")
    message.add_attachment(
        b"%PDF-1.4 test", maintype="application", subtype="pdf", filename="INV-2026-900001.pdf"
    )
    return message


def test_a_message_sent_over_smtp_is_listed_with_its_headers_body_and_attachments(
    mail_server: RunningServer,
) -> None:
    with smtplib.SMTP(mail_server.smtp_host, mail_server.smtp_port, timeout=10) as smtp:
        refused = smtp.send_message(reminder_mail("compta@client.example.fr"))
    assert refused == {}
    [received] = mail_server.mailbox.messages()
    assert received.envelope_from == "relances@compagnie-exemple.fr"
    assert received.envelope_to == ("compta@client.example.fr",)
    assert received.subject == "Relance facture INV-2026-900001"
    assert received.attachments == ("INV-2026-900001.pdf",)
    assert b"Subject: Relance facture" in received.raw

    listing = httpx.get(f"{mail_server.mail_url}/api/messages").json()
    assert listing["count"] == 1
    row = listing["messages"][0]
    assert row["message_id"] == "<r1.INV-2026-900001@compagnie-exemple.fr>"
    assert "la facture reste impayée" in row["text_body"]
    by_id = httpx.get(
        f"{mail_server.base_url}/_admin/mail/messages", params={"message_id": row["message_id"]}
    )
    assert by_id.json()["count"] == 1
    page = httpx.get(f"{mail_server.mail_url}/").text
    assert 'id="mail-count">1 message(s)' in page and 'data-message-no="1"' in page
    detail = httpx.get(f"{mail_server.mail_url}/message/1").text
    assert "Sauf erreur de notre part" in detail and "<li>INV-2026-900001.pdf</li>" in detail
    raw = httpx.get(f"{mail_server.mail_url}/api/messages/1/raw")
    assert raw.content == received.raw
    assert httpx.get(f"{mail_server.mail_url}/message/2").status_code == 404


def test_refused_recipients_get_550_and_deferred_ones_451_at_rcpt(mail_server: RunningServer) -> None:
    with smtplib.SMTP(mail_server.smtp_host, mail_server.smtp_port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            smtp.send_message(reminder_mail("reject.me@client.example.fr"))
        assert refused.value.recipients["reject.me@client.example.fr"][0] == 550
        rules = httpx.post(
            f"{mail_server.base_url}/_admin/mail/rules",
            json={"reject": ["Closed@Client.example.fr"], "defer": ["busy@client.example.fr"]},
        ).json()
        assert rules["reject"] == ["closed@client.example.fr"]
        partly = smtp.send_message(
            reminder_mail("ok@client.example.fr"),
            to_addrs=["ok@client.example.fr", "closed@client.example.fr"],
        )
        assert partly["closed@client.example.fr"][0] == 550
        with pytest.raises(smtplib.SMTPRecipientsRefused) as deferred:
            smtp.send_message(reminder_mail("busy@client.example.fr"))
        assert deferred.value.recipients["busy@client.example.fr"][0] == 451
    [delivered] = mail_server.mailbox.messages()
    assert delivered.envelope_to == ("ok@client.example.fr",)
    bad = httpx.post(f"{mail_server.base_url}/_admin/mail/rules", json={"reject": "not-a-list"})
    assert bad.status_code == 400
    httpx.post(f"{mail_server.base_url}/_admin/mail/reset").raise_for_status()
    assert mail_server.mailbox.messages() == [] and mail_server.mailbox.rules()["reject"] == []


def test_a_standalone_listener_takes_a_free_port_and_releases_it_when_stopped() -> None:
    mailbox = Mailbox(reject_marker="")
    listener = start_smtp(mailbox, "127.0.0.1", 0)
    port = listener.port
    try:
        assert port > 0
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(reminder_mail("reject.me@client.example.fr"))  # no marker: accepted
        assert [m.envelope_to for m in mailbox.messages()] == [("reject.me@client.example.fr",)]
    finally:
        listener.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
