"""schedules.toml: defaults, and errors that name the file, the key and the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rpa.errors import ConfigError
from rpa.settings import Settings
from scheduler.config import load_schedules
from tests.scheduler.conftest import write_schedules

BOTS = {"invoice_matching", "client_reminders", "document_check", "effects"}


def test_no_file_means_no_schedules(settings: Settings) -> None:
    assert load_schedules(settings, BOTS) == []


def test_defaults_come_from_settings(settings: Settings, rpa_home: Path) -> None:
    write_schedules(rpa_home, '[schedules.fx]\nbot = "effects"\ncron = "0 7 * * 1-5"\n')
    (spec,) = load_schedules(settings, BOTS)
    assert (spec.timezone, spec.timeout_s, spec.misfire, spec.grace_s) == (
        "Europe/Paris",
        3600,
        "run_once_late",
        3600,
    )


@pytest.mark.parametrize(
    ("body", "key", "problem"),
    [
        (
            'bot = "effects"\ncron = "0 25 * * *"',
            "schedules.nightly_matching.cron",
            "hour: '25' is outside 0-23",
        ),
        ('bot = "effects"\ncron = "0 7 * *"', "schedules.nightly_matching.cron", "expected 5 fields"),
        ('bot = "nope"\ncron = "0 7 * * *"', "schedules.nightly_matching.bot", "unknown bot 'nope'"),
        (
            'bot = "effects"\ncron = "0 7 * * *"\ntimezone = "Europe/Pariss"',
            "schedules.nightly_matching.timezone",
            "unknown time zone 'Europe/Pariss'",
        ),
        (
            'bot = "effects"\ncron = "0 7 * * *"\nafter = "recon"',
            "schedules.nightly_matching.after",
            "unknown upstream bot 'recon'",
        ),
        (
            'bot = "effects"\ncron = "0 7 * * *"\nmisfire = "always"',
            "schedules.nightly_matching.misfire",
            "'run_once_late' or 'skip'",
        ),
        (
            'bot = "effects"\ncron = "0 7 * * *"\nrun_on_non_business_day = "maybe"',
            "schedules.nightly_matching.run_on_non_business_day",
            "'skip'",
        ),
        ('bot = "effects"', "schedules.nightly_matching", "exactly one of `cron` or `every_s`"),
        (
            'bot = "effects"\ncron = "0 7 * * *"\ncolour = "red"',
            "schedules.nightly_matching.colour",
            "Extra inputs are not permitted",
        ),
    ],
)
def test_errors_name_file_key_and_problem(
    settings: Settings, rpa_home: Path, body: str, key: str, problem: str
) -> None:
    write_schedules(rpa_home, f"[schedules.nightly_matching]\n{body}\n")
    with pytest.raises(ConfigError) as info:
        load_schedules(settings, BOTS)
    message = info.value.message
    assert str(rpa_home / "config" / "schedules.toml") in message
    assert f"{key}:" in message and problem in message


def test_every_problem_is_listed_at_once(settings: Settings, rpa_home: Path) -> None:
    write_schedules(
        rpa_home,
        '[calendar]\nclosing_days = ["2026-13-01"]\n'
        '[schedules.a]\nbot = "x"\ncron = "0 7 * * *"\n'
        '[schedules.b]\nbot = "effects"\ncron = "61 7 * * *"\n',
    )
    with pytest.raises(ConfigError) as info:
        load_schedules(settings, BOTS)
    lines = info.value.message.splitlines()
    assert any("calendar.closing_days.0:" in ln for ln in lines)
    assert any("schedules.a.bot: unknown bot 'x'" in ln for ln in lines)
    assert any("schedules.b.cron: bad cron expression: minute: '61' is outside 0-59" in ln for ln in lines)


def test_the_example_file_is_valid(settings: Settings, rpa_home: Path) -> None:
    shutil.copy(
        Path(__file__).resolve().parents[2] / "scheduler" / "schedules.example.toml",
        rpa_home / "config" / "schedules.toml",
    )
    specs = {s.name: s for s in load_schedules(settings, BOTS)}
    assert specs["client_reminders"].after == "invoice_matching"
    assert specs["invoice_matching"].run_on_non_business_day == "next_business_day"
