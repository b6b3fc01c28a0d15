"""The invoice_matching bot's settings: tolerances, thresholds and search limits, validated at start-up."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rpa.documents.statements.csv_profiles import CsvProfile


class DifferenceCap(BaseModel):
    """A tolerance that holds only when the gap is within both the absolute and the relative cap."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    absolute: Decimal = Field(ge=0, le=1_000_000, description="Largest gap in the line's currency.")
    relative: Decimal = Field(
        ge=0, le=1, description="Largest gap as a share of the open amount (0.02 = 2 %)."
    )

    def allows(self, gap: Decimal, base: Decimal) -> bool:
        return gap <= self.absolute and gap <= self.relative * base


class InvoiceMatchingConfig(BaseModel):
    """How bold the matching engine may be. Defaults favour missing a match over posting a wrong one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lookback_days: int = Field(
        default=7,
        ge=1,
        le=366,
        description="First run only: the statement is fetched from this many days before today. Later "
        "runs start from the last booking date already covered (the watermark), less the overlap.",
    )
    overlap_days: int = Field(
        default=3,
        ge=0,
        le=31,
        description="Days before the watermark fetched again (late bookings); lines already known are "
        "not collected twice.",
    )
    bank_history_days: int = Field(
        default=90,
        ge=1,
        le=3660,
        description="How far back the bank portal offers statements. A gap older than that cannot be "
        "downloaded any more: the run raises an alert (exception queue) instead of losing it silently.",
    )
    statement_format: Literal["camt053", "mt940", "ofx", "csv"] = Field(
        default="camt053",
        description="Format the bank portal is asked for (camt053 carries the most detail).",
    )
    auto_currencies: tuple[str, ...] = Field(
        default=("EUR",), min_length=0, description="Currencies whose lines may be posted automatically."
    )
    rounding: DifferenceCap = Field(
        default=DifferenceCap(absolute=Decimal("0.05"), relative=Decimal("0.01")),
        description="Gap written off as rounding, either way.",
    )
    bank_fee: DifferenceCap = Field(
        default=DifferenceCap(absolute=Decimal("20.00"), relative=Decimal("0.05")),
        description="Shortfall written off as a bank fee kept by the payer's or an intermediary bank.",
    )
    discount: DifferenceCap = Field(
        default=DifferenceCap(absolute=Decimal("500.00"), relative=Decimal("0.03")),
        description="Shortfall accepted as an early-payment discount when paid within discount_days.",
    )
    discount_days: int = Field(
        default=14, ge=0, le=120, description="Days after issue a discount may be taken."
    )
    partial: DifferenceCap = Field(
        default=DifferenceCap(absolute=Decimal("50000.00"), relative=Decimal("0.50")),
        description="Largest amount a partial payment may leave open and still be posted automatically.",
    )
    auto_min_score: float = Field(
        default=0.80, ge=0.5, le=1.0, description="Below this score a match is only suggested."
    )
    name_min_similarity: float = Field(
        default=88.0,
        ge=50.0,
        le=100.0,
        description="Payer-name similarity (0-100) needed to identify a customer.",
    )
    name_min_lead: float = Field(
        default=8.0, ge=0.0, le=50.0, description="How far the best name must be ahead of the runner-up."
    )
    name_candidate_limit: int = Field(
        default=200,
        ge=10,
        le=10_000,
        description="Customers sharing a name word beyond which the word is ignored.",
    )
    combination_max_candidates: int = Field(
        default=25,
        ge=2,
        le=40,
        description="Open items of one customer searched for a combination (oldest first).",
    )
    combination_max_items: int = Field(
        default=6, ge=2, le=10, description="Most invoices in one combination."
    )
    combination_node_budget: int = Field(
        default=200_000, ge=1_000, le=10_000_000, description="Search steps per line before giving up."
    )
    window_days_before_issue: int = Field(
        default=7,
        ge=0,
        le=365,
        description="Suggestions: how early before the issue date a payment may arrive.",
    )
    window_days_after_due: int = Field(
        default=90, ge=0, le=730, description="Suggestions: how late after the due date a payment may arrive."
    )
    suggestion_min_name_similarity: float = Field(
        default=60.0,
        ge=0.0,
        le=100.0,
        description="Suggestions among several same-amount items need this name score.",
    )
    max_alternatives: int = Field(default=3, ge=1, le=20, description="Alternatives kept per decision.")
    csv_profiles: tuple[CsvProfile, ...] = Field(
        default=(),
        max_length=100,
        description="CSV statement layouts of the banks in use, besides the built-in ones "
        "(`rpa reconcile --csv-profile NAME`; a file's header also picks its profile).",
    )
