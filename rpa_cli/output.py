"""Where the command prints: tables and results on stdout, problems on stderr."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


@cache
def out() -> Console:
    from rich.console import Console

    # Wide enough for tables when the output is a pipe or a log file (rich would assume 80 columns),
    # unless COLUMNS says how wide. emoji=False: ":b:" in a name stays text.
    wide = sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit()
    return Console(width=None if wide else 160, emoji=False)


@cache
def err() -> Console:
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True, emoji=False)  # messages name files and keys: never wrap them


def local_time(instant: datetime | None, tz: Any) -> str:
    """An instant in the display time zone, or an empty cell."""
    return instant.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z") if instant else ""
