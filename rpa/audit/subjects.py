"""Personal values sealed with one key per data subject: erasure that keeps the proof.

A :class:`rpa.audit.redact.Personal` value in event details is stored as
``{"subject": "customer:C042", "sealed": "<base64 nonce || AES-256-GCM ciphertext>"}``; the chain
and the Merkle tree hash that ciphertext. The key lives in ``audit_subject_keys``, a table of its
own. ``rpa audit forget SUBJECT`` erases the key (an audited event): the trail still verifies, the
value can no longer be read by anyone.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from rpa.audit.redact import Personal
from rpa.errors import RpaError
from rpa.store.models import AuditSubjectKey

ERASED = "[erased]"
_AAD = b"backoffice-rpa-subject|"


class SubjectForgotten(RpaError):
    """A personal value was to be sealed for a subject whose key was erased."""

    code = "AUDIT_SUBJECT_FORGOTTEN"


def _contains_personal(value: Any) -> bool:
    if isinstance(value, Personal):
        return True
    if isinstance(value, Mapping):
        return any(_contains_personal(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_contains_personal(v) for v in value)
    return False


def seal_personal(session: Session, details: dict[str, Any], now: datetime) -> dict[str, Any]:
    """``details`` with every :class:`Personal` replaced by its sealed form (keys created on first use)."""
    if not _contains_personal(details):
        return details
    keys: dict[str, bytes] = {}

    def key_of(subject: str) -> bytes:
        if subject not in keys:
            row = session.get(AuditSubjectKey, subject)
            if row is None:
                row = AuditSubjectKey(
                    subject=subject, key=AESGCM.generate_key(bit_length=256), created_at=now
                )
                session.add(row)
                session.flush()
            if row.key is None:
                raise SubjectForgotten(
                    f"subject {subject} was forgotten on {row.forgotten_at}: its personal data cannot be "
                    "recorded again; record a reference instead",
                )
            keys[subject] = row.key
        return keys[subject]

    def walk(value: Any) -> Any:
        if isinstance(value, Personal):
            nonce = os.urandom(12)
            sealed = AESGCM(key_of(value.subject)).encrypt(
                nonce, value.value.encode(), _AAD + value.subject.encode()
            )
            return {"subject": value.subject, "sealed": base64.b64encode(nonce + sealed).decode()}
        if isinstance(value, Mapping):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        return value

    return {k: walk(v) for k, v in details.items()}


def open_details(session: Session, details: Any) -> Any:
    """``details`` (decoded JSON) with sealed values opened, or ``[erased]`` once the subject is forgotten."""
    cache: dict[str, bytes | None] = {}

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"subject", "sealed"}:
                subject = str(value["subject"])
                if subject not in cache:
                    row = session.get(AuditSubjectKey, subject)
                    cache[subject] = row.key if row is not None else None
                key = cache[subject]
                if key is None:
                    return ERASED
                raw = base64.b64decode(str(value["sealed"]))
                try:
                    return AESGCM(key).decrypt(raw[:12], raw[12:], _AAD + subject.encode()).decode()
                except InvalidTag:
                    return "[unreadable]"
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(details)


def forget_subject(session: Session, subject: str, actor: str, now: datetime) -> bool:
    """Erase ``subject``'s key in ``session``'s transaction; False when the subject has no key."""
    row = session.get(AuditSubjectKey, subject)
    if row is None or row.key is None:
        return False
    if session.get_bind().dialect.name == "sqlite":
        # The freed page is overwritten with zeros, not left in the file for a forensic reader.
        session.execute(text("PRAGMA secure_delete = ON"))
    row.key, row.forgotten_at, row.forgotten_by = None, now, actor
    session.flush()
    return True


def sealed_count(session: Session, subject: str) -> int:
    """How many sealed values name ``subject`` (a LIKE scan, for the forget report only)."""
    from rpa.store.models import AuditEvent

    needle = f'"subject":"{subject}"'
    rows = session.execute(select(AuditEvent.details).where(AuditEvent.details.contains(needle))).scalars()
    return sum(str(d).count(needle) for d in rows)
