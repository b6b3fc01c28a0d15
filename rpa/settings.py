"""Settings: ``config/settings.toml`` overlaid by ``RPA_*`` environment variables (nested with ``__``).

One pydantic model per concern, every field described and bounded, secrets as ``SecretStr``.
Nothing is read at import: the CLI calls :func:`load_settings` once and passes the result down.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from rpa.errors import ConfigError

CONFIG_DIR_ENV = "RPA_CONFIG_DIR"
HOME_ENV = "RPA_HOME"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str = Field("", description="SQLAlchemy URL; empty means SQLite (WAL) at var/rpa.db")
    echo: bool = Field(False, description="Log every SQL statement (debugging only)")


class BrowserSettings(_Section):
    executable_path: Path | None = Field(
        None, description="Chromium binary; empty: Playwright's own when installed, else /usr/bin/chromium"
    )
    headless: bool = Field(True, description="Run without a window (always true on servers)")
    extra_args: tuple[str, ...] = Field(
        (
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ),
        description="Flags for a headless machine without internet access",
    )
    timeout_ms: int = Field(
        10_000, ge=500, le=300_000, description="Default wait for a locator or navigation"
    )
    navigation_timeout_ms: int = Field(30_000, ge=1_000, le=600_000, description="Wait for a page load")
    lanes: int = Field(2, ge=1, le=16, description="Browser contexts working in parallel in one run")
    trace_on_failure: bool = Field(True, description="Keep a Playwright trace as evidence when a step fails")
    screenshot_on_failure: bool = Field(True, description="Keep a (masked) screenshot when a step fails")


class LegacyAppSettings(_Section):
    """Where one legacy application lives and how to log in to it."""

    url: str = Field(..., description="Base URL of the application")
    username: str = Field("", description="Login name")
    password: SecretStr = Field(SecretStr(""), description="Login password")
    totp_secret: SecretStr = Field(
        SecretStr(""), description="Base32 TOTP seed when the app asks a 2nd factor"
    )


class ApplicationsSettings(_Section):
    erp: LegacyAppSettings = LegacyAppSettings(url="http://127.0.0.1:8700/erp")
    bank: LegacyAppSettings = LegacyAppSettings(url="http://127.0.0.1:8700/bank")
    docs: LegacyAppSettings = LegacyAppSettings(url="http://127.0.0.1:8700/docs")

    def by_name(self) -> dict[str, LegacyAppSettings]:
        """Each application's settings under its section name (what a run context offers a bot)."""
        return {name: getattr(self, name) for name in type(self).model_fields}


class MailSettings(_Section):
    host: str = Field("127.0.0.1", description="SMTP server")
    port: int = Field(25, ge=1, le=65535)
    username: str = ""
    password: SecretStr = SecretStr("")
    starttls: bool = Field(False, description="Upgrade the connection with STARTTLS (port 587)")
    tls: bool = Field(False, description="Connect over TLS from the start (SMTPS, port 465)")
    sender: str = Field("backoffice-rpa@localhost", description="From address of every message")
    timeout_s: float = Field(20.0, gt=0, le=300)


class AlertSettings(_Section):
    email_to: tuple[str, ...] = Field((), description="Operations addresses alerted on failed/missed runs")
    webhook_url: str = Field("", description="URL that receives a JSON POST for every alert")
    console_url: str = Field("http://127.0.0.1:8800", description="Base URL used in links to runs")


class AuditSettings(_Section):
    dir: Path = Field(Path("audit_logs"), description="Checkpoints, exports and evidence (outside the DB)")
    signing_key: SecretStr = Field(SecretStr(""), description="Ed25519 private key (hex); empty: file in dir")
    checkpoint_every: int = Field(1000, ge=1, description="Write a signed checkpoint every N events too")

    @field_validator("signing_key")
    @classmethod
    def _ed25519_hex(cls, value: SecretStr) -> SecretStr:
        # Checked here, not at the first checkpoint: by then a run has already acted on the world.
        raw = value.get_secret_value().strip()
        if raw and (len(raw) != 64 or any(c not in "0123456789abcdefABCDEF" for c in raw)):
            raise ValueError(f"must be an Ed25519 private key: 64 hex characters, not {len(raw)}")
        return value


