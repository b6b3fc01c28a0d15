"""A test-only bot posting "allocations" into a JSON file standing for an external system, with faults
between the write and its confirmation; ``stop_after`` sends its own process a real SIGINT mid-item."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rpa.bot import Bot, RunContext, RunSummary
from rpa.errors import BusinessRuleError, LegacyUiError
from rpa.items import Item, NewItem


class LedgerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: Path = Field(..., description="JSON list of (line, allocation) pairs: the external system")
    lines: int = Field(3, ge=1, le=100)
    allocations: int = Field(4, ge=1, le=10)
    lose_confirmation: bool = Field(False, description="Every write is followed by a lost result page")
    target_unreadable: bool = Field(False, description="The check cannot read the target")
    refuse: str | None = Field(None, description="This allocation ('L1/2') is refused by the target")
    stop_after: int | None = Field(None, description="Ask the run to stop while working this many'th line")
    prefix: str = Field("L", description="Item references are <prefix><n>")


def _read(target: Path) -> list[list[str]]:
    return json.loads(target.read_text()) if target.exists() else []


def _collect(ctx: RunContext[LedgerConfig, Any]) -> list[NewItem[Any]]:
    return [NewItem(f"{ctx.config.prefix}{n}", {"n": n}) for n in range(1, ctx.config.lines + 1)]


def _process(ctx: RunContext[LedgerConfig, Any], item: Item[Any]) -> dict[str, Any]:
    cfg = ctx.config
    if cfg.stop_after is not None and item.payload["n"] == cfg.stop_after:
        os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C in a terminal, while this item is in hand
    for a in range(1, cfg.allocations + 1):
        pair = [item.reference, str(a)]

        def act(pair: list[str] = pair) -> dict[str, Any]:
            if cfg.refuse == "/".join(pair):
                raise BusinessRuleError(f"the target refused {pair}", code="REFUSED")
            cfg.target.write_text(json.dumps([*_read(cfg.target), pair]))
            if cfg.lose_confirmation:
                raise LegacyUiError("the page after the form is the login page", code="LEGACY_UI_TEXT")
            return {"allocation": "/".join(pair)}

        def check(pair: list[str] = pair) -> dict[str, Any] | None:
            if cfg.target_unreadable:
                raise LegacyUiError("the journal did not load", code="LEGACY_UI_TIMEOUT")
            return {"allocation": "/".join(pair)} if pair in _read(cfg.target) else None

        ctx.effects.once(f"t:{pair[0]}:{pair[1]}", act, check=check, item_reference=item.reference)
    return {"allocations": cfg.allocations}


def _finalize(ctx: RunContext[LedgerConfig, Any], summary: RunSummary) -> dict[str, Any]:
    return {"reported": [i.reference for i in ctx.items.collected()]}


LEDGER_BOT: Bot[LedgerConfig, Any] = Bot(
    id="ledger",
    title="Allocations",
    config_model=LedgerConfig,
    collect=_collect,
    process=_process,
    finalize=_finalize,
)
