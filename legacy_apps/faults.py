"""Faults the simulated applications can show: latency, HTTP 500s, session expiry, maintenance,
changed layout.

One mutable ``FaultState`` is shared by every application mounted on the server, so a test can switch
faults at runtime (``POST /_admin/faults``) and all screens see the change at once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

PROFILES: dict[str, dict[str, Any]] = {
    "none": {},
    "slow": {"latency_ms": 200},
    "flaky": {"error_rate": 0.10, "spike_share": 0.10, "spike_ms": 800},
    "expiry": {"session_expiry_after": 5},
    "maintenance": {"maintenance": True},
    "changed_layout": {"changed_layout": True},
}


@dataclass
class FaultState:
    """What goes wrong, now. Zero/False everywhere means a healthy application.

    ``session_expiry_after``: sessions die after that many authenticated requests (0 = immediately
    on the next request, None = only the inactivity timeout ``session_idle_seconds`` applies);
    ``expire_sessions_now()`` ends every open session at once.
    ``error_rate`` and ``spike_share`` are shares in [0, 1], drawn from a seeded generator so a run
    with the same seed sees the same failures in the same order.
    """

    latency_ms: int = 0
    spike_share: float = 0.0
    spike_ms: int = 0
    error_rate: float = 0.0
    session_expiry_after: int | None = None
    maintenance: bool = False
    changed_layout: bool = False
    session_idle_seconds: int = 15 * 60
    session_epoch: int = 0
    profile: str = "none"

    @classmethod
    def from_profile(cls, name: str) -> FaultState:
        """The state of a named profile (none, slow, flaky, expiry, maintenance, changed_layout)."""
        if name not in PROFILES:
            raise ValueError(f"unknown fault profile {name!r}; known profiles: {', '.join(PROFILES)}")
        return cls(profile=name, **PROFILES[name])

    @classmethod
    def parse(cls, spec: str | dict[str, Any] | FaultState | None) -> FaultState:
        """A profile name, a dict of fields (optionally with ``profile``), or a state (copied)."""
        if spec is None:
            return cls()
        if isinstance(spec, FaultState):
            return cls(**asdict(spec))
        if isinstance(spec, str):
            return cls.from_profile(spec)
        state = cls.from_profile(str(spec.get("profile", "none")))
        state.update(spec)
        return state

    def update(self, changes: dict[str, Any]) -> None:
        """Apply changes in place; a ``profile`` key resets to that profile first."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(
                f"unknown fault fields: {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
            )
        if "profile" in changes:
            base = FaultState.from_profile(str(changes["profile"]))
            for f in fields(self):
                setattr(self, f.name, getattr(base, f.name))
        for key, value in changes.items():
            if key != "profile":
                setattr(self, key, value)

    def expire_sessions_now(self) -> None:
        """Invalidate every session opened so far (each application compares its session's epoch)."""
        self.session_epoch += 1

    def session_expired(self, *, requests: int, idle_seconds: float, epoch: int) -> bool:
        """The one expiry rule every application applies to an authenticated session.

        ``requests`` counts the authenticated requests the session already served, ``epoch`` is the
        ``session_epoch`` at login time.
        """
        if epoch != self.session_epoch or idle_seconds > self.session_idle_seconds:
            return True
        return self.session_expiry_after is not None and requests >= self.session_expiry_after

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
