"""Bots for the scale-out tests: one with nothing to do, done quickly (the dispatch is what is measured),
and one whose items several workers share."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from rpa.bot import Bot, RunContext, RunSummary
from rpa.items import Item, NewItem


class TickConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: int = 0


def _collect(ctx: RunContext[TickConfig]) -> list[NewItem]:
    return [NewItem(f"tick-{ctx.run_id}-{n}") for n in range(ctx.config.items)]


def _process(ctx: RunContext[TickConfig], item: Item) -> dict[str, Any]:
    return {"ok": True}


TICK_BOT = Bot(id="tick", title="Tick", config_model=TickConfig, collect=_collect, process=_process)


class SharedConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: Path  # stands for an external system: one line per effect, naming the process that did it
    items: int = 30
    delay_s: float = 0.1  # each item takes this long: the workers of the run overlap


def _collect_shared(ctx: RunContext[SharedConfig]) -> list[NewItem]:
    return [NewItem(f"s{n:03d}") for n in range(1, ctx.config.items + 1)]


def _process_shared(ctx: RunContext[SharedConfig], item: Item) -> dict[str, Any]:
    cfg, key = ctx.config, f"target:{item.reference}"

    def act() -> dict[str, Any]:
        time.sleep(cfg.delay_s)
        with cfg.target.open("a") as fh:
            fh.write(f"{key} {os.getpid()}\n")
        return {"written": key}

    def check() -> dict[str, Any] | None:
        lines = cfg.target.read_text().splitlines() if cfg.target.exists() else []
        return {"written": key} if any(ln.split()[0] == key for ln in lines) else None

    ctx.effects.once(key, act, check=check, item_reference=item.reference, action="target.write")
    return {"pid": os.getpid()}


def _finalize_shared(ctx: RunContext[SharedConfig], summary: RunSummary) -> dict[str, Any]:
    items = ctx.items.collected()
    ctx.report_dir.mkdir(parents=True, exist_ok=True)
    (ctx.report_dir / "report.txt").write_text(
        "".join(f"{i.reference} {i.state}\n" for i in items) + f"processed {summary.processed}\n"
    )
    with (ctx.config.target.parent / "finalized.txt").open("a") as fh:
        fh.write(f"{ctx.run_id} {os.getpid()}\n")
    return {"reported": len(items)}


SHARED_BOT = Bot(
    id="shared",
    title="Shared items",
    config_model=SharedConfig,
    collect=_collect_shared,
    process=_process_shared,
    finalize=_finalize_shared,
    shared_items=True,
)
