"""Render planned situations into bank lines, each with the decision a careful accountant would take."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from legacy_apps.world import names
from legacy_apps.world.identifiers import make_french_iban
from legacy_apps.world.model import CENT, MATCH, NO_AUTO_MATCH, BankLine, Customer, Settlement

if TYPE_CHECKING:
    from legacy_apps.world.generate import InvoiceDraft, LineSpec

Raw = dict[str, Any]


def mention(rng: random.Random, number: str) -> str:
    """How customers quote an invoice number in a transfer's free text."""
    return rng.choice(
        (
            number,
            f"Facture {number}",
            f"REGLEMENT FACTURE {number}",
            f"PAIEMENT {number}",
            f"Fact. {number} merci",
        )
    )


def typo(rng: random.Random, number: str) -> str:
    """The mistakes people make typing a reference: O for 0, l/1 for I, a missing dash."""
    prefix, year, sequence = number.split("-")
    variant = rng.randrange(5)
    if variant == 0:
        return f"{prefix}{year}-{sequence}"
    if variant == 1:
        return f"{prefix}{year}{sequence}"
    if variant == 2:
        return f"{prefix}-{year.replace('0', 'O', 1)}-{sequence}"
    if variant == 3:
        return f"{rng.choice(('1', 'l'))}{prefix[1:]}-{year}-{sequence}"
    return f"{prefix}-{year}-{sequence.replace('0', 'O', 1)}"


def end_to_end(rng: random.Random) -> str:
    # Many payers leave the SEPA end-to-end id empty, which banks report as NOTPROVIDED.
    return "NOTPROVIDED" if rng.random() < 0.4 else f"E2E{rng.randint(10**11, 10**12 - 1)}"


def payer_name(rng: random.Random, customer: Customer) -> str:
    return customer.name.upper() if rng.random() < 0.5 else customer.name


def credit(
    rng: random.Random,
    spec: LineSpec,
    amount: Decimal,
    remittance: str,
    settles: list[tuple[str, Decimal]],
    **extra: Any,
) -> Raw:
    assert spec.customer is not None
    raw: Raw = {
        "order": spec.order,
        "sub": 0,
        "booking_date": spec.booking_date,
        "amount": amount,
        "counterparty_name": payer_name(rng, spec.customer),
        "counterparty_iban": spec.customer.iban,
        "remittance": remittance,
        "creditor_reference": "",
        "end_to_end_id": end_to_end(rng),
        "reversal": False,
        "family": "RCDT",
        "kind": spec.kind,
        "decision": MATCH,
        "reason": "",
        "settles": [Settlement(invoice=n, amount=a) for n, a in settles],
        "related": [],
    }
    raw.update(extra)
    return raw


