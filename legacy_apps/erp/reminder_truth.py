"""Ground truth for payment reminders: for a seed and an as-of date, which level is due on each invoice,
or why nothing may be sent.

The policy is a pure function over frozen facts; the facts are what the ERP holds right after a reset.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from legacy_apps.world import DEFAULT_LINES, DEFAULT_TODAY, World, build_world
from legacy_apps.world.reminder_model import LEVELS, ReminderWorld
from legacy_apps.world.reminders import build_reminder_world

ZERO = Decimal("0.00")
# Why a reminder must not be sent, in the order they are reported.
REASONS = (
    "paid", "credit_note", "disputed", "promised", "do_not_remind", "under_minimum",
    "not_due", "already_sent", "waiting_delay",
)  # fmt: skip
# Sending despite one of these is a fault, not merely early: the customer owes nothing or must not be chased.
FORBIDDEN = frozenset({"paid", "credit_note", "disputed", "promised", "do_not_remind", "under_minimum"})


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """Days from the due date at which each level becomes due (negative: before it), the smallest amount
    worth a reminder, and the least number of days between two reminders of one invoice."""

    offsets: tuple[tuple[str, int], ...] = (
        ("courtesy", -3), ("first", 7), ("second", 15), ("formal_notice", 30), ("collection", 45),
    )  # fmt: skip
    minimum: Decimal = Decimal("10.00")
    min_delay_days: int = 7

    def offset(self, level: str) -> int:
        return dict(self.offsets)[level]

    def reached(self, days_overdue: int) -> str | None:
        """The highest level whose offset has come, None before the first."""
        found = None
        for level, offset in self.offsets:
            if days_overdue >= offset:
                found = level
        return found

    def delay(self, previous: str, following: str) -> int:
        """Days to wait after ``previous`` was sent before ``following`` may go."""
        return max(self.min_delay_days, self.offset(following) - self.offset(previous))

    def as_dict(self) -> dict[str, Any]:
        return {
            "offsets_days": dict(self.offsets),
            "minimum_amount": f"{self.minimum:.2f}",
            "min_delay_days": self.min_delay_days,
        }


DEFAULT_POLICY = ReminderPolicy()


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    """What the ERP says about one invoice, everything the policy looks at."""

    number: str
    customer_id: str
    due_date: date
    amount: Decimal
    open_amount: Decimal
    settled_manually: bool = False
    disputed: bool = False
    promised_until: date | None = None
    do_not_remind: bool = False
    credit_for_invoice: Decimal = ZERO  # credit notes issued against this invoice, not yet allocated
    customer_unallocated: Decimal = ZERO  # credits of the customer tied to no invoice
    sent: tuple[tuple[str, date], ...] = ()  # (level, sent on) already in the history


@dataclass(frozen=True, slots=True)
class ReminderDecision:
    invoice: str
    customer_id: str
    days_overdue: int
    amount_due: Decimal
    level: str  # the level due (or that would be, but for the reasons); "" when none has come
    reasons: tuple[str, ...]
    last_level: str = ""
    last_sent_on: date | None = None
    next_on: date | None = None  # when waiting for the delay: the first day the level may go

    @property
    def send(self) -> bool:
        return not self.reasons

    @property
    def reason(self) -> str:
        return self.reasons[0] if self.reasons else ""


def decide(facts: InvoiceFacts, as_of: date, policy: ReminderPolicy = DEFAULT_POLICY) -> ReminderDecision:
    """The reminder due on one invoice on ``as_of``, and every reason not to send it."""
    days = (as_of - facts.due_date).days
    amount_due = facts.open_amount - facts.credit_for_invoice
    reasons: list[str] = []
    if facts.settled_manually or facts.open_amount <= 0:
        reasons.append("paid")
    elif amount_due <= 0 or facts.customer_unallocated >= amount_due:
        reasons.append("credit_note")
    if facts.disputed:
        reasons.append("disputed")
    if facts.promised_until is not None and facts.promised_until >= as_of:
        reasons.append("promised")
    if facts.do_not_remind:
        reasons.append("do_not_remind")
    if ZERO < amount_due < policy.minimum:
        reasons.append("under_minimum")
    reached = policy.reached(days)
    last_level, last_on = "", None
    for level, sent_on in facts.sent:
        if not last_level or LEVELS.index(level) > LEVELS.index(last_level):
            last_level, last_on = level, sent_on
    next_on = None
    if reached is None:
        reasons.append("not_due")
    elif last_level and LEVELS.index(reached) <= LEVELS.index(last_level):
        reasons.append("already_sent")
    elif last_level and last_on is not None:
        ready = last_on + timedelta(days=policy.delay(last_level, reached))
        if as_of < ready:
            reasons.append("waiting_delay")
            next_on = ready
    return ReminderDecision(
        invoice=facts.number, customer_id=facts.customer_id, days_overdue=days,
        amount_due=max(amount_due, ZERO), level=reached or "", reasons=tuple(reasons),
        last_level=last_level, last_sent_on=last_on, next_on=next_on,
    )  # fmt: skip


def seeded_facts(world: World, reminders: ReminderWorld) -> list[InvoiceFacts]:
    """The facts of every invoice the ERP holds right after a reset (no payment posted yet)."""
    blocked = {c.customer_id for c in reminders.contacts if c.do_not_remind}
    statuses = {s.invoice: s for s in reminders.statuses}
    against: dict[str, Decimal] = {}
    unallocated: dict[str, Decimal] = {}
    for credit in reminders.credits:
        if credit.invoice:
            against[credit.invoice] = against.get(credit.invoice, ZERO) + credit.amount
        else:  # a credit note tied to no invoice counts like a payment on account
            unallocated[credit.customer_id] = unallocated.get(credit.customer_id, ZERO) + credit.amount
    sent: dict[str, list[tuple[str, date]]] = {}
    for past in reminders.history:
        sent.setdefault(past.invoice, []).append((past.level, past.sent_on))
    facts = []
    for inv in (*world.invoices, *reminders.invoices):
        status = statuses.get(inv.number)
        facts.append(
            InvoiceFacts(
                number=inv.number, customer_id=inv.customer_id, due_date=inv.due_date, amount=inv.amount,
                open_amount=ZERO if inv.settled_manually else inv.amount,
                settled_manually=inv.settled_manually,
                disputed=bool(status and status.disputed),
                promised_until=status.promised_until if status else None,
                do_not_remind=inv.customer_id in blocked,
                credit_for_invoice=against.get(inv.number, ZERO),
                customer_unallocated=unallocated.get(inv.customer_id, ZERO),
                sent=tuple(sent.get(inv.number, ())),
            )
        )  # fmt: skip
    return facts


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def truth_entries(
    decisions: Iterable[ReminderDecision], reminders: ReminderWorld, facts: dict[str, InvoiceFacts]
) -> dict[str, Any]:
    contacts = {c.customer_id: c for c in reminders.contacts}
    scenarios = dict(reminders.scenarios)
    entries: dict[str, Any] = {}
    for d in decisions:
        contact, fact = contacts[d.customer_id], facts[d.invoice]
        entries[d.invoice] = {
            "customer_id": d.customer_id, "email": contact.email, "language": contact.language,
            "time_zone": contact.time_zone, "due_date": fact.due_date.isoformat(),
            "days_overdue": d.days_overdue, "amount": f"{fact.amount:.2f}",
            "open_amount": f"{fact.open_amount:.2f}", "amount_due": f"{d.amount_due:.2f}",
            "level": d.level, "send": d.send, "reason": d.reason, "reasons": list(d.reasons),
            "last_level": d.last_level, "last_sent_on": _iso(d.last_sent_on), "next_on": _iso(d.next_on),
            "scenario": scenarios.get(d.invoice, ""),
        }  # fmt: skip
    return entries


def reminders_truth(
    seed: int,
    as_of: date | None = None,
    *,
    lines: int = DEFAULT_LINES,
    today: date = DEFAULT_TODAY,
    policy: ReminderPolicy = DEFAULT_POLICY,
) -> dict[str, Any]:
    """Per invoice of the seeded ERP: the level due on ``as_of`` (default: the world's today), whether it
    must be sent, and why not. Plain JSON values, same seed and date, same document."""
    world = build_world(seed, lines, today)
    reminders = build_reminder_world(world)
    day = as_of or world.today
    facts = seeded_facts(world, reminders)
    decisions = [decide(f, day, policy) for f in facts]
    to_send = [d for d in decisions if d.send]
    return {
        "seed": seed,
        "today": world.today.isoformat(),
        "as_of": day.isoformat(),
        "policy": policy.as_dict(),
        "summary": {
            "invoices": len(decisions),
            "to_send": len(to_send),
            "by_level": dict(sorted(Counter(d.level for d in to_send).items())),
            "by_reason": dict(sorted(Counter(d.reason for d in decisions if not d.send).items())),
        },
        "invoices": truth_entries(decisions, reminders, {f.number: f for f in facts}),
    }
