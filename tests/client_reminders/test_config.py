"""The bot's settings refuse what would make the escalation incoherent; the records refuse half-facts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from bots.client_reminders.config import ClientRemindersConfig
from bots.client_reminders.model import Customer, OpenInvoice


def test_defaults_follow_the_issue() -> None:
    config = ClientRemindersConfig()
    assert [(lv.name, lv.offset_days) for lv in config.levels] == [
        ("courtesy", -3),
        ("first", 7),
        ("second", 15),
        ("formal_notice", 30),
        ("collection", 45),
    ]
    assert [lv.name for lv in config.levels if lv.needs_approval] == ["formal_notice", "collection"]
    assert {lv.channel for lv in config.levels} == {"email"}
    assert config.minimum_amount == Decimal("10.00") and config.recovery_fee == Decimal("40.00")
    assert (config.languages, config.default_language) == (("fr", "en"), "fr")


def test_the_delay_between_reminders_defaults_to_the_gap_of_the_offsets_at_least_7_days() -> None:
    config = ClientRemindersConfig()
    assert [config.delay_before(lv.name) for lv in config.levels] == [7, 10, 8, 15, 15]
    custom = ClientRemindersConfig.model_validate(
        {
            "levels": [
                {"name": "first", "offset_days": 5, "template": "first"},
                {"name": "second", "offset_days": 9, "template": "second"},
                {"name": "formal_notice", "offset_days": 40, "template": "fn", "min_days_since_previous": 20},
            ]
        }
    )
    assert [custom.delay_before(lv.name) for lv in custom.levels] == [7, 7, 20]


@pytest.mark.parametrize(
    "settings",
    [
        {"minimum_amount_typo": "5"},
        {"minimum_amount": "-1"},
        {"recovery_fee": "100000"},
        {"interest_margin_points": "60"},
        {"office_opens": "18:00", "office_closes": "09:00"},
        {"default_language": "de"},
        {"holiday_country": "XX"},
        {"closing_days": ["2026-13-01"]},
        {
            "ecb_rates": [
                {"year": 2026, "half": 1, "ecb_rate": "2"},
                {"year": 2026, "half": 1, "ecb_rate": "3"},
            ]
        },
        {"ecb_rates": [{"year": 2026, "half": 3, "ecb_rate": "2"}]},
        {"levels": []},
        {"levels": [{"name": "first", "offset_days": 7, "template": "first", "channel": "sms"}]},
        {"levels": [{"name": "dunning", "offset_days": 7, "template": "x"}]},
        {
            "levels": [
                {"name": "first", "offset_days": 7, "template": "a"},
                {"name": "second", "offset_days": 7, "template": "b"},
            ]
        },
        {
            "levels": [
                {"name": "second", "offset_days": 7, "template": "a"},
                {"name": "first", "offset_days": 15, "template": "b"},
            ]
        },
        {
            "levels": [
                {"name": "first", "offset_days": 7, "template": "a", "needs_approval": True},
                {"name": "second", "offset_days": 15, "template": "b"},
            ]
        },
    ],
)
def test_unknown_keys_and_incoherent_values_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ClientRemindersConfig.model_validate(settings)


def test_a_promise_needs_its_date_and_a_payment_its_day() -> None:
    common = {
        "number": "F1",
        "customer_id": "C1",
        "issue_date": date(2026, 1, 1),
        "due_date": date(2026, 1, 31),
        "amount": Decimal("100.00"),
        "open_amount": Decimal("100.00"),
    }
    with pytest.raises(ValueError, match="promised_until"):
        OpenInvoice(**common, status="promised")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="last_paid_on"):
        OpenInvoice(**common, paid_since_last_reminder=Decimal("10"))  # type: ignore[arg-type]


def test_a_customer_time_zone_must_exist() -> None:
    with pytest.raises(ValueError, match="Mars/Olympus"):
        Customer("C1", "Acme", "a@example.com", time_zone="Mars/Olympus")


def test_a_toml_like_mapping_is_accepted() -> None:
    config = ClientRemindersConfig.model_validate(
        {
            "office_opens": "08:30",
            "office_closes": "17:00",
            "closing_days": ["2026-08-14"],
            "minimum_amount": "25.00",
            "ecb_rates": [{"year": 2027, "half": 1, "ecb_rate": "2.00"}],
        }
    )
    assert config.office_opens.hour == 8 and config.calendar().why_closed(date(2026, 8, 14))
    assert config.rate_table() == {(2027, 1): Decimal("12.00")}
