"""The ERP's reminder history: what was sent on which invoice, and the 'reminder sent' form's checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from legacy_apps.world.reminder_model import CHANNELS, LEVELS

LEVEL_LABELS = {
    "courtesy": "Courtesy reminder", "first": "First reminder", "second": "Second reminder",
    "formal_notice": "Formal notice", "collection": "Sent to collection",
}  # fmt: skip
# RFC 5322 msg-id as mail software writes it: <left@right>, no spaces.
MESSAGE_ID = re.compile(r"^<[^<>\s@]{1,200}@[^<>\s@]{1,200}>$")
DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$|^(\d{4})-(\d{2})-(\d{2})$")


@dataclass
class Reminder:
    reminder_id: str
    invoice: str
    level: str
    sent_on: date
    message_id: str
    channel: str
    recorded_by: str
    created_at: int  # position in the ERP's journal: a counter, not a clock
    seeded: bool = False  # in the history before the simulation started

    def as_dict(self) -> dict[str, Any]:
        return {
            "reminder_id": self.reminder_id, "invoice": self.invoice, "level": self.level,
            "sent_on": self.sent_on.isoformat(), "message_id": self.message_id, "channel": self.channel,
            "recorded_by": self.recorded_by, "created_at": self.created_at, "seeded": self.seeded,
        }  # fmt: skip


def parse_sent_on(text: str, today: date) -> date:
    """dd/mm/yyyy (as typed) or yyyy-mm-dd; not after the accounting date."""
    value = text.strip()
    if not DATE.match(value):
        raise ValueError("Date sent is required in the form dd/mm/yyyy.")
    try:
        day = datetime.strptime(value, "%d/%m/%Y" if "/" in value else "%Y-%m-%d").date()
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a calendar date.") from exc
    if day > today:
        raise ValueError(f"Date sent cannot be after the accounting date ({today:%d/%m/%Y}).")
    return day


def validate_reminder_form(values: dict[str, str], today: date) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's values checked field by field: (clean values, errors by field)."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    level = values.get("level", "").strip()
    if level not in LEVELS:
        errors["level"] = f"Level is required: one of {', '.join(LEVELS)}."
    clean["level"] = level
    try:
        clean["sent_on"] = parse_sent_on(values.get("sent_on", ""), today)
    except ValueError as exc:
        errors["sent_on"] = str(exc)
    channel = values.get("channel", "").strip() or "email"
    if channel not in CHANNELS:
        errors["channel"] = f"Channel must be one of {', '.join(CHANNELS)}."
    clean["channel"] = channel
    message_id = values.get("message_id", "").strip()
    # A letter or a call has no Message-ID; an e-mail always has one, and it is how a sender finds its note.
    if (message_id or channel == "email") and not MESSAGE_ID.match(message_id):
        errors["message_id"] = "Message-ID is required for e-mail, as in the header: <unique-part@domain>."
    clean["message_id"] = message_id
    return clean, errors
