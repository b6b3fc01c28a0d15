"""The bot's settings refuse unknown keys and values out of bounds, so a typo never loosens matching."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bots.invoice_matching.config import InvoiceMatchingConfig


def test_defaults_are_conservative() -> None:
    config = InvoiceMatchingConfig()
    assert config.auto_currencies == ("EUR",) and config.auto_min_score >= 0.8
    assert (config.combination_max_candidates, config.combination_max_items) == (25, 6)


@pytest.mark.parametrize(
    "settings",
    [
        {"auto_min_score_typo": 0.9},
        {"auto_min_score": 0.2},
        {"rounding": {"absolute": "-1", "relative": "0.01"}},
        {"bank_fee": {"absolute": "10", "relative": "2"}},
        {"combination_max_items": 50},
        {"partial": {"absolute": "10", "relative": "0.1", "extra": 1}},
    ],
)
def test_unknown_keys_and_out_of_bound_values_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        InvoiceMatchingConfig.model_validate(settings)


def test_a_toml_like_mapping_is_accepted() -> None:
    config = InvoiceMatchingConfig.model_validate(
        {
            "bank_fee": {"absolute": "12.50", "relative": "0.02"},
            "discount_days": 10,
            "auto_currencies": ["EUR", "CHF"],
        }
    )
    assert str(config.bank_fee.absolute) == "12.50" and config.auto_currencies == ("EUR", "CHF")
