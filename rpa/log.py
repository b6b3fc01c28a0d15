"""Operational logs with loguru: readable on a terminal, JSON lines under ``var/logs``, secrets redacted."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from loguru import logger
from pydantic import BaseModel, SecretStr

from rpa.settings import Settings

if TYPE_CHECKING:
    from loguru import Record

REDACTED = "[REDACTED]"


def secret_values(model: BaseModel) -> list[str]:
    """Every non-empty SecretStr value inside ``model`` (recursively)."""
    found: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            found.extend(secret_values(value))
    return found


class Redactor:
    """A loguru patcher that replaces known secret values in the message and the extras."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret containing another is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def __call__(self, record: Record) -> None:
        if not self.secrets:
            return
        record["message"] = self.scrub(record["message"])
        extra: dict[str, Any] = record["extra"]
        for key, value in list(extra.items()):
            if isinstance(value, str):
                extra[key] = self.scrub(value)
        if record["exception"] is not None and record["exception"].value is not None:
            exc = record["exception"].value
            exc.args = tuple(self.scrub(a) if isinstance(a, str) else a for a in exc.args)


def configure_logging(settings: Settings, *, terminal: bool = True, component: str = "rpa") -> Redactor:
    """(Re)configure loguru for this process; returns the redactor so callers can scrub other text."""
    redactor = Redactor(secret_values(settings))
    tz = settings.tz

    def patch(record: Record) -> None:
        redactor(record)
        # The time as the tables show it: in the installation's time zone, the zone written out.
        record["extra"]["at"] = record["time"].astimezone(tz).strftime("%H:%M:%S %Z")

    logger.remove()
    logger.configure(patcher=patch, extra={"bot": "-", "run_id": "-", "at": ""})
    if terminal:
        logger.add(
            sys.stderr,
            level=settings.log.level,
            colorize=sys.stderr.isatty(),
            format="<green>{extra[at]}</green> <level>{level: <7}</level> "
            "<cyan>{extra[bot]}</cyan> {message}",
            backtrace=False,
            diagnose=False,
        )
    log_dir = settings.path(settings.log.json_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    # diagnose=False: variable values in tracebacks could carry secrets.
    logger.add(
        log_dir / f"{component}.jsonl",
        level="DEBUG",
        serialize=True,
        rotation="50 MB",
        retention=10,
        backtrace=False,
        diagnose=False,
        enqueue=False,
    )
    return redactor
