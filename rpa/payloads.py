"""Work-item payloads to and from JSON, driven by the bot's payload type (nothing lost on the way).

A payload type is a frozen dataclass or a pydantic model; Decimals and dates travel as text, so
an amount read back is the same ``Decimal`` that was collected, to the last digit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from rpa.errors import ApplicationError

P = TypeVar("P")


class PayloadCodec(Generic[P]):
    """Encodes payloads of one type to JSON-ready dicts and decodes them back."""

    def __init__(self, payload_type: type[P] | Any) -> None:
        self.payload_type = payload_type
        self._adapter: TypeAdapter[P] = TypeAdapter(payload_type)

    def encode(self, payload: P | Mapping[str, Any]) -> dict[str, Any]:
        data = self._adapter.dump_python(payload, mode="json")  # type: ignore[arg-type]
        if not isinstance(data, dict):
            raise TypeError(f"a payload must encode to a JSON object, not {type(data).__name__}")
        return data

    def decode(self, data: Mapping[str, Any], reference: str = "") -> P:
        try:
            return self._adapter.validate_python(dict(data))
        except ValidationError as exc:
            raise ApplicationError(
                f"work item {reference}: its stored payload does not fit {_name(self.payload_type)} "
                f"({exc.error_count()} problem(s), first: {exc.errors()[0]['msg']}); was the bot changed "
                "while items were pending?",
                code="PAYLOAD_INVALID",
                item_key=reference or None,
            ) from exc


def _name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))
