"""Settings: ``config/settings.toml`` overlaid by ``RPA_*`` environment variables (nested with ``__``).

One pydantic model per concern, every field described and bounded, secrets as ``SecretStr``.
Nothing is read at import: the CLI calls :func:`load_settings` once and passes the result down.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

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


_EMAIL = re.compile(r"[^@\s<>,;]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def http_url(value: str) -> str:
    """``value`` when it is an http(s) URL with a host; else a ValueError saying so."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL with a host (e.g. https://erp.example.com/app)")
    return value


def email_address(value: str) -> str:
    """``value`` when it is one e-mail address (``name@domain``); else a ValueError saying so."""
    if not _EMAIL.fullmatch(value.strip()):
        raise ValueError(f"{value!r} is not an e-mail address (name@domain)")
    return value.strip()


class LegacyAppSettings(_Section):
    """Where one legacy application lives and how to log in to it."""

    url: str = Field(..., description="Base URL of the application")
    username: str = Field("", description="Login name")
    password: SecretStr = Field(SecretStr(""), description="Login password")
    totp_secret: SecretStr = Field(
        SecretStr(""), description="Base32 TOTP seed when the app asks a 2nd factor"
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_url(value)

    @field_validator("totp_secret")
    @classmethod
    def _totp(cls, value: SecretStr) -> SecretStr:
        seed = value.get_secret_value().replace(" ", "").upper()
        if seed:
            try:
                base64.b32decode(seed + "=" * (-len(seed) % 8))
            except (binascii.Error, ValueError):
                raise ValueError("is not a base32 TOTP seed (letters A-Z and digits 2-7)") from None
        return value


class ApplicationsSettings(_Section):
    erp: LegacyAppSettings = LegacyAppSettings(url="http://127.0.0.1:8700/erp")
    bank: LegacyAppSettings = LegacyAppSettings(url="http://127.0.0.1:8700/bank")
    docs: LegacyAppSettings = LegacyAppSettings(url="http://127.0.0.1:8700/docs")

    @model_validator(mode="before")
    @classmethod
    def _keep_default_urls(cls, data: Any) -> Any:
        """A section given in part (``RPA_APPS__BANK__TOTP_SECRET`` alone) keeps its default URL."""
        if not isinstance(data, dict):
            return data
        filled = dict(data)
        for name, info in cls.model_fields.items():
            section, default = filled.get(name), info.default
            if isinstance(section, dict) and "url" not in section and isinstance(default, LegacyAppSettings):
                filled[name] = {**section, "url": default.url}
        return filled

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

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        return email_address(value)


class AlertSettings(_Section):
    email_to: tuple[str, ...] = Field((), description="Operations addresses alerted on failed/missed runs")
    webhook_url: str = Field("", description="URL that receives a JSON POST for every alert")
    console_url: str = Field("http://127.0.0.1:8800", description="Base URL used in links to runs")

    @field_validator("email_to")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(email_address(v) for v in value)

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, value: str) -> str:
        return http_url(value) if value else value

    @field_validator("console_url")
    @classmethod
    def _console(cls, value: str) -> str:
        return http_url(value)


class AuditSettings(_Section):
    dir: Path = Field(Path("audit_logs"), description="Checkpoints, exports and evidence (outside the DB)")
    signing_key: SecretStr = Field(SecretStr(""), description="Ed25519 private key (hex); empty: file in dir")
    checkpoint_every: int = Field(
        1000, ge=1, description="While events are written, sign a checkpoint after N new events too"
    )
    checkpoint_minutes: float = Field(
        10.0, gt=0, le=1440, description="While events are written, sign a checkpoint every N minutes or less"
    )
    public_key: str = Field(
        "", description="Ed25519 public key (hex) checkpoints must verify with; empty: the key file in dir"
    )
    retention_years: int = Field(
        10, ge=1, le=100, description="Audit events are kept at least this long (invoice records: 10 years)"
    )

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


class ConsoleSettings(_Section):
    """The web console served by ``rpa serve``."""

    host: str = Field("127.0.0.1", description="Address the console listens on")
    port: int = Field(8800, ge=1, le=65535, description="Port the console listens on")
    four_eyes_amount: Decimal = Field(
        Decimal("10000"), ge=0, description="A resolution moving at least this amount needs a second person"
    )
    session_minutes: int = Field(480, ge=5, le=10_080, description="A console session ends after this")
    secure_cookies: bool = Field(False, description="Mark cookies Secure (the console is served over TLS)")
    login_attempts: int = Field(5, ge=1, le=100, description="Failed logins of one login before refusal")
    login_window_minutes: int = Field(15, ge=1, le=1440, description="Window counting failed logins")


class ScaleOutSettings(_Section):
    """Several schedulers and workers on one PostgreSQL database (``rpa schedule run``, ``rpa worker``)."""

    leader_takeover_s: float = Field(
        20.0, ge=3, le=600, description="A dead scheduler leader is replaced within this many seconds"
    )
    worker_heartbeat_s: float = Field(5.0, ge=0.5, le=300, description="How often a worker says it is alive")
    worker_stalled_s: float = Field(
        20.0, ge=2, le=3600, description="A worker silent this long is dead: its runs resume elsewhere"
    )
    worker_concurrency: int = Field(2, ge=1, le=64, description="Runs one `rpa worker` executes at once")
    item_workers: int = Field(
        3, ge=1, le=64, description="Workers sharing the items of one run of a bot with shared_items"
    )
    item_claim_timeout_s: float = Field(
        900.0, ge=5, le=86400, description="An item held this long by a worker of a shared run is taken again"
    )


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
    console: ConsoleSettings = ConsoleSettings()
    scaleout: ScaleOutSettings = ScaleOutSettings()

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


# RPA_* variables that are read, but are no setting of their own.
OTHER_VARIABLES = frozenset({HOME_ENV, CONFIG_DIR_ENV, "RPA_AUDIT_STRICT_DETAILS", "RPA_CORPUS"})


def setting_variables(model: type[BaseModel] | None = None, prefix: str = "RPA_") -> set[str]:
    """Every RPA_* name that sets something: each setting, and each section as a whole (JSON)."""
    names: set[str] = set()
    for name, info in (model or Settings).model_fields.items():
        full = f"{prefix}{name.upper()}"
        names.add(full)
        sub = info.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            names |= setting_variables(sub, f"{full}__")
    return names


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """One line per RPA_* variable in ``environ`` that sets nothing, with the closest valid name."""
    import difflib

    valid = setting_variables() | OTHER_VARIABLES
    problems = []
    for name in sorted(k for k in environ if k.startswith("RPA_") and k not in valid):
        close = difflib.get_close_matches(name, sorted(valid), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else "; `rpa check-config` lists the settings"
        problems.append(f"environment {name}: no such setting{hint}")
    return problems


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
    except SettingsError as exc:  # an RPA_* variable that is not even the right shape (e.g. bad JSON)
        field = re.search(r'field "(\w+)"', str(exc))
        name = f"RPA_{field.group(1).upper()}" if field else "an RPA_* variable"
        raise ConfigError(
            f"environment {name}: cannot be read ({exc}); a list or a section is written as JSON, "
            'e.g. ["a", "b"]',
            code="CONFIG_INVALID",
        ) from exc
