"""Alerts to operations: a failed, timed-out, interrupted or missed run sends an email and/or a webhook.

An alert that cannot be delivered is logged and audited (``alert.failed``); it never stops the scheduler.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from loguru import logger

from rpa.audit.trail import AuditTrail
from rpa.mail import build_message, send_message
from rpa.settings import Settings
from rpa.store.db import Database

Kind = Literal["failed", "timed_out", "interrupted", "missed"]
WEBHOOK_TIMEOUT_S = 10.0  # an unresponsive receiver must not hold the supervisor for long


@dataclass(frozen=True)
class Alert:
    kind: Kind
    bot: str
    run_ids: Sequence[int]
    message: str
    schedule: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def run_link(settings: Settings, run_id: int) -> str:
    return f"{settings.alerts.console_url.rstrip('/')}/runs/{run_id}"


def payload(settings: Settings, alert: Alert, now: datetime) -> dict[str, Any]:
    return {
        "kind": alert.kind,
        "bot": alert.bot,
        "schedule": alert.schedule,
        "run_ids": list(alert.run_ids),
        "message": alert.message,
        "links": [run_link(settings, r) for r in alert.run_ids],
        "at": now.astimezone(UTC).isoformat(),
        **({"details": alert.details} if alert.details else {}),
    }


class Alerter:
    """Sends alerts; in the service on a worker thread (``background=True``) so a slow SMTP waits alone."""

    def __init__(
        self, settings: Settings, db: Database, clock: Callable[[], datetime], *, background: bool = False
    ) -> None:
        self.settings, self.db, self.clock = settings, db, clock
        self.audit = AuditTrail("system:alerts", clock)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="alerts") if background else None
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        a = self.settings.alerts
        return bool(a.email_to or a.webhook_url)

    def notify(self, alert: Alert) -> None:
        if not self.configured:
            logger.warning(
                "alert ({}) not sent, no alerts.email_to or alerts.webhook_url: {}", alert.kind, alert.message
            )
            return
        if self._pool is None:
            self._send(alert)
        else:
            self._pool.submit(self._send, alert)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def _send(self, alert: Alert) -> None:
        a, data = self.settings.alerts, payload(self.settings, alert, self.clock())
        if a.email_to:
            self._attempt(alert, "email", lambda: self._email(alert, data))
        if a.webhook_url:
            self._attempt(alert, "webhook", lambda: self._webhook(data))

    def _attempt(self, alert: Alert, channel: str, send: Callable[[], None]) -> None:
        target = ",".join(str(r) for r in alert.run_ids) or alert.bot
        try:
            send()
        except Exception as exc:  # any failure of an alert channel is reported, never raised
            logger.error(
                "alert {} for run(s) {} could not be sent by {}: {}", alert.kind, target, channel, exc
            )
            self._record(
                "alert.failed",
                target,
                "failed",
                {"channel": channel, "kind": alert.kind, "error": f"{type(exc).__name__}: {exc}"[:500]},
            )
            return
        self._record("alert.sent", target, "ok", {"channel": channel, "kind": alert.kind})

    def _record(self, action: str, target: str, outcome: str, details: dict[str, Any]) -> None:
        try:
            with self.db.transaction() as s:
                self.audit.record(s, action, "run", target, outcome=outcome, details=details)
        except Exception as exc:  # the database may be the very thing that is down
            logger.error("alert outcome could not be audited: {}", exc)

    def _email(self, alert: Alert, data: dict[str, Any]) -> None:
        first = alert.run_ids[0] if alert.run_ids else 0
        lines = [
            alert.message,
            "",
            *data["links"],
            "",
            f"bot: {alert.bot}",
            f"schedule: {alert.schedule or '-'}",
        ]
        msg = build_message(
            sender=self.settings.mail.sender,
            to=self.settings.alerts.email_to,
            subject=f"[backoffice-rpa] {alert.bot}: run {first} {alert.kind.replace('_', ' ')}",
            text="\n".join(lines),
            message_id=f"<alert-{alert.kind}-{first}-{len(alert.run_ids)}@backoffice-rpa>",
        )
        send_message(self.settings.mail, msg)

    def _webhook(self, data: dict[str, Any]) -> None:
        response = httpx.post(self.settings.alerts.webhook_url, json=data, timeout=WEBHOOK_TIMEOUT_S)
        response.raise_for_status()
