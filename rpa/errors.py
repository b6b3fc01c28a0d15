"""The error taxonomy: every error the product raises, each with a stable ``code``.

::

    RpaError                     root; ``code`` (SCREAMING_SNAKE) and an optional ``item_key``
    ├── BusinessRuleError        the data is wrong for the rule → exception queue, never retried
    ├── ApplicationError         something technical failed → retried with backoff, then escalated
    │   ├── LegacyUiError          selector missing, timeout, unexpected page
    │   ├── LegacyUiUnavailable    login down, HTTP 5xx, maintenance page
    │   ├── CredentialsRefusedError  the app refused our login → the run stops (no account lockout)
    │   ├── MailDeliveryError      SMTP refused or unreachable
    │   └── DocumentReadError      corrupt, encrypted, oversized or malformed file
    ├── ConfigError              invalid settings, bot config or schedule → refused at start-up
    └── AuditIntegrityError      the trail cannot be written or does not verify → the bot stops

Third-party exceptions are translated at the adapter boundary (``raise LegacyUiError(...) from exc``).
"""

from __future__ import annotations

from typing import Any, ClassVar


class RpaError(Exception):
    """Root of every error raised by the product."""

    code: ClassVar[str] = "RPA_ERROR"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        item_key: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # type: ignore[misc]  # an instance may carry a more precise code
        self.item_key = item_key
        self.details: dict[str, Any] = dict(details or {})

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class BusinessRuleError(RpaError):
    """The data is wrong for the business rule: the item goes to the exception queue, never retried."""

    code = "BUSINESS_RULE"


class ApplicationError(RpaError):
    """Something technical failed: the item is retried with backoff, then escalated with evidence."""

    code = "APPLICATION_ERROR"


class LegacyUiError(ApplicationError):
    """The legacy screen did not behave: a selector is missing, a wait timed out, an unexpected page."""

    code = "LEGACY_UI"


class LegacyUiUnavailable(ApplicationError):
    """The legacy application is down: login refused, HTTP 5xx, maintenance page."""

    code = "LEGACY_UI_UNAVAILABLE"


class CredentialsRefusedError(LegacyUiError):
    """The application refused the configured credentials: the run stops instead of retrying item after
    item, which would lock the account. Fix the settings, then run again: the items resume."""

    code = "LEGACY_LOGIN_REFUSED"


class MailDeliveryError(ApplicationError):
    """The mail server refused the message or could not be reached."""

    code = "MAIL_DELIVERY"


class DocumentReadError(ApplicationError):
    """A document could not be read: corrupt, encrypted, oversized, malformed or wrongly encoded."""

    code = "DOCUMENT_READ"


class ConfigError(RpaError):
    """Settings, a bot config or a schedule is invalid: refused at start-up, never mid-run."""

    code = "CONFIG_INVALID"


class AuditIntegrityError(RpaError):
    """The audit trail cannot be written or does not verify: the bot stops."""

    code = "AUDIT_INTEGRITY"
