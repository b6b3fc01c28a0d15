"""The client_reminders bot's settings: reminder levels, late charges, sending window; checked at start-up."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rpa.calendar import BusinessCalendar, check_country

LevelName = Literal["courtesy", "first", "second", "formal_notice", "collection"]
# The escalation order: a level is "higher" than every level before it here.
LEVEL_ORDER: tuple[LevelName, ...] = ("courtesy", "first", "second", "formal_notice", "collection")
# Default delay between two reminders when the offsets are closer than this (or for the first level).
MIN_DEFAULT_DELAY_DAYS = 7


class ReminderLevel(BaseModel):
    """One step of the escalation: when it is reached, which template it uses, who must approve it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: LevelName = Field(description="Level id, also the key of the sent reminder in the ERP.")
    offset_days: int = Field(
        ge=-60, le=365, description="Days after the due date the level is reached (negative: before it)."
    )
    template: str = Field(
        min_length=1,
        max_length=80,
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        description="Email template name (one file per language under config/templates/).",
    )
    channel: Literal["email"] = Field(default="email", description="How the reminder is sent.")
    needs_approval: bool = Field(
        default=False, description="A person approves the email in the console before it is sent."
    )
    min_days_since_previous: int | None = Field(
        default=None,
        ge=1,
        le=365,
        description="Days the previous reminder must be old before this level is sent; "
        "default: the gap between the two levels' offsets, at least 7.",
    )
    claims_late_charges: bool = Field(
        default=False, description="The email claims late-payment interest and the recovery indemnity."
    )


class HalfYearRate(BaseModel):
    """The ECB main refinancing rate applicable for one half-year (its value on 1 January or 1 July)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int = Field(ge=2000, le=2100, description="Calendar year.")
    half: Literal[1, 2] = Field(description="1: January to June; 2: July to December.")
    ecb_rate: Decimal = Field(
        ge=-5, le=30, description="ECB main refinancing rate in percent per year (4.50 = 4.50 %)."
    )


class CompanyInfo(BaseModel):
    """Who the reminders come from, as the emails sign them (the From address is the mail setting)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="", max_length=200, description="Company name signing the emails.")
    address: str = Field(default="", max_length=300, description="Postal address, on one line.")
    phone: str = Field(default="", max_length=40, description="Phone number customers may call.")
    email: str = Field(
        default="",
        max_length=200,
        pattern=r"^([^@\s,;<>]+@[^@\s,;<>]+)?$",
        description="Accounts-receivable address: shown in the emails and used as their Reply-To.",
    )
    siren: str = Field(
        default="", pattern=r"^([0-9]{9})?$", description="SIREN number (9 digits), shown in the signature."
    )


def _default_levels() -> tuple[ReminderLevel, ...]:
    return (
        ReminderLevel(name="courtesy", offset_days=-3, template="courtesy"),
        ReminderLevel(name="first", offset_days=7, template="first_reminder"),
        ReminderLevel(name="second", offset_days=15, template="second_reminder"),
        ReminderLevel(
            name="formal_notice",
            offset_days=30,
            template="formal_notice",
            needs_approval=True,
            claims_late_charges=True,
        ),
        ReminderLevel(
            name="collection",
            offset_days=45,
            template="collection",
            needs_approval=True,
            claims_late_charges=True,
        ),
    )


def _rates(*rows: tuple[int, int, str]) -> tuple[HalfYearRate, ...]:
    return tuple(HalfYearRate.model_validate({"year": y, "half": h, "ecb_rate": r}) for y, h, r in rows)


# ECB main refinancing rate on 1 January / 1 July of each half-year (art. L441-10 Code de commerce).
DEFAULT_ECB_RATES = _rates(
    (2023, 1, "2.50"), (2023, 2, "4.00"), (2024, 1, "4.50"), (2024, 2, "4.25"),
    (2025, 1, "3.15"), (2025, 2, "2.15"), (2026, 1, "2.15"), (2026, 2, "2.15"),
)  # fmt: skip


