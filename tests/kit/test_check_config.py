"""``rpa check-config`` names the file, the key and the problem."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli


def test_valid_configuration_passes(rpa_home: Path) -> None:
    (rpa_home / "config" / "settings.toml").write_text('timezone = "Europe/Paris"\n[browser]\nlanes = 2\n')
    result = run_cli(rpa_home, "check-config")
    assert result.returncode == 0, result.stderr
    assert "configuration OK" in result.stdout


def test_wrong_type_names_file_key_and_problem(rpa_home: Path) -> None:
    settings = rpa_home / "config" / "settings.toml"
    settings.write_text('[browser]\nlanes = "many"\n')
    result = run_cli(rpa_home, "check-config")
    assert result.returncode == 2
    assert str(settings) in result.stderr
    assert "browser.lanes" in result.stderr and "valid integer" in result.stderr


def test_unknown_key_is_refused(rpa_home: Path) -> None:
    (rpa_home / "config" / "settings.toml").write_text('[mail]\nhots = "smtp.example.org"\n')
    result = run_cli(rpa_home, "check-config")
    assert result.returncode == 2
    assert "mail.hots" in result.stderr and "Extra inputs are not permitted" in result.stderr


def test_toml_syntax_error_names_the_line(rpa_home: Path) -> None:
    (rpa_home / "config" / "settings.toml").write_text('timezone = "Europe/Paris"\n[browser\n')
    result = run_cli(rpa_home, "check-config")
    assert result.returncode == 2
    assert "settings.toml" in result.stderr and "line 2" in result.stderr


def test_bad_environment_variable_is_named(rpa_home: Path) -> None:
    result = run_cli(rpa_home, "check-config", RPA_TIMEZONE="Mars/Olympus")
    assert result.returncode == 2
    assert "RPA_TIMEZONE" in result.stderr and "unknown time zone" in result.stderr


def test_bot_config_problem_names_the_bot_file(rpa_home: Path) -> None:
    bot_file = rpa_home / "config" / "bots" / "mixed.toml"
    bot_file.write_text("items = -4\n")
    result = run_cli(rpa_home, "check-config", extra_bots=["tests.kit.sample_bots:MIXED_BOT"])
    assert result.returncode == 2
    assert (
        str(bot_file) in result.stderr
        and "items" in result.stderr
        and "greater than or equal to 0" in result.stderr
    )
