"""The portal's mutable state: dossier statuses with their history, and login sessions.

One instance per application; a lock guards it because the server may serve requests from threads.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from .model import REASONS, Dossier

STATUS_LABELS = {"pending": "À traiter", "complete": "Complet", "incomplete": "Incomplet"}
COMMENT_MAX = 500


@dataclass(frozen=True)
class StatusEntry:
    at: datetime
    user: str
    status: str
    reason: str | None
    comment: str


@dataclass
class Session:
    user: str
    last_seen: datetime
    requests: int = 0


def validate_status(status: str, reason: str, comment: str) -> list[str]:
    """Server-side checks of the status form; an empty list means the entry is accepted."""
    errors = []
    if status not in ("complete", "incomplete"):
        errors.append("Choisissez un statut : Complet ou Incomplet.")
    if status == "incomplete" and reason not in REASONS:
        errors.append("Un dossier incomplet exige un motif.")
    if status == "complete" and reason:
        errors.append("Un dossier complet ne prend pas de motif : laissez le motif vide.")
    if reason == "other" and not comment.strip():
        errors.append("Le motif « Autre » exige un commentaire.")
    if len(comment) > COMMENT_MAX:
        errors.append(f"Le commentaire dépasse {COMMENT_MAX} caractères ({len(comment)}).")
    return errors


@dataclass
class PortalState:
    dossiers: dict[str, Dossier]
    clock: Callable[[], datetime]
    history: dict[str, list[StatusEntry]] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for dossier_id, dossier in self.dossiers.items():
            deposited = datetime.combine(dossier.submitted_on, time(9, 0), tzinfo=UTC)
            self.history[dossier_id] = [StatusEntry(deposited, "portail", "pending", None, "Dossier déposé")]

    def current(self, dossier_id: str) -> StatusEntry:
        with self.lock:
            return self.history[dossier_id][-1]

    def entries(self, dossier_id: str) -> list[StatusEntry]:
        with self.lock:
            return list(self.history[dossier_id])

    def set_status(self, dossier_id: str, user: str, status: str, reason: str, comment: str) -> StatusEntry:
        entry = StatusEntry(self.clock(), user, status, reason or None, comment.strip())
        with self.lock:
            self.history[dossier_id].append(entry)
        return entry

    def open_session(self, user: str) -> str:
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.sessions[token] = Session(user, self.clock())
        return token

    def close_session(self, token: str) -> None:
        with self.lock:
            self.sessions.pop(token, None)

    def touch_session(self, token: str, faults_state: object | None) -> tuple[str | None, bool]:
        """(user, expired) for a session cookie; counts the request and applies the expiry faults."""
        now = self.clock()
        expiry_after = getattr(faults_state, "session_expiry_after", None)
        idle_seconds = getattr(faults_state, "session_idle_seconds", 15 * 60)
        with self.lock:
            session = self.sessions.get(token)
            if session is None:
                return None, False
            too_many = expiry_after is not None and session.requests >= int(expiry_after)
            idle = (now - session.last_seen).total_seconds() > float(idle_seconds)
            if too_many or idle:
                del self.sessions[token]
                return None, True
            session.requests += 1
            session.last_seen = now
            return session.user, False