class ClientRemindersConfig(BaseModel):
    """Who gets which reminder when. Defaults follow French B2B practice and law (Code de commerce)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    levels: tuple[ReminderLevel, ...] = Field(
        default_factory=_default_levels,
        min_length=1,
        max_length=len(LEVEL_ORDER),
        description="The escalation, each level once, offsets increasing in the order of LEVEL_ORDER.",
    )
    minimum_amount: Decimal = Field(
        default=Decimal("10.00"),
        ge=0,
        le=1_000_000,
        description="Invoices owing less than this (in their currency) get no reminder.",
    )
    ecb_rates: tuple[HalfYearRate, ...] = Field(
        default=DEFAULT_ECB_RATES,
        max_length=400,
        description="ECB reference rate per half-year; operations add each new half-year.",
    )
    interest_margin_points: Decimal = Field(
        default=Decimal("10"),
        ge=0,
        le=50,
        description="Points added to the ECB rate for late-payment interest (French law: at least 10).",
    )
    recovery_fee: Decimal = Field(
        default=Decimal("40.00"),
        ge=0,
        le=10_000,
        description="Fixed recovery indemnity per late invoice, in EUR, business customers only.",
    )
    office_opens: time = Field(
        default=time(9, 0), description="Emails go out from this time, in the customer's time zone."
    )
    office_closes: time = Field(
        default=time(18, 0), description="Emails go out before this time, in the customer's time zone."
    )
    closing_days: tuple[date, ...] = Field(
        default=(), max_length=1000, description="Company closing days: no email goes out on them."
    )
    holiday_country: str = Field(
        default="FR", min_length=2, max_length=3, description="Country whose public holidays are closed."
    )
    holiday_subdivision: str | None = Field(
        default=None, max_length=10, description="Region with extra holidays, e.g. '57' (Moselle)."
    )
    languages: tuple[str, ...] = Field(
        default=("fr", "en"),
        min_length=1,
        max_length=20,
        description="Languages the templates exist in (ISO 639-1 codes).",
    )
    default_language: str = Field(
        default="fr", min_length=2, max_length=2, description="Language for customers speaking another one."
    )
    company: CompanyInfo = Field(
        default_factory=CompanyInfo, description="Name, address, phone, email and SIREN signing the emails."
    )

    @model_validator(mode="after")
    def _consistent(self) -> ClientRemindersConfig:
        names = [level.name for level in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(f"levels: each level may appear once, got {names}")
        if names != sorted(names, key=LEVEL_ORDER.index):
            raise ValueError(f"levels: list them in the order {', '.join(LEVEL_ORDER)}")
        offsets = [level.offset_days for level in self.levels]
        if any(b <= a for a, b in pairwise(offsets)):
            raise ValueError(f"levels: offset_days must increase from one level to the next, got {offsets}")
        approvals = [level.needs_approval for level in self.levels]
        if approvals != sorted(approvals):
            raise ValueError("levels: once a level needs approval, every higher level must need it too")
        halves = [(r.year, r.half) for r in self.ecb_rates]
        if len(set(halves)) != len(halves):
            raise ValueError("ecb_rates: a half-year appears twice")
        if self.office_opens >= self.office_closes:
            raise ValueError("office_opens must be before office_closes")
        if self.default_language not in self.languages:
            raise ValueError(f"default_language {self.default_language!r} is not one of languages")
        try:
            check_country(self.holiday_country, self.holiday_subdivision)
        except (NotImplementedError, ValueError, KeyError) as exc:
            raise ValueError(
                f"no public-holiday calendar for {self.holiday_country!r}/{self.holiday_subdivision!r}"
            ) from exc
        return self

    def level(self, name: LevelName) -> ReminderLevel:
        """The configured level ``name``; KeyError when the escalation does not use it."""
        for level in self.levels:
            if level.name == name:
                return level
        raise KeyError(name)

    def delay_before(self, name: LevelName) -> int:
        """Days the previous reminder must be old before level ``name`` is sent."""
        index = [level.name for level in self.levels].index(name)
        level = self.levels[index]
        if level.min_days_since_previous is not None:
            return level.min_days_since_previous
        if index == 0:
            return MIN_DEFAULT_DELAY_DAYS
        return max(MIN_DEFAULT_DELAY_DAYS, level.offset_days - self.levels[index - 1].offset_days)

    def rate_table(self) -> dict[tuple[int, int], Decimal]:
        """Late-interest rate in percent per year for each (year, half): the ECB rate plus the margin."""
        return {(r.year, r.half): r.ecb_rate + self.interest_margin_points for r in self.ecb_rates}

    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(self.holiday_country, self.holiday_subdivision, frozenset(self.closing_days))
