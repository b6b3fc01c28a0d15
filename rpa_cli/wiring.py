"""The wiring of the ``rpa`` command: settings, database, bot registry, how runs and browsers start.

The only module that loads settings, opens the database and builds the bot registry
(``bots.ALL_BOTS`` plus the ``extra_bots`` setting). Everything is opened on first use, so a
command imports only what it needs.
"""

from __future__ import annotations

import importlib
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rpa.errors import ConfigError

if TYPE_CHECKING:
    from rpa.bot import Bot
    from rpa.settings import Settings
    from rpa.store.db import Database


@cache
def settings() -> Settings:
    """The settings of this home (config/settings.toml + RPA_* variables), loaded once."""
    from rpa.log import configure_logging
    from rpa.settings import load_settings

    s = load_settings(home=installation())
    configure_logging(s, terminal=False)
    return s


def installation() -> Path:
    """The installation this command works on: ``RPA_HOME`` when set, else the current directory when it
    holds ``config/settings.toml``. Nothing else: a command run from the wrong folder must not quietly
    start a new, empty database, audit trail and signing key there."""
    import os

    from rpa.settings import CONFIG_DIR_ENV, HOME_ENV

    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).resolve()
    here = Path.cwd()
    config = Path(os.environ.get(CONFIG_DIR_ENV) or here / "config")
    if (config if config.is_absolute() else here / config).joinpath("settings.toml").is_file():
        return here
    raise ConfigError(
        f"no installation here: {here} has no config/settings.toml. Run the command from the installation's "
        f"folder, set {HOME_ENV} to it, or create a new one with `rpa init DIR`",
        code="NO_INSTALLATION",
    )


@cache
def database(*, migrate: bool = True) -> Database:
    """The database of these settings; the embedded SQLite database is kept at the current schema."""
    from rpa.store.db import Database

    s = settings()
    db = Database(s.database_url, echo=s.database.echo)
    if migrate and db.is_sqlite:
        db.ensure_current()
    return db


def load_bot(ref: str, setting: str = "extra_bots") -> Bot[Any, Any]:
    """The ``Bot`` named by ``package.module:ATTR`` (``ATTR`` defaults to ``BOT``)."""
    import re

    from rpa.bot import Bot

    if not isinstance(ref, str) or not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(:[A-Za-z_]\w*)?", ref):
        raise ConfigError(
            f"{setting}: {ref!r} is not a bot reference; write 'package.module:ATTR' (ATTR defaults to BOT)",
            code="CONFIG_INVALID",
        )
    module_name, _, attr = ref.partition(":")
    try:
        bot = getattr(importlib.import_module(module_name), attr or "BOT")
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"{setting}: cannot load {ref!r}: {exc}", code="CONFIG_INVALID") from exc
    except Exception as exc:  # the module itself fails while being imported
        raise ConfigError(
            f"{setting}: importing {module_name!r} for {ref!r} failed: {type(exc).__name__}: {exc}",
            code="CONFIG_INVALID",
        ) from exc
    if not isinstance(bot, Bot):
        raise ConfigError(f"{setting}: {ref!r} is {type(bot).__name__}, not a Bot", code="CONFIG_INVALID")
    return bot


def all_bots(s: Settings | None = None) -> dict[str, Bot[Any, Any]]:
    """Every installed bot by id: this repository's (``bots.ALL_BOTS``), then the ``extra_bots``."""
    from bots import ALL_BOTS

    s = s or settings()
    found = {bot_id: _listed(bot_id, ref) for bot_id, ref in ALL_BOTS.items()}
    for ref in s.extra_bots:
        bot = load_bot(ref)
        found[bot.id] = bot
    return found


def bot_ids(s: Settings | None = None) -> set[str]:
    """Ids of the installed bots; the bots of this repository are known without importing them."""
    from bots import ALL_BOTS

    s = s or settings()
    return set(ALL_BOTS) | {load_bot(ref).id for ref in s.extra_bots}


def get_bot(bot_id: str) -> Bot[Any, Any]:
    """One bot by id, loading no other bot of this repository."""
    from bots import ALL_BOTS

    s = settings()
    for ref in s.extra_bots:
        bot = load_bot(ref)
        if bot.id == bot_id:
            return bot
    if bot_id in ALL_BOTS:
        return _listed(bot_id, ALL_BOTS[bot_id])
    names = ", ".join(sorted(bot_ids(s))) or "none installed"
    raise ConfigError(f"unknown bot {bot_id!r} (known bots: {names})", code="BOT_UNKNOWN")


def _listed(bot_id: str, ref: str) -> Bot[Any, Any]:
    bot = load_bot(ref, "bots.ALL_BOTS")
    if bot.id != bot_id:
        raise ConfigError(f"bots.ALL_BOTS: {ref!r} is bot {bot.id!r}, listed as {bot_id!r}")
    return bot


def run_command(bot: str, run_id: int, trigger: str) -> list[str]:
    """How the scheduler starts a run process: ``rpa run BOT --run-id N`` in a fresh interpreter."""
    return [sys.executable, "-m", "rpa_cli", "run", bot, "--run-id", str(run_id), "--trigger", trigger]


def browser_edges(s: Settings) -> dict[str, Any]:
    """How a run opens its browser: one session per worker thread, closed by that thread."""
    from rpa.browser.session import run_browser_edges

    return run_browser_edges(s.browser)


def actor(on_behalf_of: str | None = None) -> str:
    """Who runs this command, for the audit trail (``user:<login>``): the operating system's account of
    the process, not the ``LOGNAME``/``USER`` variables anyone can set; ``user:<login> for <name>`` when
    the person says they act on someone else's behalf (``--by``)."""
    import os
    import pwd

    try:
        account = f"user:{pwd.getpwuid(os.getuid()).pw_name}"
    except KeyError:  # an account without a passwd entry (some containers): its numeric id
        account = f"user:uid-{os.getuid()}"
    return (
        account if not on_behalf_of or account == f"user:{on_behalf_of}" else f"{account} for {on_behalf_of}"
    )
