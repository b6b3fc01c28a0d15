"""The portal under test: its fault switches, its clock, and an HTTP client on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx


@dataclass
class Faults:
    """The fault fields the portal reads, switched by the tests at runtime."""

    changed_layout: bool = False
    session_expiry_after: int | None = None
    session_idle_seconds: int = 15 * 60


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 20, 9, 30, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Portal:
    base_url: str
    faults: Faults
    clock: Clock

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, follow_redirects=True, timeout=10)

    @contextmanager
    def logged_in(self) -> Iterator[httpx.Client]:
        with self.client() as client:
            response = client.post("/docs/login", data={"username": "rpa.bot", "password": "docs-demo-pass"})
            assert response.status_code == 200, response.text
            yield client
