"""Build the seeded world: customers, invoices, and bank lines carrying the noise real statements have.

Everything comes from one ``random.Random(seed)`` and the ``today`` passed in, never from the clock,
so the same seed always yields the same world (and the same files, byte for byte).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from legacy_apps.world import names
from legacy_apps.world.identifiers import make_french_iban, make_rf_reference, make_siren, make_siret
from legacy_apps.world.lines import business_day, random_amount, render_lines
from legacy_apps.world.model import CENT, Account, Customer, Invoice, World

DEFAULT_TODAY = date(2026, 11, 20)
DEFAULT_LINES = 200

# Share of each situation among bank lines (duplicate and reversal take two lines each).
KIND_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("exact", 30), ("rf", 8), ("grouped", 8), ("partial", 5), ("discount", 4), ("fees", 4), ("typo", 8),
    ("no_reference", 6), ("ambiguous", 3), ("third_party", 4), ("duplicate", 3), ("reversal", 3),
    ("already_settled", 2), ("debit", 8), ("bank_fee", 4), ("unidentified", 2),
    ("amount_of_another_invoice", 3), ("paid_the_other_invoice", 2), ("invoice_of_another_customer", 2),
    ("two_combinations", 2),
)  # fmt: skip
# Situations where a confident reading is wrong: the number quoted and the amount paid tell different
# stories, or the amount fits two ways. Their invoices are drafted by ``competing_invoices``.
COMPETING_KINDS = frozenset(
    {"amount_of_another_invoice", "paid_the_other_invoice", "invoice_of_another_customer", "two_combinations"}
)
PAIRED_KINDS = frozenset({"duplicate", "reversal"})
# Kinds whose invoices must exist in the ERP, and how many each needs.
INVOICES_NEEDED = {"grouped": (2, 4), "ambiguous": (2, 2)}
NO_INVOICE_KINDS = frozenset({"debit", "bank_fee", "unidentified"})


@dataclass
class InvoiceDraft:
    key: int
    customer: Customer
    issue_date: date
    due_date: date
    amount: Decimal
    wants_reference: bool
    settled_manually: bool = False
    number: str = ""
    reference: str = ""
    settled_note: str = ""


@dataclass
class LineSpec:
    """A planned situation on the statement; rendered into bank line(s) once invoices have numbers."""

    order: int
    kind: str
    customer: Customer | None
    booking_date: date
    invoices: list[InvoiceDraft] = field(default_factory=list)


def ascii_slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


def make_customers(rng: random.Random, count: int) -> tuple[Customer, ...]:
    customers = []
    used: set[str] = set()
    for index in range(1, count + 1):
        while True:
            surname = rng.choice(names.SURNAMES)
            name = f"{rng.choice(names.ACTIVITIES)} {surname} {rng.choice(names.LEGAL_FORMS)}"
            if name not in used:
                used.add(name)
                break
        siren = make_siren(rng)
        city, postcode = rng.choice(names.CITIES)
        customers.append(
            Customer(
                customer_id=f"C{index:04d}",
                name=name,
                siren=siren,
                siret=make_siret(siren, rng),
                iban=make_french_iban(rng),
                address=f"{rng.randint(1, 180)} {rng.choice(names.STREETS)}",
                city=city,
                postcode=postcode,
                email=f"compta@{ascii_slug(surname)}-{index}.example.fr",
            )
        )
    return tuple(customers)


def _draft(
    rng: random.Random,
    drafts: list[InvoiceDraft],
    customer: Customer,
    issue: date,
    amount: Decimal | None = None,
) -> InvoiceDraft:
    draft = InvoiceDraft(
        key=len(drafts),
        customer=customer,
        issue_date=issue,
        due_date=issue + timedelta(days=rng.choice((30, 30, 45, 60))),
        amount=amount if amount is not None else random_amount(rng),
        wants_reference=rng.random() < 0.25,
    )
    drafts.append(draft)
    return draft


def plan(
    rng: random.Random, customers: tuple[Customer, ...], lines: int, start: date, end: date
) -> tuple[list[LineSpec], list[InvoiceDraft]]:
    """Choose the situations on the statement and draft the invoices they are about."""
    kinds = [k for k, _ in KIND_WEIGHTS]
    weights = [w for _, w in KIND_WEIGHTS]
    span = (end - start).days
    specs: list[LineSpec] = []
    drafts: list[InvoiceDraft] = []
    produced = 0
    while produced < lines:
        kind = rng.choices(kinds, weights)[0]
        if kind in PAIRED_KINDS and produced + 2 > lines:
            kind = "exact"
        # Leave room for the second line of a pair (duplicate, reversal) inside the period.
        booking = business_day(start + timedelta(days=rng.randint(0, max(span - 7, 0))))
        customer = None if kind in {"debit", "bank_fee", "unidentified"} else rng.choice(customers)
        spec = LineSpec(order=len(specs), kind=kind, customer=customer, booking_date=booking)
        if customer is not None and kind in COMPETING_KINDS:
            spec.invoices.extend(competing_invoices(rng, drafts, kind, customer, customers, booking))
        elif customer is not None:
            low, high = INVOICES_NEEDED.get(kind, (1, 1))
            shared = random_amount(rng) if kind == "ambiguous" else None
            for _ in range(rng.randint(low, high)):
                issue = booking - timedelta(days=rng.randint(8, 75))
                spec.invoices.append(_draft(rng, drafts, customer, issue, shared))
            if kind == "rf":
                for draft in spec.invoices:
                    draft.wants_reference = True
            if kind == "already_settled":
                draft = spec.invoices[0]
                draft.settled_manually = True
                draft.settled_note = f"Réglé par chèque n° {rng.randint(1000000, 9999999)}"
        specs.append(spec)
        produced += 2 if kind in PAIRED_KINDS else 1
    return specs, drafts


def competing_invoices(
    rng: random.Random,
    drafts: list[InvoiceDraft],
    kind: str,
    customer: Customer,
    customers: tuple[Customer, ...],
    booking: date,
) -> list[InvoiceDraft]:
    """The open invoices behind a line that reads two ways (see ``COMPETING_KINDS``).

    - ``amount_of_another_invoice``: A is quoted, the amount is B's (50-95 % of A: reads as a partial on A);
    - ``paid_the_other_invoice``: two invoices a few cents or euros apart, the one quoted is not the one
      paid (reads as a rounding gap or a bank fee on it);
    - ``invoice_of_another_customer``: the number quoted is another customer's invoice, the payer's own
      open invoice is second;
    - ``two_combinations``: a + b = c + d, the amount is that sum.
    """

    def issued() -> date:
        return booking - timedelta(days=rng.randint(8, 75))

    if kind == "amount_of_another_invoice":
        quoted = random_amount(rng, 200, 18000)
        share = Decimal(rng.randint(5000, 9500)) / 10000
        paid = (quoted * share).quantize(CENT)
        return [
            _draft(rng, drafts, customer, issued(), quoted),
            _draft(rng, drafts, customer, issued(), paid),
        ]
    if kind == "paid_the_other_invoice":
        quoted = random_amount(rng, 400, 18000)
        gap = Decimal(rng.choice(("0.02", "0.05", "2.50", "5.00", "12.00")))
        return [
            _draft(rng, drafts, customer, issued(), quoted),
            _draft(rng, drafts, customer, issued(), quoted - gap),
        ]
    if kind == "invoice_of_another_customer":
        other = rng.choice([c for c in customers if c.customer_id != customer.customer_id])
        return [_draft(rng, drafts, other, issued()), _draft(rng, drafts, customer, issued())]
    if kind == "two_combinations":
        first, second = random_amount(rng, 150, 6000), random_amount(rng, 150, 6000)
        shift = Decimal(rng.randint(100, int(min(first, second) * 50))) / 100
        amounts = (first, second, first + shift, second - shift)
        return [_draft(rng, drafts, customer, issued(), amount) for amount in amounts]
    raise ValueError(f"not a competing kind: {kind!r}")


def add_background_invoices(
    rng: random.Random, drafts: list[InvoiceDraft], customers: tuple[Customer, ...], lines: int, today: date
) -> None:
    """Invoices no line of the statement pays: still open (some overdue) or closed by hand long ago."""
    for _ in range(lines // 2):
        _draft(rng, drafts, rng.choice(customers), today - timedelta(days=rng.randint(1, 150)))
    for _ in range(max(2, lines // 40)):
        draft = _draft(rng, drafts, rng.choice(customers), today - timedelta(days=rng.randint(60, 200)))
        draft.settled_manually = True
        draft.settled_note = rng.choice(
            ("Compensé avec avoir", "Réglé en espèces", "Abandon de créance validé")
        )


def number_invoices(drafts: list[InvoiceDraft]) -> None:
    """Invoice numbers follow issue dates, as an ERP's sequence does."""
    for sequence, draft in enumerate(sorted(drafts, key=lambda d: (d.issue_date, d.key)), start=1):
        draft.number = f"INV-{draft.issue_date.year}-{sequence:05d}"
        if draft.wants_reference:
            body = f"{draft.issue_date.year}{sequence:05d}{draft.customer.customer_id[1:]}"
            draft.reference = make_rf_reference(body)


