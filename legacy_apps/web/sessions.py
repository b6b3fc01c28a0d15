"""Cookie sessions with a CSRF token, an inactivity timeout and the expiry faults, kept in memory."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from legacy_apps.faults import FaultState

MAX_SESSIONS = 20_000  # anonymous sessions pile up from login pages; old ones are dropped past this


@dataclass
class Session:
    sid: str
    csrf: str
    user: str | None = None
    epoch: int = 0
    requests: int = 0
    last_seen: float = 0.0
    data: dict[str, Any] = field(default_factory=dict)


class SessionStore:
    """Sessions of one application (one cookie name and path)."""

    def __init__(
        self, cookie: str, path: str, faults: FaultState, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.cookie = cookie
        self.path = path
        self.faults = faults
        self.clock = clock
        self._sessions: dict[str, Session] = {}

    def _new(self) -> Session:
        if len(self._sessions) >= MAX_SESSIONS:
            for sid in list(self._sessions)[: MAX_SESSIONS // 2]:
                del self._sessions[sid]
        session = Session(sid=secrets.token_hex(16), csrf=secrets.token_hex(16), last_seen=self.clock())
        self._sessions[session.sid] = session
        return session

    def anonymous(self, request: Request) -> tuple[Session, bool]:
        """The visitor's session (created when missing) and whether it is new (a cookie must be set)."""
        session = self._sessions.get(request.cookies.get(self.cookie, ""))
        if session is None:
            return self._new(), True
        return session, False

    def peek(self, request: Request) -> Session | None:
        return self._sessions.get(request.cookies.get(self.cookie, ""))

    def authenticated(self, request: Request) -> tuple[Session | None, bool]:
        """The logged-in session, or (None, expired?) — expired sessions are deleted."""
        session = self._sessions.get(request.cookies.get(self.cookie, ""))
        if session is None or session.user is None:
            return None, False
        if self.faults.session_expired(
            requests=session.requests, idle_seconds=self.clock() - session.last_seen, epoch=session.epoch
        ):
            del self._sessions[session.sid]
            return None, True
        session.requests += 1
        session.last_seen = self.clock()
        return session, False

    def login(self, old: Session, user: str) -> Session:
        """A fresh session id for the logged-in user (the pre-login id is dropped: no session fixation)."""
        self._sessions.pop(old.sid, None)
        session = self._new()
        session.user = user
        session.epoch = self.faults.session_epoch
        return session

    def logout(self, session: Session) -> None:
        self._sessions.pop(session.sid, None)

    def set_cookie(self, response: Response, session: Session) -> Response:
        response.set_cookie(self.cookie, session.sid, path=self.path, httponly=True, samesite="lax")
        return response

    def clear(self) -> None:
        self._sessions.clear()
