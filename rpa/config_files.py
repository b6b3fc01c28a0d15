"""Per-bot configuration files (``config/bots/<bot_id>.toml``), validated at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from rpa.errors import ConfigError
from rpa.settings import Settings, describe_validation_error, read_toml

M = TypeVar("M", bound=BaseModel)


def bot_config_path(settings: Settings, bot_id: str) -> Path:
    return settings.config_path / "bots" / f"{bot_id}.toml"


def load_bot_config(settings: Settings, bot_id: str, model: type[M]) -> M:
    """Read and validate the bot's TOML (absent file: the model's defaults); errors name file and key."""
    path = bot_config_path(settings, bot_id)
    data = read_toml(path) if path.exists() else {}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, str(path))) from exc
