"""The effect ledger: exactly-once external writes (post a payment, send a mail, set a status).

``once(key, act, check=...)``: 1. record the intent under a stable business key (committed before
acting); 2. act; 3. record the confirmation. A confirmed key is never acted again. An intent found
without confirmation (the process died between 1 and 3) is never blindly redone: ``check`` asks the
target whether the write happened; without a check the item goes to a person (EffectUncertainError).

An ``act`` that fails after it may have reached the target (a form posted, then a login page where the
confirmation should be) leaves the outcome *unknown*, not failed: with a ``check`` the ledger asks the
target at once, in the same attempt. Found: confirmed. Absent: nothing happened, so acting again is
safe: after a screen that did not confirm (``LegacyUiError``) it is done again at once (at most
``UNKNOWN_REACTS`` times); after any other failure the intent is marked ``failed`` and the error
raised. The check is a read and is repeated when it fails itself (``CHECK_TRIES``); only when the
target cannot be asked does the intent stay open, and the next attempt checks first. ``act`` raises
:class:`EffectNotPerformedError` or a ``BusinessRuleError`` only when nothing reached the target
(refused before or by it): the intent is then marked ``failed``, never left open.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rpa.audit.trail import AuditTrail
from rpa.errors import (
    ApplicationError,
    AuditIntegrityError,
    BusinessRuleError,
    CredentialsRefusedError,
    LegacyUiError,
)
from rpa.store.db import Database
from rpa.store.models import Effect

Result = Mapping[str, Any]
CHECK_TRIES = 3  # a check is a read: asked again when it fails (a 5xx, a lost session)
# Refused credentials would lock the account; a broken audit trail stops the bot.
_NEVER_REPEATED = (CredentialsRefusedError, AuditIntegrityError)
UNKNOWN_REACTS = 2  # after a check found nothing, the act is done again at once at most this often


class EffectState(StrEnum):
    INTENT = "intent"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    NEEDS_REVIEW = "needs_review"


class EffectUncertainError(BusinessRuleError):
    """An earlier attempt may have performed this effect and the target cannot be asked: a person decides."""

    code = "EFFECT_UNCERTAIN"


class EffectNotPerformedError(ApplicationError):
    """Raised by an ``act`` that knows nothing reached the target: the intent may safely be tried again."""

    code = "EFFECT_NOT_PERFORMED"


@dataclass(frozen=True, slots=True)
class EffectOutcome:
    key: str
    performed: bool  # True: acted now; False: already done before (or found done in the target)
    result: Result
    dry_run: bool = False


class EffectLedger:
    def __init__(
        self,
        db: Database,
        bot: str,
        run_id: int,
        audit: AuditTrail,
        clock: Callable[[], datetime],
        *,
        dry_run: bool = False,
    ) -> None:
        self.db, self.bot, self.run_id, self.audit, self.clock = db, bot, run_id, audit, clock
        self.dry_run = dry_run

    def once(
        self,
        key: str,
        act: Callable[[], Result | None],
        *,
        check: Callable[[], Result | None] | None = None,
        item_reference: str | None = None,
        action: str = "effect",
    ) -> EffectOutcome:
        """Perform ``act`` at most once for ``key``; ``check`` returns the target's record or None."""
        if self.dry_run:
            with self.db.transaction() as s:
                self.audit.record(s, f"{action}.dry_run", "effect", key, outcome="skipped")
            return EffectOutcome(key, False, {}, dry_run=True)
        prior = self._begin(key, item_reference, action)
        if prior is not None and prior.state == EffectState.CONFIRMED:
            return EffectOutcome(key, False, dict(prior.result))
        if prior is not None and prior.state in (EffectState.INTENT, EffectState.NEEDS_REVIEW):
            found = self._check_target(key, check, action)
            if found is not None:
                self._confirm(key, found, action, recovered=True)
                return EffectOutcome(key, False, dict(found))
        reacts = 0
        while True:
            try:
                result = dict(act() or {})
            except (EffectNotPerformedError, BusinessRuleError):
                self._set_state(key, EffectState.FAILED, f"{action}.not_performed")
                raise
            except AuditIntegrityError:
                raise
            except Exception as exc:
                if check is None:
                    raise  # the intent stays open: the next attempt sends it to a person
                # The outcome is unknown, not failed: ask the target now, in this attempt.
                found = self._check_unknown(key, check, action, exc)
                if found is not None:
                    self._confirm(key, found, action, recovered=True)
                    return EffectOutcome(key, True, dict(found))
                # Absent: nothing reached the target. A screen that did not confirm is acted on again at
                # once; any other failure (a mail server's refusal...) is the act's answer, raised.
                if reacts >= UNKNOWN_REACTS or not isinstance(exc, LegacyUiError):
                    self._set_state(key, EffectState.FAILED, f"{action}.not_performed")
                    raise
                reacts += 1
                self._set_state(key, EffectState.INTENT, f"{action}.intent")
                continue
            self._confirm(key, result, action, recovered=False)
            return EffectOutcome(key, True, result)

    def _check_unknown(
        self, key: str, check: Callable[[], Result | None], action: str, cause: Exception
    ) -> Result | None:
        """Ask the target whether an act that failed after it may have reached it took effect."""
        error: Exception | None = None
        for _ in range(CHECK_TRIES):
            try:
                found = check()
            except _NEVER_REPEATED:
                raise
            except Exception as exc:  # the read failed too: asked again, then the intent stays open
                error = exc
                continue
            with self.db.transaction() as s:
                self.audit.record(
                    s,
                    f"{action}.checked",
                    "effect",
                    key,
                    outcome="found" if found is not None else "absent",
                )
            return found
        assert error is not None
        raise error from cause

    def _begin(self, key: str, item_reference: str | None, action: str) -> Effect | None:
        """Record the intent; return the earlier row if there was one (its state before this call)."""
        now = self.clock()
        with self.db.transaction() as s:
            row = s.execute(select(Effect).where(Effect.key == key)).scalar_one_or_none()
            if row is None:
                s.add(
                    Effect(
                        key=key,
                        bot=self.bot,
                        item_reference=item_reference,
                        state=EffectState.INTENT,
                        attempts=1,
                        run_id=self.run_id,
                        result={},
                        created_at=now,
                        updated_at=now,
                    )
                )
                self.audit.record(s, f"{action}.intent", "effect", key)
                return None
            snapshot = Effect(key=row.key, state=row.state, result=dict(row.result or {}))
            if row.state == EffectState.FAILED:
                row.state, row.attempts, row.run_id, row.updated_at = (
                    EffectState.INTENT,
                    row.attempts + 1,
                    self.run_id,
                    now,
                )
                self.audit.record(s, f"{action}.intent", "effect", key, details={"attempt": row.attempts})
                return None
            return snapshot

    def _check_target(
        self, key: str, check: Callable[[], Result | None] | None, action: str
    ) -> Result | None:
        if check is None:
            self._set_state(key, EffectState.NEEDS_REVIEW, f"{action}.uncertain")
            raise EffectUncertainError(
                f"effect {key} was started by an earlier attempt and never confirmed; the target cannot be "
                "asked whether it happened, so a person must check before it is redone",
                item_key=key,
            )
        error: Exception | None = None
        for _ in range(CHECK_TRIES):
            try:
                found = check()
                break
            except _NEVER_REPEATED:
                raise
            except Exception as exc:  # a read: asked again; after that the intent stays as it was
                error = exc
        else:
            assert error is not None
            raise error
        with self.db.transaction() as s:
            self.audit.record(
                s, f"{action}.checked", "effect", key, outcome="found" if found is not None else "absent"
            )
        return found

    def _confirm(self, key: str, result: Result, action: str, *, recovered: bool) -> None:
        with self.db.transaction() as s:
            row = s.execute(select(Effect).where(Effect.key == key)).scalar_one()
            row.state, row.result, row.updated_at = EffectState.CONFIRMED, dict(result), self.clock()
            self.audit.record(
                s,
                f"{action}.confirmed",
                "effect",
                key,
                details={"recovered": recovered, "result": dict(result)},
            )

    def _set_state(self, key: str, state: EffectState, audit_action: str) -> None:
        with self.db.transaction() as s:
            row = s.execute(select(Effect).where(Effect.key == key)).scalar_one()
            row.state, row.updated_at = state, self.clock()
            self.audit.record(s, audit_action, "effect", key, outcome=str(state))


def open_intents(s: Session, bot: str, reference: str) -> list[Effect]:
    """The effects of one item still ``intent`` (started, outcome not established), in the caller's
    transaction."""
    query = select(Effect).where(
        Effect.bot == bot, Effect.item_reference == reference, Effect.state == EffectState.INTENT
    )
    return list(s.execute(query.order_by(Effect.id)).scalars())


def confirmed_of(s: Session, bot: str, reference: str) -> list[Effect]:
    """The effects of one item confirmed in the target, in the caller's transaction."""
    query = select(Effect).where(
        Effect.bot == bot, Effect.item_reference == reference, Effect.state == EffectState.CONFIRMED
    )
    return list(s.execute(query.order_by(Effect.id)).scalars())


def effects_of(db: Database, bot: str) -> list[Effect]:
    """Every ledger entry of ``bot``, oldest first."""
    with db.read() as s:
        return list(s.execute(select(Effect).where(Effect.bot == bot).order_by(Effect.id)).scalars())
