"""Bots defined for the tests only: they exercise the kit without any real application."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rpa.bot import Bot, RunContext
from rpa.errors import ApplicationError, BusinessRuleError, CredentialsRefusedError
from rpa.items import Item, NewItem


class MixedConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: int = Field(3, ge=0, le=1000, description="How many of each kind of item to collect")


def _collect_mixed(ctx: RunContext[MixedConfig]) -> list[NewItem]:
    found = []
    for kind in ("ok", "business", "transient", "crash"):
        found += [NewItem(f"{kind}-{n}", {"kind": kind}) for n in range(ctx.config.items)]
    return found


def _process_mixed(ctx: RunContext[MixedConfig], item: Item) -> dict[str, Any]:
    kind = item.payload["kind"]
    if kind == "business":
        raise BusinessRuleError(
            f"amount of {item.reference} does not match the invoice", code="AMOUNT_MISMATCH"
        )
    if kind == "transient" and item.attempts < 2:
        raise ApplicationError("ERP answered HTTP 500", code="ERP_HTTP_500")
    if kind == "crash":
        raise ZeroDivisionError("division by zero in a step")
    return {"handled": item.reference}


MIXED_BOT = Bot(
    id="mixed",
    title="Mixed outcomes",
    config_model=MixedConfig,
    collect=_collect_mixed,
    process=_process_mixed,
)


class EffectConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: Path = Field(..., description="File standing for an external system: one line per effect")
    items: int = Field(5, ge=1, le=100)
    pause_flag: Path | None = Field(
        None, description="If this file exists, hang right after acting on item 3"
    )
    paused_marker: Path | None = None


def _collect_effects(ctx: RunContext[EffectConfig]) -> list[NewItem]:
    return [NewItem(f"e{n}") for n in range(1, ctx.config.items + 1)]


def _process_effects(ctx: RunContext[EffectConfig], item: Item) -> dict[str, Any]:
    cfg = ctx.config
    key = f"target:{item.reference}"

    def act() -> dict[str, Any]:
        with cfg.target.open("a") as fh:
            fh.write(key + "\n")
        if item.reference == "e3" and cfg.pause_flag and cfg.pause_flag.exists():
            cfg.pause_flag.unlink()
            assert cfg.paused_marker is not None
            cfg.paused_marker.write_text("paused")
            while True:  # hang between "performed" and "confirmed" until the test kills us
                time.sleep(0.05)
        return {"written": key}

    def check() -> dict[str, Any] | None:
        lines = cfg.target.read_text().splitlines() if cfg.target.exists() else []
        return {"written": key, "found": True} if key in lines else None

    outcome = ctx.effects.once(key, act, check=check, item_reference=item.reference, action="target.write")
    return {"performed": outcome.performed}


EFFECT_BOT = Bot(
    id="effects",
    title="Effects",
    config_model=EffectConfig,
    collect=_collect_effects,
    process=_process_effects,
)


def _process_refused(ctx: RunContext[MixedConfig], item: Item) -> dict[str, Any]:
    raise CredentialsRefusedError("login to http://erp as 'rpa.bot' was refused")


REFUSED_BOT = Bot(
    id="refused",
    title="Refused login",
    config_model=MixedConfig,
    collect=_collect_mixed,
    process=_process_refused,
)
