"""Seed the collection data: contacts for every customer, plus dedicated invoices staging each situation a
payment-reminder bot must handle (every level, every reason not to send).

Draws come from their own ``random.Random(f"legacy-world:{seed}:reminders:…")`` streams, never from the
world's generator, so the bank-reconciliation world stays byte-identical. The dedicated customers and
invoices appear in no bank line; their names, numbers (``INV-yyyy-9nnnnn``) and amounts are chosen so
that no bank line could be read as paying them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from legacy_apps.world import names
from legacy_apps.world.identifiers import make_french_iban, make_siren, make_siret
from legacy_apps.world.lines import random_amount
from legacy_apps.world.model import CENT, Customer, Invoice, World
from legacy_apps.world.reminder_model import (
    CREDIT_NOTE,
    UNALLOCATED_PAYMENT,
    Contact,
    Credit,
    InvoiceStatus,
    PastReminder,
    ReminderWorld,
)

# Names that share no word with the bank world's customers, so no payer name can point at them.
ACTIVITIES = ("Agence", "Domaine", "Studio", "Verrerie", "Coutellerie", "Tonnellerie", "Distillerie", "Forge")
SURNAMES = (
    "Tremblay", "Gagnon", "Bouchard", "Pelletier", "Lavoie", "Fortin", "Ouellet", "Cloutier", "Bergeron",
    "Desjardins", "Poirier", "Lachance", "Thibodeau", "Saunders", "Whitaker", "Ashford", "Kerjean", "Le Goff",
    "Quéméner", "Etcheverry", "Oyarzabal", "Casanova", "Santoni", "Vuillermoz",
)  # fmt: skip
CONTACT_FIRST_NAMES = ("Claire", "Olivier", "Sophie", "Marc", "Nathalie", "Eric", "Karine", "David", "Emma")
TIME_ZONES = {
    "fr": (("Europe/Paris", 85), ("America/Montreal", 8), ("Europe/Brussels", 7)),
    "en": (("Europe/London", 50), ("America/Montreal", 30), ("America/New_York", 20)),
}
DO_NOT_REMIND_REASONS = (
    "Procédure collective en cours (redressement judiciaire)",
    "Grand compte : relances faites par le commercial",
    "Accord de paiement global avec la direction financière",
)
DISPUTE_REASONS = ("Marchandise non conforme", "Quantités livrées contestées", "Prix différent du devis")
REMINDER_STAFF = ("c.roux", "m.blanc")


@dataclass(frozen=True, slots=True)
class Scenario:
    """One staged situation: days past due on ``today`` (drawn in ``overdue``) and what surrounds it.

    ``history``: (level, days after the due date it was sent; negative: before) — ``"ago:N"`` offsets
    are counted back from today instead.
    """

    name: str
    overdue: tuple[int, int]
    history: tuple[tuple[str, str], ...] = ()
    extra: frozenset[str] = field(default_factory=frozenset)


def _s(name: str, low: int, high: int, *history: tuple[str, str], extra: str = "") -> Scenario:
    return Scenario(name, (low, high), history, frozenset(extra.split()) if extra else frozenset())


# Windows keep each situation true under the default policy (courtesy -3, first +7, second +15,
# formal notice +30, collection +45, delays between levels at least 7 days).
SCENARIOS: tuple[Scenario, ...] = (
    _s("not_due", -40, -10),
    _s("courtesy", -3, 3),
    _s("first", 7, 12),
    _s("second", 15, 25),
    _s("formal_notice", 30, 40),
    _s("collection", 45, 80),
    _s("first_after_courtesy", 8, 12, ("courtesy", "-3")),
    _s("second_after_first", 17, 24, ("first", "7")),
    _s("collection_after_formal_notice", 50, 70, ("first", "7"), ("second", "15"), ("formal_notice", "30")),
    _s("waiting_delay", 16, 24, ("first", "ago:3")),
    _s("already_sent", 16, 24, ("first", "7"), ("second", "15")),
    _s("promise_broken", 16, 24, extra="promise_past"),
    _s("partial_credit_note", 8, 12, extra="partial_credit"),
    _s("under_minimum", 16, 40, extra="small"),
    _s("disputed", 16, 40, extra="disputed"),
    _s("promised", 16, 40, extra="promise_future"),
    _s("do_not_remind", 16, 40, extra="do_not_remind"),
    _s("credit_note", 16, 40, extra="credit_note"),
    _s("unallocated_payment", 16, 40, extra="unallocated"),
    _s("paid", 16, 40, extra="settled"),
)


def draw_contact(rng: random.Random, customer: Customer, do_not_remind_share: float) -> Contact:
    language = "en" if rng.random() < 0.2 else "fr"
    zones = TIME_ZONES[language]
    zone = rng.choices([z for z, _ in zones], [w for _, w in zones])[0]
    blocked = rng.random() < do_not_remind_share
    return Contact(
        customer_id=customer.customer_id,
        email=customer.email,
        contact_name=f"{rng.choice(CONTACT_FIRST_NAMES)} {rng.choice(names.SURNAMES)}",
        language=language,
        time_zone=zone,
        do_not_remind=blocked,
        do_not_remind_reason=rng.choice(DO_NOT_REMIND_REASONS) if blocked else "",
    )


def _dedicated_customer(rng: random.Random, index: int, used: set[str]) -> Customer:
    while True:
        surname = rng.choice(SURNAMES)
        name = f"{rng.choice(ACTIVITIES)} {surname} {rng.choice(names.LEGAL_FORMS)}"
        if name not in used:
            used.add(name)
            break
    siren = make_siren(rng)
    city, postcode = rng.choice(names.CITIES)
    slug = "".join(c for c in surname.lower() if c.isascii() and c.isalpha())
    return Customer(
        customer_id=f"C{index:04d}",
        name=name,
        siren=siren,
        siret=make_siret(siren, rng),
        iban=make_french_iban(rng),
        address=f"{rng.randint(1, 180)} {rng.choice(names.STREETS)}",
        city=city,
        postcode=postcode,
        email=f"comptabilite@{slug}-{index}.example.com",
    )


def _fresh_amount(rng: random.Random, taken: set[Decimal], low: float, high: float) -> Decimal:
    """An amount no bank line and no other invoice carries: amount-only matching can never pick it."""
    while True:
        amount = random_amount(rng, low, high)
        if amount not in taken:
            taken.add(amount)
            return amount


@lru_cache(maxsize=8)
def build_reminder_world(world: World) -> ReminderWorld:
    """The collection data of ``world`` (contacts, dedicated invoices, statuses, credits, history)."""
    seed, today = world.seed, world.today
    contacts_rng = random.Random(f"legacy-world:{seed}:reminders:contacts")
    rng = random.Random(f"legacy-world:{seed}:reminders:invoices")
    taken = {abs(line.amount) for line in world.lines} | {inv.amount for inv in world.invoices}
    used_names = {c.name for c in world.customers}
    contacts = [draw_contact(contacts_rng, c, 0.06) for c in world.customers]

    customers: list[Customer] = []
    drafts: list[tuple[date, int, Scenario, Customer, date, Decimal]] = []
    for position, scenario in enumerate(SCENARIOS):
        customer = _dedicated_customer(rng, len(world.customers) + position + 1, used_names)
        customers.append(customer)
        contact = draw_contact(contacts_rng, customer, 0.0)
        if "do_not_remind" in scenario.extra:
            contact = Contact(
                contact.customer_id, contact.email, contact.contact_name, contact.language,
                contact.time_zone, True, DO_NOT_REMIND_REASONS[0],
            )  # fmt: skip
        contacts.append(contact)
        due = today - timedelta(days=rng.randint(*scenario.overdue))
        issue = due - timedelta(days=rng.choice((30, 30, 45, 60)))
        low, high = (1.0, 9.99) if "small" in scenario.extra else (60.0, 9000.0)
        drafts.append((issue, position, scenario, customer, due, _fresh_amount(rng, taken, low, high)))

    invoices: list[Invoice] = []
    statuses: list[InvoiceStatus] = []
    credits: list[Credit] = []
    history: list[PastReminder] = []
    scenarios: list[tuple[str, str]] = []
    for sequence, (issue, _pos, scenario, customer, due, amount) in enumerate(sorted(drafts), start=1):
        number = f"INV-{issue.year}-9{sequence:05d}"
        extra = scenario.extra
        settled = "settled" in extra
        invoices.append(
            Invoice(
                number=number, customer_id=customer.customer_id, issue_date=issue, due_date=due,
                amount=amount, settled_manually=settled,
                settled_note=f"Réglé par chèque n° {rng.randint(1000000, 9999999)}" if settled else "",
            )
        )  # fmt: skip
        scenarios.append((number, scenario.name))
        if "disputed" in extra:
            statuses.append(InvoiceStatus(number, disputed=True, dispute_reason=rng.choice(DISPUTE_REASONS)))
        if "promise_future" in extra:
            statuses.append(InvoiceStatus(number, promised_until=today + timedelta(days=rng.randint(3, 15))))
        if "promise_past" in extra:
            statuses.append(InvoiceStatus(number, promised_until=today - timedelta(days=rng.randint(1, 5))))
        credit_day = min(today, due + timedelta(days=rng.randint(1, 10)))
        if "credit_note" in extra or "partial_credit" in extra:
            share = Decimal(1) if "credit_note" in extra else Decimal(rng.choice(("0.30", "0.40", "0.50")))
            credits.append(
                Credit(
                    number=f"AV-{credit_day.year}-{len(credits) + 1:04d}", kind=CREDIT_NOTE,
                    customer_id=customer.customer_id, amount=(amount * share).quantize(CENT),
                    issued_on=credit_day, invoice=number, label="Avoir sur facture " + number,
                )
            )  # fmt: skip
        if "unallocated" in extra:
            surplus = _fresh_amount(rng, taken, 5.0, 400.0)
            credits.append(
                Credit(
                    number=f"ENC-{credit_day.year}-{len(credits) + 1:04d}", kind=UNALLOCATED_PAYMENT,
                    customer_id=customer.customer_id, amount=amount + surplus, issued_on=credit_day,
                    label="Virement reçu sans référence, non lettré",
                )
            )  # fmt: skip
        for level, when in scenario.history:
            sent = (
                today - timedelta(days=int(when[4:]))
                if when.startswith("ago:")
                else due + timedelta(int(when))
            )
            history.append(
                PastReminder(
                    invoice=number, level=level, sent_on=sent,
                    message_id=f"<{rng.getrandbits(64):016x}.{number}@mail.compagnie-exemple.fr>",
                    channel="email", sent_by=rng.choice(REMINDER_STAFF),
                )
            )  # fmt: skip
    if not any(c.language == "en" for c in contacts[len(world.customers) :]):
        first = contacts[len(world.customers)]
        contacts[len(world.customers)] = Contact(
            first.customer_id, first.email, first.contact_name, "en", "Europe/London",
            first.do_not_remind, first.do_not_remind_reason,
        )  # fmt: skip
    return ReminderWorld(
        seed=seed,
        today=today,
        customers=tuple(customers),
        invoices=tuple(invoices),
        contacts=tuple(contacts),
        statuses=tuple(statuses),
        credits=tuple(credits),
        history=tuple(sorted(history, key=lambda h: (h.sent_on, h.invoice))),
        scenarios=tuple(scenarios),
    )