class LogSettings(_Section):
    level: Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR"] = "INFO"
    json_dir: Path = Field(Path("var/logs"), description="Where JSON-lines logs are written")


class RunSettings(_Section):
    max_attempts: int = Field(3, ge=1, le=20, description="Tries of an item on application errors")
    backoff_initial_s: float = Field(0.5, ge=0, le=600, description="First retry delay, doubled each time")
    backoff_max_s: float = Field(30.0, ge=0, le=3600, description="Longest retry delay")
    timeout_s: int = Field(3600, ge=10, le=86_400, description="A run process is killed after this")


class Settings(BaseSettings):
    """Everything operations can configure, in one validated object."""

    model_config = SettingsConfigDict(
        env_prefix="RPA_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    home: Path = Field(Path("."), description="Project root: config/, var/, audit_logs/ are relative to it")
    config_dir: Path = Field(Path("config"), description="Where settings.toml, schedules.toml, bots/ live")
    var_dir: Path = Field(Path("var"), description="Runtime state: database, reports, run workdirs")
    timezone: str = Field("Europe/Paris", description="Time zone of schedules and of times on screen")
    extra_bots: tuple[str, ...] = Field(
        (), description="Bots outside this repository, as 'package.module:BOT' references"
    )
    database: DatabaseSettings = DatabaseSettings()
    browser: BrowserSettings = BrowserSettings()
    apps: ApplicationsSettings = ApplicationsSettings()
    mail: MailSettings = MailSettings()
    alerts: AlertSettings = AlertSettings()
    audit: AuditSettings = AuditSettings()
    log: LogSettings = LogSettings()
    run: RunSettings = RunSettings()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # init (the TOML file, passed by load_settings) is overridden by the environment.
        return (env_settings, init_settings)

    # Paths resolved against ``home`` --------------------------------------------------------------
    def path(self, p: Path) -> Path:
        return p if p.is_absolute() else (self.home / p)

    @property
    def var_path(self) -> Path:
        return self.path(self.var_dir)

    @property
    def config_path(self) -> Path:
        return self.path(self.config_dir)

    @property
    def audit_path(self) -> Path:
        return self.path(self.audit.dir)

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.var_path / 'rpa.db'}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def known_zone(value: str) -> str:
    """``value`` if it names an IANA time zone; else a ValueError saying what to write."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Paris)") from exc
    return value


def read_toml(path: Path) -> dict[str, Any]:
    """Read one TOML file, turning a syntax error into a ConfigError that names file and line."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", code="CONFIG_SYNTAX") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}", code="CONFIG_UNREADABLE") from exc


def describe_validation_error(
    exc: ValidationError, source: str, file_keys: dict[str, Any] | None = None, env_prefix: str = "RPA_"
) -> str:
    """One line per problem: ``where: key.path: what is wrong``; keys not in the file point at the env."""
    lines = []
    for err in exc.errors():
        loc = [str(part) for part in err["loc"]]
        key = ".".join(loc) or "(root)"
        where = source
        if file_keys is not None and not _has_key(file_keys, loc):
            where = f"environment {env_prefix}{'__'.join(p.upper() for p in loc)}"
        lines.append(f"{where}: {key}: {err['msg']}")
    return "\n".join(lines)


def _has_key(data: dict[str, Any], loc: list[str]) -> bool:
    node: Any = data
    for part in loc:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def load_settings(config_dir: Path | None = None, home: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings: ``<config_dir>/settings.toml`` (if present), then ``RPA_*`` variables.

    Raises ConfigError with one line per problem naming the file (or variable), the key and the problem.
    """
    home = Path(home or os.environ.get(HOME_ENV) or Path.cwd()).resolve()
    cdir = Path(config_dir or os.environ.get(CONFIG_DIR_ENV) or home / "config")
    if not cdir.is_absolute():
        cdir = home / cdir
    file = cdir / "settings.toml"
    data = read_toml(file) if file.exists() else {}
    data.setdefault("home", str(home))
    data.setdefault("config_dir", str(cdir))
    data.update(overrides)
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, str(file), data)) from exc
