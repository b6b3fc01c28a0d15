"""Make event details safe to keep forever: JSON-only values, secrets redacted."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import SecretStr

REDACTED = "[REDACTED]"
_SECRET_KEY = re.compile(
    r"pass(word|wd)?|secret|token|totp|otp|api[_-]?key|authori[sz]ation|cookie|seed", re.IGNORECASE
)


def sanitize(value: Any, key: str = "") -> Any:
    """Turn ``value`` into plain JSON (no floats: RFC 8785 hashing must be exact) with secrets removed."""
    if key and _SECRET_KEY.search(key):
        return REDACTED
    if isinstance(value, SecretStr):
        return REDACTED
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return sanitize(value.value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): sanitize(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [sanitize(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)
