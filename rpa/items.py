"""Work items as bots see them: what ``collect`` returns, what ``process`` gets, their states.

Pure data: no database here (``rpa.workqueue`` persists them). ``P`` is the bot's payload type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

P = TypeVar("P")


class ItemState(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BUSINESS_EXCEPTION = "business_exception"
    RETRYING = "retrying"
    APPLICATION_EXCEPTION = "application_exception"
    NEEDS_REVIEW = "needs_review"
    RESOLVED = "resolved"


EXCEPTION_STATES = (ItemState.BUSINESS_EXCEPTION, ItemState.APPLICATION_EXCEPTION, ItemState.NEEDS_REVIEW)
OPEN_STATES = (ItemState.NEW, ItemState.IN_PROGRESS, ItemState.RETRYING)


@dataclass(frozen=True, slots=True)
class NewItem(Generic[P]):
    """An item a bot found to do. ``reference`` is the business key (bank line id, dossier id, ...);
    ``payload`` is an instance of the bot's payload type (encoded to JSON by the kit)."""

    reference: str
    payload: P | Mapping[str, Any] = field(default_factory=dict)
    priority: int = 0
    deadline: datetime | None = None


@dataclass(frozen=True, slots=True)
class Item(Generic[P]):
    """A frozen view of a work item: handed to ``bot.process``, listed read-only in ``ctx.items``."""

    id: int
    reference: str
    payload: P
    attempts: int
    priority: int
    deadline: datetime | None
    state: ItemState
    error_code: str | None = None
