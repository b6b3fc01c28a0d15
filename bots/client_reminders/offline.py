"""Planning reminders from an open-items file, without the ERP: ``rpa reminders plan``.

Writes ``plan.csv`` (one row per invoice: the level, what happens and why) and, in ``outbox/``, the
``.eml`` file of every email the bot would send or ask a person to approve. Nothing is sent.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from email.utils import parseaddr
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, TemplateNotFound

from rpa.documents.excel import neutralize
from rpa.errors import ConfigError, DocumentReadError
from rpa.findings import Finding
from rpa.mail import build_message, message_id_for
from rpa.money import quantize

from .config import ClientRemindersConfig
from .model import Action, CustomerReminder, InvoicePlan
from .open_items import DunningInputs, read_open_items
from .policy import plan_reminders
from .render import reminder_environment, reminder_key, render_reminder, template_names

PLAN_HEADER = ("invoice", "customer_id", "level", "action", "reason", "days_overdue", "amount_due",
               "late_interest", "recovery_fee", "send_on")  # fmt: skip
_OUTSIDE_TEXT = frozenset({0, 1})  # positions of invoice and customer_id: text from the export
_WRITTEN = (Action.SEND, Action.APPROVE)
_DOMAIN = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """What one offline planning read, decided and wrote."""

    invoices: int
    actions: dict[str, int]  # action -> number of invoices
    emails: int
    email_totals: tuple[tuple[str, Decimal], ...]  # (currency, amount claimed in the emails written)
    findings: tuple[Finding, ...]
    plan_csv: Path
    outbox: Path
    eml_files: tuple[Path, ...]


def plan_files(
    open_items: Path,
    out: Path,
    *,
    config: ClientRemindersConfig,
    templates: Path,
    sender: str,
    as_of: date,
    now: datetime,
) -> PlanSummary:
    """Plan every invoice of ``open_items`` as of ``as_of`` (sending window judged at ``now``), write
    ``plan.csv`` and the emails to ``out``.

    Raises DocumentReadError when the file is unreadable or none of its rows is usable, ConfigError when
    a template is missing; bad rows are findings and the other rows are planned.
    """
    inputs = read_open_items(open_items, default_language=config.default_language)
    if not inputs.invoices and inputs.errors:
        first = inputs.errors[0].message
        raise DocumentReadError(
            f"Open items file {open_items}: no usable row ({len(inputs.errors)} refused); first: {first}",
            code="OPEN_ITEMS_UNUSABLE",
            details={"file": str(open_items)},
        )
    env = reminder_environment(FileSystemLoader(templates))
    check_templates(env, config, templates)
    plan = plan_reminders(inputs.invoices, inputs.customers, (), (), as_of=as_of, now=now, config=config)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "plan.csv"
    write_plan_csv(csv_path, plan.invoices)
    outbox = out / "outbox"
    outbox.mkdir(exist_ok=True)
    for stale in outbox.glob("*.eml"):  # the outbox shows this plan only
        stale.unlink()
    written = [r for r in plan.reminders if r.action in _WRITTEN]
    files = write_outbox(outbox, written, inputs, env=env, config=config, sender=sender, as_of=as_of)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for reminder in written:
        for currency, amount in reminder.totals:
            totals[currency] += amount
    return PlanSummary(
        invoices=len(plan.invoices),
        actions=dict(Counter(p.action.value for p in plan.invoices)),
        emails=len(files),
        email_totals=tuple(sorted(totals.items())),
        findings=inputs.findings,
        plan_csv=csv_path,
        outbox=outbox,
        eml_files=tuple(files),
    )


def check_templates(env: Environment, config: ClientRemindersConfig, folder: Path) -> None:
    """ConfigError naming every template file a level needs in a configured language and lacks."""
    missing = []
    for level in config.levels:
        for language in config.languages:
            for name in template_names(level.template, language):
                try:
                    env.get_template(name)
                except TemplateNotFound:
                    missing.append(str(folder / name))
    if missing:
        raise ConfigError(
            f"reminder templates missing: {', '.join(missing)}; add them, or remove the language from "
            "languages in config/bots/client_reminders.toml",
            code="TEMPLATE_MISSING",
        )


def write_plan_csv(path: Path, plans: tuple[InvoicePlan, ...]) -> None:
    """One row per invoice with the columns of PLAN_HEADER; text from the export is formula-neutralised."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PLAN_HEADER)
        for p in plans:
            row = [
                p.invoice, p.customer_id, p.level or "", p.action.value, p.reason.value, str(p.days_overdue),
                *(str(quantize(v, p.currency)) for v in (p.amount_due, p.late_interest, p.recovery_fee)),
                p.send_on.isoformat() if p.send_on else "",
            ]  # fmt: skip
            writer.writerow([neutralize(v) if pos in _OUTSIDE_TEXT else v for pos, v in enumerate(row)])


def write_outbox(
    outbox: Path,
    reminders: list[CustomerReminder],
    inputs: DunningInputs,
    *,
    env: Environment,
    config: ClientRemindersConfig,
    sender: str,
    as_of: date,
) -> list[Path]:
    """One ``.eml`` file per reminder, its Message-ID derived from the reminder's key."""
    customers = {c.id: c for c in inputs.customers}
    domain = mail_domain(sender)
    used: set[str] = set()
    files = []
    for reminder in reminders:
        email = render_reminder(
            env, reminder, inputs.invoices, customers[reminder.customer_id], company=config.company,
            as_of=as_of, recovery_fee=config.recovery_fee,
        )  # fmt: skip
        msg = build_message(
            sender=sender,
            to=[reminder.email],
            subject=email.subject,
            text=email.text,
            html=email.html,
            message_id=message_id_for(reminder_key(reminder), domain),
            reply_to=config.company.email or None,
        )
        msg["X-Reminder-Level"] = reminder.level
        msg["X-Reminder-Action"] = reminder.action.value  # approve: a person reads it before it goes
        path = outbox / _file_name(reminder, used)
        path.write_bytes(msg.as_bytes())
        files.append(path)
    return files


def mail_domain(sender: str) -> str:
    """The domain of the From address, for Message-IDs; ``localhost`` when it has none usable."""
    domain = parseaddr(sender)[1].rpartition("@")[2]
    return domain if _DOMAIN.match(domain) else "localhost"


def _file_name(reminder: CustomerReminder, used: set[str]) -> str:
    stem = _UNSAFE_NAME.sub("_", f"{reminder.customer_id}-{reminder.level}").strip("._") or "reminder"
    name, n = f"{stem}.eml", 1
    while name in used:  # two customer ids that differ only in unsafe characters
        n += 1
        name = f"{stem}-{n}.eml"
    used.add(name)
    return name
