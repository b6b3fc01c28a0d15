"""``config/schedules.toml``: the schedules, validated at start-up into frozen ScheduleSpec records.

Every problem is reported at once, one line each: ``<file>: schedules.<name>.<key>: <what is wrong>``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rpa.errors import ConfigError
from rpa.settings import Settings, known_zone, read_toml
from scheduler.calendar import BusinessCalendar, Rule, check_country
from scheduler.cron import CronError, parse_cron

SCHEDULES_FILE = "schedules.toml"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,127}$")


class CalendarSpec(BaseModel):
    """The ``[calendar]`` table: holidays of which country, and the company's own closing days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str = Field("FR", description="ISO country code of the public holidays")
    subdivision: str | None = Field(None, description="Region with extra holidays, e.g. '57' (Moselle)")
    closing_days: tuple[date, ...] = Field((), description="Company closing days (ISO dates)")

    @model_validator(mode="after")
    def _known_country(self) -> CalendarSpec:
        try:
            check_country(self.country, self.subdivision)
        except (NotImplementedError, ValueError, KeyError) as exc:
            raise ValueError(f"no public-holiday calendar for {self.country!r}/{self.subdivision!r}") from exc
        return self


class ScheduleSpec(BaseModel):
    """One schedule: which bot, when (cron or a fixed interval), on which days, with which policies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    bot: str = Field(..., description="Bot id, e.g. invoice_matching")
    cron: str | None = Field(None, description="Five-field cron in wall-clock time of `timezone`")
    every_s: int | None = Field(None, ge=1, le=86_400 * 31, description="Fixed interval instead of cron")
    start_at: datetime | None = Field(None, description="Anchor of an interval schedule (default: the epoch)")
    timezone: str = "Europe/Paris"
    run_on_non_business_day: Rule = "run"
    calendar: CalendarSpec = CalendarSpec()
    after: str | None = Field(None, description="Upstream bot that must have succeeded the same local day")
    misfire: Literal["run_once_late", "skip"] = "run_once_late"
    grace_s: int = Field(3600, ge=0, le=86_400 * 7, description="How late a missed fire may still run once")
    timeout_s: int = Field(3600, ge=1, le=86_400, description="The run process is killed after this")
    enabled: bool = True

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return parse_cron(value).text
        except CronError as exc:
            raise ValueError(f"bad cron expression: {exc}") from exc

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @field_validator("start_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("start_at needs an offset, e.g. 2026-01-01T07:00:00+01:00")
        return value.astimezone(UTC) if value else None

    @model_validator(mode="after")
    def _one_timing(self) -> ScheduleSpec:
        if (self.cron is None) == (self.every_s is None):
            raise ValueError("give exactly one of `cron` or `every_s`")
        if self.every_s is not None and self.run_on_non_business_day not in ("skip", "run"):
            raise ValueError("an interval schedule can only `skip` or `run` on non-business days")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def business_calendar(self) -> BusinessCalendar:
        c = self.calendar
        return BusinessCalendar(c.country, c.subdivision, frozenset(c.closing_days))

    @property
    def timing(self) -> str:
        return self.cron if self.cron is not None else f"every {self.every_s}s"

    def timing_key(self) -> dict[str, Any]:
        """What decides the fire times: a stored job whose key differs is rescheduled."""
        return self.model_dump(
            mode="json",
            include={"cron", "every_s", "start_at", "timezone", "run_on_non_business_day", "calendar"},
        )


def load_schedules(settings: Settings, bot_ids: set[str]) -> list[ScheduleSpec]:
    """Read ``<config>/schedules.toml`` (absent: no schedules); raise ConfigError listing every problem."""
    path = settings.config_path / SCHEDULES_FILE
    if not path.exists():
        return []
    data = read_toml(path)
    problems: list[str] = []
    for key in sorted(set(data) - {"calendar", "schedules"}):
        problems.append(f"{path}: {key}: unknown section (expected [calendar] and [schedules.<name>])")
    calendar = CalendarSpec()
    try:
        calendar = CalendarSpec.model_validate(data.get("calendar", {}))
    except ValidationError as exc:
        problems += _lines(path, "calendar", exc)
    defaults = {"timezone": settings.timezone, "timeout_s": settings.run.timeout_s, "calendar": calendar}
    specs: list[ScheduleSpec] = []
    table = data.get("schedules", {})
    if not isinstance(table, dict):
        problems.append(f"{path}: schedules: expected tables [schedules.<name>]")
        table = {}
    for name, raw in table.items():
        where = f"schedules.{name}"
        if not _NAME.match(name):
            problems.append(f"{path}: {where}: name must be lower-case letters, digits, '_', '.' or '-'")
            continue
        if not isinstance(raw, dict):
            problems.append(f"{path}: {where}: expected a table of keys")
            continue
        try:
            spec = ScheduleSpec.model_validate(defaults | raw | {"name": name})
        except ValidationError as exc:
            problems += _lines(path, where, exc)
            continue
        problems += _references(path, where, spec, bot_ids)
        specs.append(spec)
    if problems:
        raise ConfigError("\n".join(problems), code="SCHEDULE_INVALID")
    return specs


def _references(path: Any, where: str, spec: ScheduleSpec, bot_ids: set[str]) -> list[str]:
    known = ", ".join(sorted(bot_ids)) or "none installed"
    found = []
    if spec.bot not in bot_ids:
        found.append(f"{path}: {where}.bot: unknown bot {spec.bot!r} (known bots: {known})")
    if spec.after is not None and spec.after not in bot_ids:
        found.append(f"{path}: {where}.after: unknown upstream bot {spec.after!r} (known bots: {known})")
    if spec.after is not None and spec.after == spec.bot:
        found.append(f"{path}: {where}.after: a bot cannot wait for itself")
    return found


def _lines(path: Any, where: str, exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        key = ".".join([where, *(str(p) for p in err["loc"])])
        msg = str(err["msg"]).removeprefix("Value error, ")
        lines.append(f"{path}: {key}: {msg}")
    return lines


def schedules_by_name(settings: Settings, bot_ids: set[str]) -> dict[str, ScheduleSpec]:
    return {s.name: s for s in load_schedules(settings, bot_ids)}


def find_schedule(settings: Settings, name: str, bot_ids: set[str]) -> ScheduleSpec:
    specs = schedules_by_name(settings, bot_ids)
    if name not in specs:
        names = ", ".join(sorted(specs)) or "none configured"
        raise ConfigError(
            f"unknown schedule {name!r} (schedules: {names}) in {settings.config_path / SCHEDULES_FILE}",
            code="SCHEDULE_UNKNOWN",
        )
    return specs[name]
