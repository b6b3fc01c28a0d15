"""The reminder emails as customers read them: one per customer, amounts and dates written for their
language, the formal notice's charges, and invoice data that cannot change what the email says."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from jinja2 import Environment, FileSystemLoader

from bots.client_reminders.config import ClientRemindersConfig, CompanyInfo
from bots.client_reminders.model import Customer, CustomerReminder, OpenInvoice
from bots.client_reminders.render import (
    RenderedEmail,
    reminder_environment,
    reminder_key,
    render_reminder,
    template_names,
)
from tests.client_reminders.builders import NOON_UTC, customer, invoice, plan
from tests.conftest import REPO

NNBSP, NBSP = "\u202f", "\u00a0"  # what Babel puts between digit groups and before the euro sign in French
COMPANY = CompanyInfo(
    name="Durand Fournitures SAS",
    address="12 rue des Lilas, 69003 Lyon",
    phone="+33 4 72 00 00 00",
    email="compta@durand.example",
    siren="732829320",
)
FORMAL_AS_OF = date(2026, 2, 16)
FORMAL_NOW = datetime(2026, 2, 16, 11, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def env() -> Environment:
    return reminder_environment(FileSystemLoader(REPO / "config" / "templates"))


def email_for(
    env: Environment,
    invoices: list[OpenInvoice],
    who: Customer,
    *,
    as_of: date = date(2026, 3, 16),
    now: datetime | None = None,
    language: str | None = None,
) -> tuple[CustomerReminder, RenderedEmail]:
    reminder = plan(invoices, [who], as_of=as_of, now=now or NOON_UTC).for_customer(who.id)
    assert reminder is not None
    return reminder, render_reminder(
        env, reminder, invoices, who, company=COMPANY, as_of=as_of, language=language
    )


def formal_notice_invoice(number: str = "F-100", amount: str = "1200.00", cid: str = "C1") -> OpenInvoice:
    # The README's example 3: 32 days late, interest 12.78, indemnity 40.00, total 1 252.78.
    return invoice(number, amount, cid=cid, due=date(2026, 1, 15), last=("second", date(2026, 1, 30)))


def test_every_level_has_its_templates_in_french_and_english(env: Environment) -> None:
    for level in ClientRemindersConfig().levels:
        for language in ("fr", "en"):
            for name in template_names(level.template, language):
                assert (REPO / "config" / "templates" / name).is_file(), name
                env.get_template(name)


def test_a_french_email_writes_amounts_and_dates_as_babel_does_for_french(env: Environment) -> None:
    invoices = [invoice("A-1", "1234.56", days_overdue=10)]  # due 6 March 2026: first reminder
    reminder, email = email_for(env, invoices, customer(language="fr"))
    assert (reminder.level, email.language) == ("first", "fr")
    assert email.subject == "Relance : facture impayée – Customer C1"
    amount = f"1{NNBSP}234,56{NBSP}€"
    for body in (email.text, email.html):
        assert amount in body
        assert "6 mars 2026" in body and "4 février 2026" in body  # due date; issued 30 days before
    assert f"Facture A-1 du 4 février 2026, échue le 6 mars 2026 : {amount} restant dû" in email.text
    assert f"Total dû : {amount}" in email.text
    assert "Madame, Monsieur," in email.text and "salutations distinguées" in email.text
    assert "SIREN 732829320" in email.text


def test_an_english_email_writes_amounts_and_dates_the_british_way(env: Environment) -> None:
    invoices = [invoice("A-1", "1234.56", days_overdue=10)]
    _, email = email_for(env, invoices, customer(language="en"))
    assert email.language == "en"
    assert email.subject == "Payment reminder: overdue invoice – Customer C1"
    assert "€1,234.56" in email.text and "€1,234.56" in email.html
    assert "Invoice A-1 of 4 February 2026, due on 6 March 2026: €1,234.56 outstanding" in email.text
    assert "Dear Sir or Madam," in email.text


def test_the_language_can_be_forced(env: Environment) -> None:
    _, email = email_for(env, [invoice("A-1", days_overdue=10)], customer(language="fr"), language="en")
    assert email.language == "en" and email.subject.startswith("Payment reminder")


def test_the_formal_notice_claims_interest_and_40_eur_per_invoice(env: Environment) -> None:
    invoices = [formal_notice_invoice("F-100", "1200.00"), formal_notice_invoice("F-200", "800.00")]
    reminder, email = email_for(env, invoices, customer(), as_of=FORMAL_AS_OF, now=FORMAL_NOW)
    assert (reminder.level, reminder.template) == ("formal_notice", "formal_notice")
    assert email.subject == "Mise en demeure de payer – Customer C1"
    interest_200 = reminder.invoices[1].late_interest
    assert (reminder.invoices[0].late_interest, interest_200) == (Decimal("12.78"), Decimal("8.52"))
    text = email.text
    assert "mettons en demeure" in text and "article L441-10 du Code de commerce" in text
    assert (
        f"pénalités de retard 12,78{NBSP}€ + indemnité forfaitaire 40,00{NBSP}€ = 1{NNBSP}252,78{NBSP}€"
        in text
    )
    assert f"pénalités de retard 8,52{NBSP}€ + indemnité forfaitaire 40,00{NBSP}€ = 848,52{NBSP}€" in text
    assert f"indemnité forfaitaire pour frais de recouvrement de 40,00{NBSP}€ par facture" in text
    assert "au 16 février 2026 inclus" in text
    total = f"2{NNBSP}101,30{NBSP}€"  # 1 200 + 12.78 + 40 + 800 + 8.52 + 40
    assert f"Total réclamé : {total}" in text
    assert text.count(f"40,00{NBSP}€") == 3  # once per invoice, once in the wording
    html = email.html
    assert '<th style="text-align: right;">Pénalités de retard</th>' in html
    assert f">12,78{NBSP}€</td>" in html and f">40,00{NBSP}€</td>" in html and total in html


def test_the_english_formal_notice_quotes_the_same_figures(env: Environment) -> None:
    _, email = email_for(
        env, [formal_notice_invoice()], customer(language="en"), as_of=FORMAL_AS_OF, now=FORMAL_NOW
    )
    assert email.subject == "Formal notice to pay – Customer C1"
    assert "late-payment interest €12.78 + fixed recovery indemnity €40.00 = €1,252.78" in email.text
    assert "Total claimed: €1,252.78" in email.text and "article L441-10" in email.text


def test_a_consumer_formal_notice_claims_no_charges(env: Environment) -> None:
    _, email = email_for(
        env, [formal_notice_invoice()], customer(business=False), as_of=FORMAL_AS_OF, now=FORMAL_NOW
    )
    assert "mettons en demeure" in email.text
    assert "L441-10" not in email.text and "indemnité forfaitaire" not in email.text
    assert "Pénalités" not in email.html


def test_the_collection_email_says_the_file_goes_to_collection(env: Environment) -> None:
    late = invoice("K-1", "500.00", days_overdue=50, last=("formal_notice", date(2026, 2, 20)))
    reminder, fr = email_for(env, [late], customer())
    _, en = email_for(env, [late], customer(language="en"))
    assert reminder.level == "collection"
    assert "votre dossier est transmis au recouvrement" in fr.text and "recouvrement" in fr.subject
    assert "handed over to collection" in en.text and "collection" in en.subject.lower()


def test_one_email_lists_every_invoice_of_the_customer(env: Environment) -> None:
    # The README's example 4: in one second reminder of 1 650.40 EUR; A-4 disputed.
    invoices = [
        invoice("A-1", "300.00", cid="C2", due=date(2026, 3, 6)),
        invoice("A-2", "1250.50", cid="C2", due=date(2026, 2, 27), last=("first", date(2026, 3, 6))),
        invoice("A-3", "99.90", cid="C2", due=date(2026, 3, 4)),
        invoice("A-4", "700.00", cid="C2", due=date(2026, 2, 1), status="disputed"),
    ]
    reminder, email = email_for(env, invoices, customer("C2"))
    assert reminder.template == "second_reminder"
    assert email.subject == "Deuxième relance : factures impayées – Customer C2"
    for number in ("A-1", "A-2", "A-3"):
        assert f"Facture {number} " in email.text and f"<td>{number}</td>" in email.html
    assert "A-4" not in email.text and "A-4" not in email.html
    assert f"Total dû : 1{NNBSP}650,40{NBSP}€" in email.text
    assert "les factures suivantes restent impayées" in email.text


HOSTILE_NUMBER = '{{ 7*7 }}<script>alert(1)</script>=HYPERLINK("http://evil","x")'


def test_hostile_invoice_data_renders_inert(env: Environment) -> None:
    who = Customer(
        id="C9",
        name="Evil {{ 7*7 }} <b>Corp</b>\r\nBcc: victim@example.com",
        email="c9@example.com",
    )
    invoices = [invoice(HOSTILE_NUMBER, "100.00", cid="C9", days_overdue=10)]
    _, email = email_for(env, invoices, who)
    assert "\r" not in email.subject and "\n" not in email.subject
    assert email.subject == "Relance : facture impayée – Evil {{ 7*7 }} <b>Corp</b> Bcc: victim@example.com"
    assert "49" not in email.text and "49" not in email.html
    assert HOSTILE_NUMBER in email.text  # the plain text shows the data as it is
    assert "<script>" not in email.html and "<b>Corp" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert "{{ 7*7 }}" in email.html and "=HYPERLINK(&#34;http://evil&#34;,&#34;x&#34;)" in email.html
    assert "<title>Relance : facture impayée – Evil {{ 7*7 }} &lt;b&gt;Corp&lt;/b&gt;" in email.html


def test_the_key_names_customer_level_and_invoices_and_stays_short() -> None:
    reminder = plan([invoice("A-2", days_overdue=10), invoice("A-1", days_overdue=10)]).for_customer("C1")
    assert reminder is not None
    assert reminder_key(reminder) == "reminder:C1:first:A-1+A-2"
    many = plan([invoice(f"INVOICE-2026-{n:05d}", days_overdue=10) for n in range(40)]).for_customer("C1")
    assert many is not None
    key = reminder_key(many)
    assert key.startswith("reminder:C1:first:40-invoices-") and len(key) < 80
    assert key == reminder_key(many)