@lru_cache(maxsize=8)
def build_world(seed: int, lines: int = DEFAULT_LINES, today: date = DEFAULT_TODAY) -> World:
    """The whole seeded world; cached because the server, the writers and the ground truth all ask for it."""
    if lines < 1:
        raise ValueError(f"lines must be at least 1, got {lines}")
    rng = random.Random(seed)
    account = Account(
        iban=make_french_iban(rng, bank="30004"),
        bic="BDEMFRPPXXX",
        holder="Compagnie Exemple SA",
        bank_name="Banque Démo",
    )
    customers = make_customers(rng, max(12, lines // 4))
    period_start, period_end = today - timedelta(days=50), today - timedelta(days=1)
    specs, drafts = plan(rng, customers, lines, period_start, period_end)
    add_background_invoices(rng, drafts, customers, lines, today)
    number_invoices(drafts)
    bank_lines = render_lines(rng, specs, drafts, period_end)
    invoices = tuple(
        Invoice(
            number=d.number,
            customer_id=d.customer.customer_id,
            issue_date=d.issue_date,
            due_date=d.due_date,
            amount=d.amount,
            reference=d.reference,
            settled_manually=d.settled_manually,
            settled_note=d.settled_note,
        )
        for d in sorted(drafts, key=lambda d: d.number)
    )
    opening = Decimal(rng.randint(40_000, 250_000)) + Decimal(rng.randint(0, 99)) / 100
    return World(
        seed=seed,
        today=today,
        period_start=period_start,
        period_end=period_end,
        opening_balance=opening.quantize(CENT),
        account=account,
        customers=customers,
        invoices=invoices,
        lines=bank_lines,
    )
