"""``rpa init DIR``: create a new installation (the only command that does): commented configuration,
an empty schedule, the reminder email templates. Its database, audit trail and signing key are created
by the first command run there."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from rpa_cli.output import out

SETTINGS = """\
# backoffice-rpa settings. Every key can be overridden by an RPA_* environment variable, nested with "__"
# (e.g. RPA_BROWSER__HEADLESS=false, RPA_APPS__ERP__PASSWORD=...). Unknown keys are refused.
# Secrets (passwords, TOTP seeds, the audit signing key) belong in the environment, not in this file.
# `rpa check-config` validates this file, every bot's config/bots/<bot_id>.toml and config/schedules.toml.
timezone = "Europe/Paris"        # schedules and display; "today" of the bots is a date in this zone
# extra_bots = ["my_package.my_bot:BOT"]   # bots outside this installation

[database]
url = ""                         # empty: SQLite (WAL) at var/rpa.db; PostgreSQL: postgresql+psycopg://user@host/rpa

[browser]
# executable_path = "/usr/bin/chromium"   # empty: Playwright's own Chromium if installed, else the system's
headless = true
lanes = 2
timeout_ms = 10000

# One section per legacy application the bots use; passwords from RPA_APPS__<NAME>__PASSWORD.
[apps.erp]
url = "http://127.0.0.1:8700/erp"
username = ""

[apps.bank]
url = "http://127.0.0.1:8700/bank"
username = ""

[apps.docs]
url = "http://127.0.0.1:8700/docs"
username = ""

[mail]
host = "127.0.0.1"
port = 25
starttls = false                 # true for submission on port 587
tls = false                      # true for SMTPS on port 465
sender = "backoffice-rpa@localhost"

[alerts]
email_to = []                    # operations addresses alerted on failed or missed runs
webhook_url = ""

[audit]
dir = "audit_logs"               # signed checkpoints, evidence, exports: back it up with the database

[run]
max_attempts = 3
backoff_initial_s = 0.5
backoff_max_s = 30
timeout_s = 3600

[console]                        # the web console of `rpa serve` (users: rpa users add LOGIN --role ROLE)
host = "127.0.0.1"
port = 8800
four_eyes_amount = 10000         # a resolution moving at least this amount needs a second person
secure_cookies = false           # true when a TLS proxy serves the console
"""
SCHEDULES = """\
# When the bots run (see scheduler/README.md for the keys: cron, run_on_non_business_day, misfire, after).
[calendar]
country = "FR"                   # public holidays of this country
closing_days = []                # company closing days, "YYYY-MM-DD"

# [schedules.invoice_matching]
# bot = "invoice_matching"
# cron = "0 7 * * mon-fri"
# run_on_non_business_day = "next_business_day"
# misfire = "run_once_late"
"""
BOTS_README = """\
One <bot_id>.toml per bot (invoice_matching.toml, document_check.toml, client_reminders.toml, ...).
A bot without a file runs with its defaults; every key is described in the bot's README.
"""


def register(app: typer.Typer) -> None:
    app.command("init")(init)


def init(
    folder: Annotated[Path, typer.Argument(help="Folder of the new installation (created if needed)")],
) -> None:
    """Create a new installation in FOLDER: config/settings.toml, config/schedules.toml, config/bots/ and
    the email templates. Refuses a folder that already holds one."""
    from rpa.errors import ConfigError

    config = folder / "config"
    if (config / "settings.toml").exists():
        raise ConfigError(
            f"{config / 'settings.toml'} exists: {folder} is already an installation", code="INIT_EXISTS"
        )
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder} is a file, not a folder", code="INIT_NOT_A_FOLDER")
    (config / "bots").mkdir(parents=True, exist_ok=True)
    (config / "settings.toml").write_text(SETTINGS, encoding="utf-8")
    if not (config / "schedules.toml").exists():
        (config / "schedules.toml").write_text(SCHEDULES, encoding="utf-8")
    (config / "bots" / "README.txt").write_text(BOTS_README, encoding="utf-8")
    shipped = Path(__file__).resolve().parents[1] / "config" / "templates"
    if shipped.is_dir() and not (config / "templates").exists():
        shutil.copytree(shipped, config / "templates")
    home = folder.resolve()
    out().print(f"installation created in {home}")
    out().print(
        f"next: set RPA_HOME={home} (or work from that folder), put the passwords in RPA_* variables, then"
    )
    out().print("      rpa check-config   and   rpa db upgrade")
