"""The bot-test harness on a bot with a typed payload: exact payloads, findings, effects, the trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from rpa.bot import Bot, RunContext, RunStatus
from rpa.errors import BusinessRuleError
from rpa.findings import Finding, Severity
from rpa.items import Item, NewItem
from rpa.testing import BotHarness

NOON = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)  # already 1 April in Paris


class LedgerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: Path


@dataclass(frozen=True)
class Due:
    invoice: str
    amount: Decimal
    due: date


def _collect(ctx: RunContext[LedgerConfig, Due]) -> list[NewItem[Due]]:
    amounts = {"INV-1": Decimal("1234.50"), "INV-2": Decimal("0.10"), "INV-3": Decimal("-5.00")}
    return [NewItem(number, Due(number, amount, ctx.today())) for number, amount in amounts.items()]


def _process(ctx: RunContext[LedgerConfig, Due], item: Item[Due]) -> dict[str, Any]:
    due = item.payload
    if due.amount < 0:
        ctx.record_findings(
            [
                Finding(
                    "NEGATIVE_AMOUNT", Severity.ERROR, f"{due.amount} is below zero", due.invoice, "amount"
                )
            ],
            action="ledger.checked",
            target_type="invoice",
        )
        raise BusinessRuleError(f"{due.invoice}: negative amount {due.amount}", code="NEGATIVE_AMOUNT")
    line = f"{due.invoice};{due.amount};{due.due.isoformat()}"

    def write() -> dict[str, Any]:
        with ctx.config.target.open("a") as fh:
            fh.write(line + "\n")
        return {"line": line}

    def written() -> dict[str, Any] | None:
        text = ctx.config.target.read_text() if ctx.config.target.exists() else ""
        return {"line": line} if line in text.splitlines() else None

    ctx.effects.once(f"ledger:{due.invoice}", write, check=written, item_reference=item.reference)
    return {"amount": str(due.amount), "type": type(due.amount).__name__}


LEDGER_BOT: Bot[LedgerConfig, Due] = Bot(
    id="ledger",
    title="Ledger",
    config_model=LedgerConfig,
    collect=_collect,
    process=_process,
    payload_type=Due,
)


def test_a_typed_payload_reaches_process_exactly_and_effects_happen_once(tmp_path: Path) -> None:
    target = tmp_path / "ledger.csv"
    with BotHarness(tmp_path / "home", clock=lambda: NOON) as h:
        first = h.run(LEDGER_BOT, LedgerConfig(target=target))
        assert first.summary.outcome == RunStatus.SUCCEEDED_WITH_EXCEPTIONS
        assert first.record.status == RunStatus.SUCCEEDED_WITH_EXCEPTIONS
        assert first.items["INV-1"].result == {"amount": "1234.50", "type": "Decimal"}
        assert first.items["INV-1"].payload == {"invoice": "INV-1", "amount": "1234.50", "due": "2026-04-01"}
        assert first.items["INV-3"].state == "business_exception"
        assert target.read_text().splitlines() == ["INV-1;1234.50;2026-04-01", "INV-2;0.10;2026-04-01"]
        assert {k: e.state for k, e in first.effects.items()} == {
            "ledger:INV-1": "confirmed",
            "ledger:INV-2": "confirmed",
        }
        finding = h.events("ledger.checked")
        assert [(e["target_id"], e["outcome"]) for e in finding] == [("INV-3", "finding")]
        assert finding[0]["details"] == {
            "code": "NEGATIVE_AMOUNT",
            "severity": "error",
            "message": "-5.00 is below zero",
            "source": "INV-3",
            "field": "amount",
        }

        again = h.run(LEDGER_BOT, LedgerConfig(target=target))
        assert again.summary.collected == 0 and len(target.read_text().splitlines()) == 2
        assert h.verify().ok


def test_a_dry_run_decides_but_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "ledger.csv"
    with BotHarness(tmp_path / "home", clock=lambda: NOON) as h:
        result = h.run(LEDGER_BOT, LedgerConfig(target=target), dry_run=True)
        assert result.summary.done == 2 and not target.exists() and result.effects == {}
        assert [e["target_id"] for e in h.events("effect.dry_run")] == ["ledger:INV-1", "ledger:INV-2"]
        assert h.run(LEDGER_BOT, LedgerConfig(target=target)).summary.collected == 3  # real items untouched


def test_the_browser_files_a_killed_run_left_are_swept_by_the_next_run(tmp_path: Path) -> None:
    target = tmp_path / "ledger.csv"
    with BotHarness(tmp_path / "home", clock=lambda: NOON) as h:
        first = h.run(LEDGER_BOT, LedgerConfig(target=target))
        runs = h.settings.var_path / "runs"
        left = runs / str(first.record.id) / "tmp" / "playwright_chromiumdev_profile-x"
        left.mkdir(parents=True)  # what a run killed with its browser open leaves behind
        stranger = runs / "999" / "tmp"
        stranger.mkdir(parents=True)  # no run record of this database: not ours to remove
        second = h.run(LEDGER_BOT, LedgerConfig(target=target))
        assert not left.parent.exists() and stranger.exists()
        assert (runs / str(second.record.id)).is_dir()