def render_spec(rng: random.Random, spec: LineSpec, open_amounts: dict[str, list[Decimal]]) -> list[Raw]:
    """The bank line(s) of one planned situation."""
    kind = spec.kind
    invoices: list[InvoiceDraft] = spec.invoices
    if kind in {"debit", "bank_fee", "unidentified"}:
        return [other_line(rng, spec)]
    first = invoices[0]
    number, amount = first.number, first.amount
    if kind == "exact":
        return [credit(rng, spec, amount, mention(rng, number), [(number, amount)])]
    if kind == "rf":
        text = rng.choice(("", "", f"VIR {spec.customer.name.upper()}" if spec.customer else ""))
        return [credit(rng, spec, amount, text, [(number, amount)], creditor_reference=first.reference)]
    if kind == "grouped":
        separator = rng.choice((" ", ", ", " + ", "/"))
        text = rng.choice(("FACTURES ", "Règlement ", "")) + separator.join(d.number for d in invoices)
        total = sum((d.amount for d in invoices), start=Decimal("0.00"))
        return [credit(rng, spec, total, text, [(d.number, d.amount) for d in invoices])]
    if kind == "partial":
        share = Decimal(rng.choice(("0.30", "0.40", "0.50", "0.60")))
        paid = (amount * share).quantize(Decimal("1"), rounding=ROUND_HALF_UP).quantize(CENT)
        paid = max(paid, Decimal("1.00"))
        text = rng.choice(("ACOMPTE ", "Paiement partiel ", "1ER VERSEMENT ")) + number
        return [credit(rng, spec, paid, text, [(number, paid)])]
    if kind == "discount":
        rate = rng.choice((2, 3))
        paid = (amount * (100 - rate) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        text = f"{number} ESCOMPTE {rate}%"
        return [credit(rng, spec, paid, text, [(number, paid)], reason=f"early-payment discount {rate}%")]
    if kind == "fees":
        fee = Decimal(rng.choice(("2.50", "5.00", "7.50", "12.00", "15.00")))
        paid = amount - fee
        return [
            credit(
                rng, spec, paid, mention(rng, number), [(number, paid)], reason=f"bank fees {fee} deducted"
            )
        ]
    if kind == "typo":
        return [credit(rng, spec, amount, mention(rng, typo(rng, number)), [(number, amount)])]
    if kind == "no_reference":
        assert spec.customer is not None
        text = rng.choice(("", "VIREMENT", "PAIEMENT FACTURE", f"VIR {spec.customer.name.upper()}"))
        line = credit(rng, spec, amount, text, [(number, amount)])
        if open_amounts[spec.customer.customer_id].count(amount) > 1:
            line.update(decision=NO_AUTO_MATCH, reason="ambiguous", settles=[])
        return [line]
    if kind == "ambiguous":
        text = rng.choice(("", "VIREMENT", "REGLEMENT"))
        return [credit(rng, spec, amount, text, [], decision=NO_AUTO_MATCH, reason="ambiguous")]
    if kind == "third_party":
        assert spec.customer is not None
        surname = spec.customer.name.split()[1]
        template = rng.choice(names.THIRD_PARTIES)
        payer = template.format(surname=surname, first=rng.choice(names.FIRST_NAMES))
        return [
            credit(
                rng, spec, amount, mention(rng, number), [(number, amount)],
                counterparty_name=payer, counterparty_iban=make_french_iban(rng),
                reason="paid by a third party",
            )
        ]  # fmt: skip
    if kind == "already_settled":
        return [
            credit(
                rng, spec, amount, mention(rng, number), [], decision=NO_AUTO_MATCH, reason="already_settled"
            )
        ]
    if kind in {"amount_of_another_invoice", "paid_the_other_invoice"}:
        # The number quoted is the first invoice's, the amount exactly the second's: which one was meant?
        return [credit(rng, spec, invoices[1].amount, mention(rng, number), [], decision=NO_AUTO_MATCH,
                       reason=kind)]  # fmt: skip
    if kind == "invoice_of_another_customer":
        # The payer's own account, another customer's invoice number, and either invoice's amount.
        paid = rng.choice((amount, invoices[1].amount))
        return [credit(rng, spec, paid, mention(rng, number), [], decision=NO_AUTO_MATCH, reason=kind)]
    if kind == "two_combinations":
        text = rng.choice(("", "VIREMENT", "REGLEMENT FACTURES"))
        total = invoices[0].amount + invoices[1].amount
        return [credit(rng, spec, total, text, [], decision=NO_AUTO_MATCH, reason=kind)]
    if kind == "duplicate":
        original = credit(rng, spec, amount, mention(rng, number), [(number, amount)])
        again = dict(original)
        again.update(
            sub=1,
            booking_date=spec.booking_date + timedelta(days=rng.randint(0, 3)),
            end_to_end_id=end_to_end(rng),
            decision=NO_AUTO_MATCH,
            reason="duplicate_payment",
            settles=[],
            related=[(spec.order, 0)],
        )
        original["related"] = [(spec.order, 1)]
        return [original, again]
    if kind == "reversal":
        original = credit(
            rng, spec, amount, mention(rng, number), [], decision=NO_AUTO_MATCH, reason="reversed"
        )
        back = dict(original)
        back.update(
            sub=1,
            booking_date=spec.booking_date + timedelta(days=rng.randint(1, 5)),
            amount=-amount,
            remittance=rng.choice(("RETOUR VIREMENT ", "ANNULATION VIR ", "RAPPEL DE FONDS ")) + number,
            reversal=True,
            reason="reversal",
            related=[(spec.order, 0)],
        )
        original["related"] = [(spec.order, 1)]
        return [original, back]
    raise ValueError(f"unknown line kind {kind!r}")


def other_line(rng: random.Random, spec: LineSpec) -> Raw:
    """Lines that have nothing to do with customer invoices: salaries, suppliers, taxes, bank charges."""
    base: Raw = {
        "order": spec.order, "sub": 0, "booking_date": spec.booking_date, "creditor_reference": "",
        "end_to_end_id": "NOTPROVIDED", "reversal": False, "kind": spec.kind, "decision": NO_AUTO_MATCH,
        "settles": [], "related": [], "counterparty_iban": "",
    }  # fmt: skip
    month = f"{spec.booking_date.month:02d}-{spec.booking_date.year}"
    if spec.kind == "bank_fee":
        text = rng.choice(
            ("FRAIS TENUE DE COMPTE", "COMMISSION D'INTERVENTION", "COTISATION OFFRE PRO", "FRAIS VIR INTL")
        )
        amount = -Decimal(rng.choice(("8.50", "12.00", "16.90", "29.00", "4.20")))
        base.update(amount=amount, counterparty_name="", remittance=text, family="CHRG", reason="unrelated")
    elif spec.kind == "debit":
        if rng.random() < 0.5:
            person = f"{rng.choice(names.FIRST_NAMES)} {rng.choice(names.SURNAMES)}"
            base.update(
                amount=-random_amount(rng, 1600, 4200), counterparty_name=person,
                remittance=f"SALAIRE {month} {person.upper()}", family="ICDT",
            )  # fmt: skip
        else:
            supplier = rng.choice(names.SUPPLIERS)
            base.update(
                amount=-random_amount(rng, 40, 9000), counterparty_name=supplier,
                remittance=f"PRLV SEPA {supplier} ECH {month}", family="DDBT",
            )  # fmt: skip
        base.update(counterparty_iban=make_french_iban(rng), reason="unrelated")
    else:
        person = f"{rng.choice(names.FIRST_NAMES)} {rng.choice(names.SURNAMES)}"
        base.update(
            amount=random_amount(rng, 20, 900), counterparty_name=person.upper(),
            counterparty_iban=make_french_iban(rng), remittance=rng.choice(("VIR SEPA", "REMBOURSEMENT", "")),
            family="RCDT", reason="unidentified", end_to_end_id=end_to_end(rng),
        )  # fmt: skip
    return base


def render_lines(
    rng: random.Random, specs: list[LineSpec], drafts: list[InvoiceDraft], period_end: date
) -> tuple[BankLine, ...]:
    """All bank lines in booking order, with bank references assigned in that order."""
    open_amounts: dict[str, list[Decimal]] = defaultdict(list)
    for draft in drafts:
        if not draft.settled_manually:
            open_amounts[draft.customer.customer_id].append(draft.amount)
    raws = [raw for spec in specs for raw in render_spec(rng, spec, open_amounts)]
    for raw in raws:
        raw["booking_date"] = min(business_day(raw["booking_date"]), period_end)
    raws.sort(key=lambda r: (r["booking_date"], r["order"], r["sub"]))
    refs = {
        (r["order"], r["sub"]): f"BQ{r['booking_date']:%y%m%d}{i:05d}" for i, r in enumerate(raws, start=1)
    }
    return tuple(
        BankLine(
            bank_ref=refs[(r["order"], r["sub"])],
            booking_date=r["booking_date"],
            value_date=r["booking_date"],
            amount=r["amount"],
            counterparty_name=r["counterparty_name"],
            counterparty_iban=r["counterparty_iban"],
            remittance=r["remittance"],
            creditor_reference=r["creditor_reference"],
            end_to_end_id=r["end_to_end_id"],
            reversal=r["reversal"],
            family=r["family"],
            kind=r["kind"],
            decision=r["decision"],
            reason=r["reason"],
            settles=tuple(r["settles"]),
            related=tuple(refs[key] for key in r["related"]),
        )
        for r in raws
    )


def business_day(day: date) -> date:
    """Banks book on working days: weekends move to the next Monday."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def random_amount(rng: random.Random, low: float = 60.0, high: float = 18000.0) -> Decimal:
    """Log-uniform amounts: many small invoices, a few large ones, always whole cents."""
    import math

    cents = int(math.exp(rng.uniform(math.log(low), math.log(high))) * 100)
    return (Decimal(cents) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
